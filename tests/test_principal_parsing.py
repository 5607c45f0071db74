"""Who is the caller behind a Bedrock line's ``line_item_iam_principal``, at principal, role, session grain?

Every ARN format of facts §2.2 and every sample row of §2.4/§5.1, plus partitions, IAM paths, session-name
characters and malformed input. Expectations written by reading the ARNs.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cur_analyzer.bedrock.principals import GRAINS, KINDS, Principal, parse_principal, principal_key

ACCT = "123456789012"

# arn -> (kind, account, name, session, is_api_key)
ARNS: dict[str, tuple[str, str | None, str | None, str | None, bool]] = {
    # facts §2.2 formats
    f"arn:aws:iam::{ACCT}:user/alice": ("user", ACCT, "alice", None, False),
    f"arn:aws:iam::{ACCT}:user/BedrockAPIKey-234s": ("user", ACCT, "BedrockAPIKey-234s", None, True),
    f"arn:aws:sts::{ACCT}:assumed-role/AppRole/session": ("assumed-role", ACCT, "AppRole", "session", False),
    f"arn:aws:sts::{ACCT}:assumed-role/Role/user@acme.org": (
        "assumed-role",
        ACCT,
        "Role",
        "user@acme.org",
        False,
    ),
    f"arn:aws:sts::{ACCT}:assumed-role/BedrockRole/gw-user-1": (
        "assumed-role",
        ACCT,
        "BedrockRole",
        "gw-user-1",
        False,
    ),
    # facts §2.4 sample rows (AWS ML blog parts 1 and 2)
    f"arn:aws:iam::{ACCT}:user/bob": ("user", ACCT, "bob", None, False),
    f"arn:aws:sts::{ACCT}:assumed-role/Role-2/session-456": (
        "assumed-role",
        ACCT,
        "Role-2",
        "session-456",
        False,
    ),
    f"arn:aws:sts::{ACCT}:assumed-role/ChatApp/session-1": (
        "assumed-role",
        ACCT,
        "ChatApp",
        "session-1",
        False,
    ),
    f"arn:aws:sts::{ACCT}:assumed-role/DocProcessor/batch-7": (
        "assumed-role",
        ACCT,
        "DocProcessor",
        "batch-7",
        False,
    ),
    f"arn:aws:sts::{ACCT}:assumed-role/ClaudeCode/chat": ("assumed-role", ACCT, "ClaudeCode", "chat", False),
    # facts §5.1 invocation-log identity.arn
    f"arn:aws:sts::{ACCT}:assumed-role/my-bedrock-role/my-session": (
        "assumed-role",
        ACCT,
        "my-bedrock-role",
        "my-session",
        False,
    ),
    # other caller kinds
    f"arn:aws:sts::{ACCT}:federated-user/bob": ("federated-user", ACCT, "bob", None, False),
    f"arn:aws:iam::{ACCT}:root": ("root", ACCT, None, None, False),
    # IAM user with a path: the name is the last segment
    f"arn:aws:iam::{ACCT}:user/path/alice": ("user", ACCT, "alice", None, False),
    f"arn:aws:iam::{ACCT}:user/division/team/BedrockAPIKey-x9": (
        "user",
        ACCT,
        "BedrockAPIKey-x9",
        None,
        True,
    ),
    # partitions
    "arn:aws-cn:iam::111122223333:user/li": ("user", "111122223333", "li", None, False),
    "arn:aws-us-gov:sts::444455556666:assumed-role/GovApp/job-1": (
        "assumed-role",
        "444455556666",
        "GovApp",
        "job-1",
        False,
    ),
    "arn:aws-cn:sts::111122223333:federated-user/wang": (
        "federated-user",
        "111122223333",
        "wang",
        None,
        False,
    ),
    "arn:aws-us-gov:iam::444455556666:root": ("root", "444455556666", None, None, False),
    # session names use the whole STS charset
    f"arn:aws:sts::{ACCT}:assumed-role/AWSReservedSSO_Dev_0a1b2c3d4e5f/alice.smith+bedrock@acme.org": (
        "assumed-role",
        ACCT,
        "AWSReservedSSO_Dev_0a1b2c3d4e5f",
        "alice.smith+bedrock@acme.org",
        False,
    ),
    f"arn:aws:sts::{ACCT}:assumed-role/Gateway/team=ds,user=bob": (
        "assumed-role",
        ACCT,
        "Gateway",
        "team=ds,user=bob",
        False,
    ),
    # an API-key prefix only means an API key on an IAM user
    f"arn:aws:sts::{ACCT}:assumed-role/App/BedrockAPIKey-1": (
        "assumed-role",
        ACCT,
        "App",
        "BedrockAPIKey-1",
        False,
    ),
    # well-formed ARNs of other shapes keep their account, nothing else
    f"arn:aws:iam::{ACCT}:role/AppRole": ("unknown", ACCT, None, None, False),
    f"arn:aws:sts::{ACCT}:assumed-role/AppRole": ("unknown", ACCT, None, None, False),
    f"arn:aws:iam::{ACCT}:user/": ("unknown", ACCT, None, None, False),
    f"arn:aws:sts::{ACCT}:assumed-role/AppRole/": ("unknown", ACCT, None, None, False),
    f"arn:aws:bedrock:us-east-1:{ACCT}:application-inference-profile/hkqiiam51emk": (
        "unknown",
        ACCT,
        None,
        None,
        False,
    ),
    # not ARNs at all
    "arn:aws:iam::12345:user/alice": ("unknown", None, None, None, False),
    "bedrock.amazonaws.com": ("unknown", None, None, None, False),
    f" arn:aws:iam::{ACCT}:user/alice": ("unknown", None, None, None, False),
    "": ("unknown", None, None, None, False),
}


@pytest.mark.parametrize(("arn", "expected"), list(ARNS.items()), ids=[a or "<empty>" for a in ARNS])
def test_caller_arn_parses_to_kind_account_name_and_session(arn, expected):
    p = parse_principal(arn)
    assert (p.kind, p.account, p.name, p.session, p.is_api_key) == expected
    assert p.arn == arn
    assert p.kind in KINDS


def test_assumed_role_session_is_what_follows_the_last_slash():
    p = parse_principal(f"arn:aws:sts::{ACCT}:assumed-role/ClaudeCode/alice@acme.org")
    assert (p.name, p.session) == ("ClaudeCode", "alice@acme.org")


def test_role_grain_collapses_every_session_of_a_role_onto_the_role_arn():
    keys = {
        principal_key(f"arn:aws:sts::{ACCT}:assumed-role/AppRole/{s}", "role")
        for s in ("alice@acme.org", "bob@acme.org", "i-0abc")
    }
    assert keys == {f"arn:aws:iam::{ACCT}:role/AppRole"}


def test_role_grain_keeps_the_partition_of_the_caller():
    assert (
        principal_key("arn:aws-cn:sts::111122223333:assumed-role/CnApp/s1", "role")
        == "arn:aws-cn:iam::111122223333:role/CnApp"
    )


def test_role_grain_leaves_users_and_other_callers_as_their_arn():
    for arn in (
        f"arn:aws:iam::{ACCT}:user/alice",
        f"arn:aws:sts::{ACCT}:federated-user/bob",
        f"arn:aws:iam::{ACCT}:root",
        "not-an-arn",
    ):
        assert principal_key(arn, "role") == arn


def test_session_grain_is_the_session_name_for_roles_and_the_user_name_for_users():
    assert principal_key(f"arn:aws:sts::{ACCT}:assumed-role/Role/user@acme.org", "session") == "user@acme.org"
    assert principal_key(f"arn:aws:iam::{ACCT}:user/path/alice", "session") == "alice"
    assert principal_key(f"arn:aws:iam::{ACCT}:user/BedrockAPIKey-234s", "session") == "BedrockAPIKey-234s"


def test_session_grain_falls_back_to_the_arn_for_federated_root_and_unknown_callers():
    for arn in (f"arn:aws:sts::{ACCT}:federated-user/bob", f"arn:aws:iam::{ACCT}:root", "garbage"):
        assert principal_key(arn, "session") == arn


def test_principal_grain_is_the_arn_unchanged():
    arn = f"arn:aws:sts::{ACCT}:assumed-role/AppRole/session"
    assert principal_key(arn, "principal") == arn


def test_an_unknown_grain_is_a_programming_error():
    with pytest.raises(ValueError, match="grain"):
        principal_key(f"arn:aws:iam::{ACCT}:user/alice", "team")


def test_grains_constant_lists_the_cli_grains():
    assert GRAINS == ("principal", "role", "session")


@pytest.mark.parametrize("value", [None, float("nan"), 0])
def test_a_null_principal_column_is_unknown_with_an_empty_arn(value):
    p = parse_principal(value)
    assert (p.kind, p.arn, p.account, p.role_key, p.session_key) == ("unknown", "", None, "", "")


def test_parse_is_cached_so_each_distinct_caller_is_parsed_once():
    arn = f"arn:aws:iam::{ACCT}:user/alice"
    assert parse_principal(arn) is parse_principal(arn)


def test_principal_is_immutable():
    p = parse_principal(f"arn:aws:iam::{ACCT}:user/alice")
    assert isinstance(p, Principal)
    with pytest.raises(AttributeError):
        p.name = "mallory"  # type: ignore[misc]


# --- properties ------------------------------------------------------------------------------------------

_STS_CHARS = st.text(alphabet="abcXYZ019_+=,.@-", min_size=2, max_size=64)
_ACCOUNTS = st.from_regex(r"\A[0-9]{12}\Z")
_PARTITIONS = st.sampled_from(["aws", "aws-cn", "aws-us-gov"])


@given(st.text())
def test_parse_never_raises_on_arbitrary_text(s):
    p = parse_principal(s)
    assert p.kind in KINDS
    for grain in GRAINS:
        assert isinstance(principal_key(s, grain), str)


@given(st.text(alphabet="arnws:-ismtue/@.0123456789ABC", max_size=80))
def test_parse_never_raises_on_near_miss_arns(s):
    assert parse_principal(s).kind in KINDS


@given(partition=_PARTITIONS, account=_ACCOUNTS, role=_STS_CHARS, session=_STS_CHARS)
def test_any_assumed_role_arn_gives_back_its_account_role_and_session(partition, account, role, session):
    p = parse_principal(f"arn:{partition}:sts::{account}:assumed-role/{role}/{session}")
    assert (p.kind, p.account, p.name, p.session) == ("assumed-role", account, role, session)
    assert p.role_key == f"arn:{partition}:iam::{account}:role/{role}"
    assert p.session_key == session


@given(
    account=_ACCOUNTS,
    path=st.lists(st.text(alphabet="abc019_-", min_size=1, max_size=8), max_size=3),
    user=_STS_CHARS,
)
def test_any_iam_user_arn_gives_back_the_last_path_segment_as_the_name(account, path, user):
    p = parse_principal(f"arn:aws:iam::{account}:user/{''.join(seg + '/' for seg in path)}{user}")
    assert (p.kind, p.account, p.name, p.session) == ("user", account, user, None)
    assert p.is_api_key == user.startswith("BedrockAPIKey-")
