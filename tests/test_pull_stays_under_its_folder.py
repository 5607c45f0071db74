"""Whatever object keys a bucket holds, `pull` writes only inside `<to>/<export>/<data|metadata>/
BILLING_PERIOD=<month>`: a key that would land anywhere else is refused (counted, named in the summary)
and the rest of the month is still copied. Nothing outside `--to` is ever created, changed or removed."""

from __future__ import annotations

import hashlib
import tempfile
import unicodedata
from pathlib import Path

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mock_export_bucket import BUCKET, LEGIT, PART, PREFIX, ROOT
from typer.testing import CliRunner

from cur_analyzer.cli import app
from cur_analyzer.errors import UserInputError
from cur_analyzer.pull import PullResult, pull_month, segment_problem


@pytest.fixture
def sandbox(tmp_path) -> Path:
    """`--to` sits eight folders below tmp_path, so even a key with many `..` that escaped would still land
    (and be seen) inside tmp_path; a victim file sits beside `--to`."""
    deep = tmp_path.joinpath(*(f"s{i}" for i in range(8)))
    deep.mkdir(parents=True)
    (deep / "victim.txt").write_text("keep me")
    return tmp_path


def _to(sandbox: Path) -> Path:
    return sandbox.joinpath(*(f"s{i}" for i in range(8)), "cache")


def _snapshot_outside(sandbox: Path, export: Path) -> dict[Path, str]:
    """Every file under the sandbox but outside the export folder, with a hash of its bytes."""
    return {
        p: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sandbox.rglob("*")
        if p.is_file() and not p.is_relative_to(export)
    }


def _refused_keys(result: PullResult) -> list[str]:
    return [n.key for n in result.refused]


# --- keys that try to leave the partition folder --------------------------------------------------------

HOSTILE = {
    "dotdot out of data": f"data/{PART}/../../../../escaped.parquet",
    "dotdot after a folder": f"data/{PART}/sub/../../../../../escaped.parquet",
    "metadata over the victim": f"metadata/{PART}/../../../../victim.txt",
    "metadata far up": f"metadata/{PART}/../../../../../../../../escaped.json",
    "dotdot as the name": f"data/{PART}/..",
    "absolute-looking (empty segment)": f"data/{PART}//etc/escaped.parquet",
    "dot segment": f"data/{PART}/./x.parquet",
    "backslashes": f"data/{PART}/..\\..\\..\\..\\escaped.parquet",
    "NUL": f"data/{PART}/nul\x00.parquet",
    "ANSI escape": f"data/{PART}/\x1b[31mred.parquet",
    "newline": f"metadata/{PART}/two\nlines.json",
    "bidi override": f"data/{PART}/\u202eteuqrap.exe",
    "name too long": f"data/{PART}/{'x' * 300}.parquet",
}


@pytest.mark.parametrize("rel", list(HOSTILE.values()), ids=list(HOSTILE))
def test_a_key_that_would_leave_its_folder_is_refused_and_the_rest_is_copied(s3, sandbox, rel):
    s3.put_object(Bucket=BUCKET, Key=PREFIX + rel, Body=b"hostile bytes")
    to = _to(sandbox)
    export = to / "cur2-bedrock"
    before = _snapshot_outside(sandbox, export)

    result = pull_month("2026-10", to, ROOT)

    assert _refused_keys(result) == [PREFIX + rel]
    assert result.refused[0].reason
    assert not result.complete
    assert LEGIT in result.downloaded
    assert _snapshot_outside(sandbox, export) == before
    assert "1 refused" in result.summary()
    assert all(p.read_bytes() != b"hostile bytes" for p in export.rglob("*") if p.is_file())


