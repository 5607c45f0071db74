"""`pull` keeps working when the bucket holds folder markers, when its own ETag cache is broken, when a
second pull starts in the same folder, and when an object is replaced while it is being downloaded: the
cache then records the ETag of the bytes it holds, never the one it listed."""

from __future__ import annotations

import fcntl
import json
import os

import boto3
import pytest
from mock_export_bucket import BUCKET, LEGIT, PART, PREFIX, ROOT

from cur_analyzer.errors import UserInputError
from cur_analyzer.pull import ETAGS_FILE, LOCK_FILE, pull_month


def _etag(s3, rel: str) -> str:
    return s3.head_object(Bucket=BUCKET, Key=PREFIX + rel)["ETag"]


# --- folder markers ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "marker",
    [f"data/{PART}/", f"metadata/{PART}/", f"data/{PART}/sub/", f"data/{PART}/sub/deeper/"],
)
def test_a_folder_marker_object_is_skipped(s3, tmp_path, marker):
    s3.put_object(Bucket=BUCKET, Key=PREFIX + marker, Body=b"")
    s3.put_object(Bucket=BUCKET, Key=f"{PREFIX}data/{PART}/sub/deeper/part.parquet", Body=b"more data")
    result = pull_month("2026-10", tmp_path, ROOT)
    assert result.markers == [PREFIX + marker]
    assert result.complete and not result.refused
    assert f"data/{PART}/sub/deeper/part.parquet" in result.downloaded


def test_a_zero_byte_key_that_is_also_a_folder_of_other_keys_is_a_marker(s3, tmp_path):
    s3.put_object(Bucket=BUCKET, Key=f"{PREFIX}data/{PART}/sub", Body=b"")
    s3.put_object(Bucket=BUCKET, Key=f"{PREFIX}data/{PART}/sub/part.parquet", Body=b"more data")
    result = pull_month("2026-10", tmp_path, ROOT)
    assert result.markers == [f"{PREFIX}data/{PART}/sub"] and result.complete
    assert (tmp_path / "cur2-bedrock" / f"data/{PART}/sub/part.parquet").read_bytes() == b"more data"


@pytest.mark.parametrize(
    "key", [f"data/{PART}/dir/", f"data/{PART}/sub"], ids=["ends-in-slash", "file-and-folder"]
)
def test_an_object_that_cannot_be_both_file_and_folder_is_refused(s3, tmp_path, key):
    s3.put_object(Bucket=BUCKET, Key=PREFIX + key, Body=b"not empty")
    s3.put_object(Bucket=BUCKET, Key=f"{PREFIX}data/{PART}/sub/part.parquet", Body=b"more data")
    result = pull_month("2026-10", tmp_path, ROOT)
    assert [n.key for n in result.refused] == [PREFIX + key]
    assert LEGIT in result.downloaded


def test_keys_equal_but_for_letter_case_are_refused_once(s3, tmp_path):
    """On a case-insensitive disk (macOS, Windows) the second would silently replace the first."""
    s3.put_object(Bucket=BUCKET, Key=f"{PREFIX}data/{PART}/Extra.parquet", Body=b"upper")
    s3.put_object(Bucket=BUCKET, Key=f"{PREFIX}data/{PART}/extra.parquet", Body=b"lower")
    result = pull_month("2026-10", tmp_path, ROOT)
    assert [n.key for n in result.refused] == [f"{PREFIX}data/{PART}/extra.parquet"]
    assert f"data/{PART}/Extra.parquet" in result.downloaded


# --- the ETag cache -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        b'{"data/BILLING_PERIOD=2026-10/x": "\\"ab',
        b"[1, 2]",
        b'{"a": 1}',
        b"\xff\xfe\x00garbage",
        b"",
        b"null",
    ],
    ids=["truncated", "a-list", "not-strings", "binary", "empty", "null"],
)
def test_a_broken_etag_cache_is_rebuilt_with_a_warning(s3, tmp_path, content):
    pull_month("2026-10", tmp_path, ROOT)
    cache = tmp_path / "cur2-bedrock" / ETAGS_FILE
    cache.write_bytes(content)

    result = pull_month("2026-10", tmp_path, ROOT)

    assert LEGIT in result.downloaded  # compared again, nothing trusted from the broken cache
    assert any(ETAGS_FILE in w and "rebuilt" in w for w in result.warnings)
    assert "warning:" in result.summary()
    assert json.loads(cache.read_text())[LEGIT] == _etag(s3, LEGIT)
    assert pull_month("2026-10", tmp_path, ROOT).skipped  # and the pull after that is back to normal


def test_an_etag_cache_that_is_a_folder_stops_the_pull_before_it_downloads(s3, tmp_path):
    cache = tmp_path / "cur2-bedrock" / ETAGS_FILE
    cache.mkdir(parents=True)
    with pytest.raises(UserInputError, match=ETAGS_FILE):
        pull_month("2026-10", tmp_path, ROOT)
    assert not (tmp_path / "cur2-bedrock" / "data").exists()


def test_the_etag_cache_is_replaced_never_rewritten_in_place(s3, tmp_path):
    """Written in place, a pull killed mid-write leaves a truncated cache: the old file (here a hard link
    kept aside) must still hold the previous content after the next pull writes a new one."""
    pull_month("2026-10", tmp_path, ROOT)
    cache = tmp_path / "cur2-bedrock" / ETAGS_FILE
    aside = tmp_path / "aside.json"
    os.link(cache, aside)
    before = aside.read_bytes()
    s3.put_object(Bucket=BUCKET, Key=f"{PREFIX}data/{PART}/new.parquet", Body=b"new")

    pull_month("2026-10", tmp_path, ROOT)

    assert aside.read_bytes() == before
    assert f"data/{PART}/new.parquet" in json.loads(cache.read_text())


