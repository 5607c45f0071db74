"""The one home of IAM principal ARN parsing (``line_item_iam_principal``, invocation-log ``identity.arn``).

Chargeback groups Bedrock spend at three grains (``--by principal|role|session``) and reconciliation joins
CUR to invocation logs on the caller, so both need the same reading of an ARN: which account, which user or
role, which role session. Facts §2.2: IAM users (``...:user/alice``, Bedrock API keys as
``user/BedrockAPIKey-...``), assumed roles with the session name after the last ``/`` (often the person's
e-mail for Identity Center or an LLM gateway), federated users, and the account root.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

KINDS: tuple[str, ...] = ("user", "assumed-role", "federated-user", "root", "unknown")
GRAINS: tuple[str, ...] = ("principal", "role", "session")
API_KEY_PREFIX = "BedrockAPIKey-"

# IAM/STS name charset: letters, digits and + = , . @ _ - (role session names, user names, role names).
_NAME = r"[\w+=,.@-]+"
_ARN_RE = re.compile(
    r"^arn:(?P<partition>aws(?:-[a-z]+)*):(?P<service>[a-z0-9-]+):[a-z0-9-]*:(?P<account>[0-9]{12}):"
    r"(?P<resource>.+)$",
    re.ASCII,
)
_USER_RE = re.compile(rf"^user/(?:{_NAME}/)*(?P<name>{_NAME})$", re.ASCII)
# Assumed-role ARNs carry no IAM path; anything between "assumed-role/" and the last "/" is kept as the role
# name rather than dropped, and the session is what follows the last "/" (AWS's own parsing rule). The
# session is whatever the caller's identity provider passed, not only IAM's name charset: a SAML or OIDC
# display name ("José Pérez") or a gateway's label may hold spaces and non-ASCII letters, and the line still
# belongs to its role.
_ASSUMED_ROLE_RE = re.compile(rf"^assumed-role/(?P<name>{_NAME}(?:/{_NAME})*)/(?P<session>[^/]+)$", re.ASCII)
_FEDERATED_RE = re.compile(rf"^federated-user/(?P<name>{_NAME})$", re.ASCII)


@dataclass(frozen=True)
class Principal:
    """One parsed caller ARN. ``kind == "unknown"`` keeps the ARN usable as an opaque key."""

    arn: str
    kind: str
    account: str | None
    name: str | None
    session: str | None
    is_api_key: bool

    @property
    def role_key(self) -> str:
        """Grain "role": all sessions of a role collapse onto the role ARN; other callers stay as they are."""
        if self.kind == "assumed-role":
            partition = self.arn.split(":", 2)[1]
            return f"arn:{partition}:iam::{self.account}:role/{self.name}"
        return self.arn

    @property
    def session_key(self) -> str:
        """Grain "session": the person behind the call (role session name or IAM user name), else the ARN."""
        if self.kind == "assumed-role" and self.session is not None:
            return self.session
        if self.kind == "user" and self.name is not None:
            return self.name
        return self.arn


def _principal(
    arn: str, kind: str, account: str | None = None, name: str | None = None, session: str | None = None
) -> Principal:
    return Principal(
        arn=arn,
        kind=kind,
        account=account,
        name=name,
        session=session,
        is_api_key=kind == "user" and name is not None and name.startswith(API_KEY_PREFIX),
    )


@lru_cache(maxsize=65536)
def parse_principal(arn: str) -> Principal:
    """Parse a caller ARN; never raises.

    Empty, null (``None``, ``NaN``) or non-ARN input gives ``kind="unknown"`` with ``arn=""`` for non-strings.
    A well-formed ARN of another shape (e.g. ``...:role/X``) is ``unknown`` but keeps its account, so
    account-level rollups still see it. Cached: a month has few distinct callers and millions of lines.
    """
    if not isinstance(arn, str):
        return _principal("", "unknown")
    m = _ARN_RE.match(arn)
    if m is None:
        return _principal(arn, "unknown")
    service, account, resource = m["service"], m["account"], m["resource"]
    if service == "iam":
        if resource == "root":
            return _principal(arn, "root", account)
        if u := _USER_RE.match(resource):
            return _principal(arn, "user", account, u["name"])
    elif service == "sts":
        if r := _ASSUMED_ROLE_RE.match(resource):
            return _principal(arn, "assumed-role", account, r["name"], r["session"])
        if f := _FEDERATED_RE.match(resource):
            return _principal(arn, "federated-user", account, f["name"])
    return _principal(arn, "unknown", account)


def principal_key(arn: str, grain: str) -> str:
    """The grouping key of ``arn`` at ``grain`` (``principal``: the ARN unchanged, ``role``, ``session``)."""
    p = parse_principal(arn)
    if grain == "principal":
        return p.arn
    if grain == "role":
        return p.role_key
    if grain == "session":
        return p.session_key
    raise ValueError(f"grain must be one of {GRAINS}, not {grain!r}")