def test_a_pull_that_refused_an_object_exits_2_after_copying_the_rest(s3, sandbox):
    s3.put_object(Bucket=BUCKET, Key=f"{PREFIX}{HOSTILE['dotdot out of data']}", Body=b"hostile bytes")
    to = _to(sandbox)
    result = CliRunner().invoke(app, ["pull", "--month", "2026-10", "--s3", ROOT, "--to", str(to)])
    assert result.exit_code == 2, result.output
    assert "1 refused" in result.stdout and "Traceback" not in result.output
    assert (to / "cur2-bedrock" / LEGIT).is_file()


def test_the_summary_shows_a_refused_key_without_its_control_characters(s3, sandbox):
    s3.put_object(Bucket=BUCKET, Key=f"{PREFIX}data/{PART}/\x1b]8;;http://evil\x07x", Body=b"1")
    summary = pull_month("2026-10", _to(sandbox), ROOT).summary()
    assert "\x1b" not in summary and "\x07" not in summary
    assert "\\x1b]8;;http://evil\\x07x" in summary


def test_a_key_outside_the_month_the_listing_returns_is_refused(s3, sandbox, monkeypatch):
    """S3 lists only keys under the prefix asked for; an S3-compatible store that does not is refused."""
    real_client = boto3.Session.client
    stray = f"{PREFIX}data/BILLING_PERIOD=2026-11/../../../../escaped.parquet"

    class StrayPaginator:
        def __init__(self, paginator):
            self.paginator = paginator

        def paginate(self, **kwargs):
            for page in self.paginator.paginate(**kwargs):
                if kwargs["Prefix"] == f"{PREFIX}data/{PART}/":
                    page = {
                        **page,
                        "Contents": [*page.get("Contents", []), {"Key": stray, "Size": 1, "ETag": '"x"'}],
                    }
                yield page

    def client(self, *args, **kwargs):
        c = real_client(self, *args, **kwargs)
        real_get = c.get_paginator
        c.get_paginator = lambda name: StrayPaginator(real_get(name))
        return c

    monkeypatch.setattr(boto3.Session, "client", client)
    to = _to(sandbox)
    before = _snapshot_outside(sandbox, to / "cur2-bedrock")
    result = pull_month("2026-10", to, ROOT)
    assert _refused_keys(result) == [stray] and "not under" in result.refused[0].reason
    assert LEGIT in result.downloaded
    assert _snapshot_outside(sandbox, to / "cur2-bedrock") == before


# --- folders already in the cache that point elsewhere -----------------------------------------------------


def test_a_symlink_planted_in_the_partition_is_not_followed(s3, sandbox):
    to = _to(sandbox)
    outside = sandbox / "outside"
    outside.mkdir()
    pull_month("2026-10", to, ROOT)
    (to / "cur2-bedrock" / "data" / PART / "sub").symlink_to(outside, target_is_directory=True)
    s3.put_object(Bucket=BUCKET, Key=f"{PREFIX}data/{PART}/sub/deeper/x.parquet", Body=b"1")

    result = pull_month("2026-10", to, ROOT)

    assert _refused_keys(result) == [f"{PREFIX}data/{PART}/sub/deeper/x.parquet"]
    assert list(outside.iterdir()) == []


def test_stale_files_are_removed_only_inside_the_partition_folders(s3, sandbox):
    """A partition folder that is a symlink is not walked, a symlinked file is unlinked (not its target),
    and files of other months or beside the partition stay."""
    to = _to(sandbox)
    export = to / "cur2-bedrock"
    pull_month("2026-10", to, ROOT)
    other_month = export / "data" / "BILLING_PERIOD=2026-11" / "keep.parquet"
    other_month.parent.mkdir(parents=True)
    other_month.write_bytes(b"other month")
    (export / "notes.txt").write_text("mine")
    target = sandbox / "precious.txt"
    target.write_text("precious")
    (export / "data" / PART / "link-to-precious").symlink_to(target)
    elsewhere = sandbox / "elsewhere"
    (elsewhere / PART).mkdir(parents=True)
    (elsewhere / PART / "stale.parquet").write_bytes(b"not the cache's")
    metadata = export / "metadata"
    for f in (metadata / PART).iterdir():
        f.unlink()
    (metadata / PART).rmdir()
    (metadata / PART).symlink_to(elsewhere / PART, target_is_directory=True)

    result = pull_month("2026-10", to, ROOT)

    assert result.removed == [f"data/{PART}/link-to-precious"]
    assert target.read_text() == "precious"
    assert other_month.read_bytes() == b"other month" and (export / "notes.txt").exists()
    assert (elsewhere / PART / "stale.parquet").read_bytes() == b"not the cache's"
    assert any("symlink" in w for w in result.warnings)
    assert result.refused  # the manifest cannot be written into the symlinked metadata partition