def test_a_pull_that_fails_while_saving_the_cache_leaves_the_old_one_whole(s3, tmp_path, monkeypatch):
    pull_month("2026-10", tmp_path, ROOT)
    cache = tmp_path / "cur2-bedrock" / ETAGS_FILE
    before = cache.read_bytes()
    s3.put_object(Bucket=BUCKET, Key=f"{PREFIX}data/{PART}/new.parquet", Body=b"new")

    def dump_half_then_fail(obj, fp, **kwargs):
        fp.write(json.dumps(obj)[:10])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("cur_analyzer.pull.json.dump", dump_half_then_fail)
    with pytest.raises(OSError):
        pull_month("2026-10", tmp_path, ROOT)
    assert cache.read_bytes() == before
    assert not [p for p in cache.parent.iterdir() if p.name.endswith(".part")]


# --- two pulls, one folder --------------------------------------------------------------------------------


def test_a_second_pull_into_the_same_folder_is_one_clear_line(s3, tmp_path):
    export = tmp_path / "cur2-bedrock"
    export.mkdir()
    fd = os.open(export / LOCK_FILE, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # what a running pull holds
        with pytest.raises(UserInputError, match="another pull is writing into"):
            pull_month("2026-10", tmp_path, ROOT)
    finally:
        os.close(fd)
    assert not (export / "data").exists()
    assert pull_month("2026-10", tmp_path, ROOT).downloaded  # released: the next pull runs


def test_downloads_go_through_a_unique_temporary_name(s3, tmp_path):
    """Each download streams into its own temporary file beside the target, never a fixed `.part` name
    that a second process would share."""
    seen: list[list[str]] = []

    def look(params, **kwargs):
        target = tmp_path / "cur2-bedrock" / params["Key"][len(PREFIX) :]
        seen.append(sorted(p.name for p in target.parent.iterdir()))

    session = boto3.Session(region_name="us-east-1")
    session.events.register("before-parameter-build.s3.GetObject", look)
    umask = os.umask(0o022)
    try:
        pull_month("2026-10", tmp_path, ROOT, boto3_session=session)
    finally:
        os.umask(umask)
    assert (tmp_path / "cur2-bedrock" / LEGIT).stat().st_mode & 0o777 == 0o644  # as before, not 0600
    temporaries = [name for names in seen for name in names if name.endswith(".part")]
    assert len(temporaries) == len(seen) == 2
    assert len(set(temporaries)) == 2 and all(n.startswith(".cur-analyzer-") for n in temporaries)
    assert not [n for n in temporaries if n.startswith(".cur2-bedrock")]


# --- an object replaced during the download -------------------------------------------------------------------


def _replacing_session(s3, times: int, delete: bool = False) -> boto3.Session:
    """A session whose S3 client replaces (or deletes) the data object just before each of its first
    `times` GETs of it, as a refresh of the export would."""
    session = boto3.Session(region_name="us-east-1")
    counter = {"n": 0}

    def replace(params, **kwargs):
        if params["Key"] == PREFIX + LEGIT and counter["n"] < times:
            counter["n"] += 1
            if delete:
                s3.delete_object(Bucket=BUCKET, Key=PREFIX + LEGIT)
            else:
                s3.put_object(Bucket=BUCKET, Key=PREFIX + LEGIT, Body=f"version {counter['n']}".encode())

    session.events.register("before-parameter-build.s3.GetObject", replace)
    return session


def test_an_object_replaced_during_its_download_records_the_etag_of_the_bytes_received(s3, tmp_path):
    result = pull_month("2026-10", tmp_path, ROOT, boto3_session=_replacing_session(s3, times=1))
    local = tmp_path / "cur2-bedrock" / LEGIT
    assert LEGIT in result.downloaded and result.complete
    assert local.read_bytes() == b"version 1"
    etags = json.loads((tmp_path / "cur2-bedrock" / ETAGS_FILE).read_text())
    assert etags[LEGIT] == _etag(s3, LEGIT)
    assert pull_month("2026-10", tmp_path, ROOT).skipped == sorted(etags)


def test_an_object_that_keeps_changing_is_reported_and_not_recorded(s3, tmp_path):
    result = pull_month("2026-10", tmp_path, ROOT, boto3_session=_replacing_session(s3, times=5))
    assert [n.key for n in result.changed] == [PREFIX + LEGIT] and not result.complete
    assert "changed during the download" in result.summary()
    assert not (tmp_path / "cur2-bedrock" / LEGIT).exists()
    assert LEGIT not in json.loads((tmp_path / "cur2-bedrock" / ETAGS_FILE).read_text())
    assert not list((tmp_path / "cur2-bedrock").rglob("*.part"))
    assert LEGIT in pull_month("2026-10", tmp_path, ROOT).downloaded  # the next pull catches up


def test_an_object_deleted_during_the_pull_is_reported(s3, tmp_path):
    result = pull_month("2026-10", tmp_path, ROOT, boto3_session=_replacing_session(s3, times=1, delete=True))
    assert [n.reason for n in result.changed] == ["it was deleted during the pull"]
    assert f"metadata/{PART}/cur2-bedrock-Manifest.json" in result.downloaded