# --- the export folder name comes from --s3 -----------------------------------------------------------------


@pytest.mark.parametrize(
    "uri",
    [f"s3://{BUCKET}/..", f"s3://{BUCKET}/exports/..", f"s3://{BUCKET}/exports/./", f"s3://{BUCKET}/a\\.."],
)
def test_an_s3_prefix_that_is_not_a_folder_name_is_one_line_naming_s3(s3, sandbox, uri):
    to = _to(sandbox)
    before = _snapshot_outside(sandbox, to / "never")
    with pytest.raises(UserInputError, match="export root") as error:
        pull_month("2026-10", to, uri)
    assert error.value.option == "s3" and "--s3" not in str(error.value)
    assert _snapshot_outside(sandbox, to / "never") == before
    result = CliRunner().invoke(app, ["pull", "--month", "2026-10", "--s3", uri, "--to", str(to)])
    assert result.exit_code == 2 and "--s3" in result.stderr
    assert not to.exists()


# --- property: any key under the month prefix lands in the export folder or is refused -----------------------

_SEGMENTS = st.one_of(
    st.sampled_from(
        ["..", ".", "", "a", "b.parquet", "..\\..", "C:", "~", "%2e%2e", " ", "x\x00", "\x1b[2J"]
    ),
    st.text(min_size=1, max_size=6),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(section=st.sampled_from(["data", "metadata"]), segments=st.lists(_SEGMENTS, min_size=1, max_size=7))
def test_any_key_under_the_month_lands_under_the_export_or_is_refused(
    mocked_aws, s3, tmp_path, section, segments
):
    """The bucket and tmp_path are shared by the examples: each one removes its key and pulls into a
    fresh sandbox."""
    key = f"{PREFIX}{section}/{PART}/" + "/".join(segments)
    try:
        key.encode("utf-8")
    except UnicodeEncodeError:  # S3 keys are UTF-8: a lone surrogate is no key at all
        return
    s3.put_object(Bucket=BUCKET, Key=key, Body=b"hostile bytes")
    sandbox = Path(tempfile.mkdtemp(dir=tmp_path))
    deep = sandbox.joinpath(*(f"s{i}" for i in range(8)))
    deep.mkdir(parents=True)
    (deep / "victim.txt").write_text("keep me")
    export = deep / "cache" / "cur2-bedrock"
    try:
        result = pull_month("2026-10", deep / "cache", ROOT, boto3_session=mocked_aws)
    finally:
        s3.delete_object(Bucket=BUCKET, Key=key)
    outside = [p for p in sandbox.rglob("*") if not p.is_dir() and not p.is_relative_to(export)]
    assert outside == [deep / "victim.txt"] and outside[0].read_text() == "keep me"
    rel = key[len(PREFIX) :]
    landed = rel in result.downloaded and (export / rel).resolve().is_relative_to(export / section / PART)
    assert landed or key in _refused_keys(result) or key in result.markers
    assert LEGIT in result.downloaded


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=12))
def test_a_segment_that_passes_is_exactly_one_plain_name(segment):
    if segment_problem(segment) is None:
        assert Path(segment).parts == (segment,) and segment not in (".", "..")
        assert (
            "/" not in segment
            and "\\" not in segment
            and all(unicodedata.category(c)[0] != "C" for c in segment)
        )
