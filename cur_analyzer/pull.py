"""Copy one billing period of the CUR 2.0 export from S3 to a local cache in the same layout, so the
DuckDB engine can answer questions on a laptop instead of paying Athena for each one.

Files already there with the same ETag are skipped. Data Exports *replaces* a partition on each
refresh (OVERWRITE_REPORT, file names may change), so local files the partition no longer holds are
removed: the cache mirrors the export, it never appends.

Object keys are written by whoever can write the bucket, so a key is data, never a path to trust:

- every local path is built from a key checked segment by segment (no ``..``, ``.``, empty segment,
  backslash, control character or over-long name) and, once resolved, must sit inside its
  ``<export>/<data|metadata>/BILLING_PERIOD=YYYY-MM`` folder; any other key is *refused* (reported in
  ``PullResult.refused``, the rest of the pull goes on), never written;
- folder marker objects (``sub/``, the partition key itself) are skipped;
- downloads land in a unique temporary file next to their target and are renamed into place, and the
  ETag recorded is the one the bytes were fetched under (``IfMatch``);
- the ETag cache is replaced atomically and rebuilt, with a warning, when it cannot be read;
- a lock file keeps two pulls out of one export folder.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import secrets
import shutil
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from cur_analyzer.attribution import validate_month
from cur_analyzer.errors import UserInputError
from cur_analyzer.period import PARTITION_RE
from cur_analyzer.text import first_invisible, visible

try:  # POSIX only; where it is missing the pull runs without the lock (see _locked)
    import fcntl
except ImportError:  # pragma: no cover - not on the platforms the tests run on
    fcntl = None  # type: ignore[assignment]

_S3_RE = re.compile(r"^s3://([a-z0-9][a-z0-9.\-]{1,61}[a-z0-9])/?(.*)$")
ETAGS_FILE = ".cur-analyzer-etags.json"
LOCK_FILE = ".cur-analyzer-pull.lock"
SECTIONS = ("data", "metadata")
#: the longest file name most file systems store (NAME_MAX); a longer key segment would fail mid-pull
_NAME_MAX_BYTES = 255
#: an ETag cache holds ~150 bytes a file: far more than any export, small enough to never exhaust memory
_ETAGS_MAX_BYTES = 64 * 1024 * 1024
_CHUNK_BYTES = 1024 * 1024
#: lines of refused / changed objects the summary lists before it only counts the rest
_SUMMARY_LIST_MAX = 20


class ObjectNote(NamedTuple):
    """An S3 object the pull did not copy, and why."""

    key: str
    reason: str


@dataclass
class PullResult:
    month: str
    local_export: Path
    downloaded: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    bytes_downloaded: int = 0
    #: keys never written because their local path would be unsafe or outside the partition folder
    refused: list[ObjectNote] = field(default_factory=list)
    #: keys that changed (or vanished) twice while being downloaded: the local copy is the previous one
    changed: list[ObjectNote] = field(default_factory=list)
    #: folder marker objects, skipped: they hold no data
    markers: list[str] = field(default_factory=list)
    #: things the user should know that did not stop the pull (a rebuilt ETag cache, ...)
    warnings: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """Every object of the partition is now mirrored locally (nothing refused, nothing changed)."""
        return not self.refused and not self.changed

    def summary(self) -> str:
        head = (
            f"{self.month}: {len(self.downloaded)} downloaded ({self.bytes_downloaded / 1e6:,.1f} MB), "
            f"{len(self.skipped)} unchanged, {len(self.removed)} removed"
        )
        if self.refused:
            head += f", {len(self.refused)} refused"
        if self.changed:
            head += f", {len(self.changed)} changed during the download"
        lines = [f"{head} -> {self.local_export}"]
        lines += _listed("refused", self.refused)
        lines += _listed("changed during the download (run pull again)", self.changed)
        lines += [f"warning: {w}" for w in self.warnings]
        return "\n".join(lines)


def _listed(what: str, notes: list[ObjectNote]) -> list[str]:
    lines = [f"{what}: {visible(n.key)}: {n.reason}" for n in notes[:_SUMMARY_LIST_MAX]]
    if len(notes) > _SUMMARY_LIST_MAX:
        lines.append(f"{what}: ... and {len(notes) - _SUMMARY_LIST_MAX} more")
    return lines


def split_s3(uri: str) -> tuple[str, str]:
    m = _S3_RE.match(uri or "")
    if not m:
        raise UserInputError(f"{uri!r} is not an s3://bucket/prefix URI")
    return m.group(1), m.group(2).strip("/")


def segment_problem(segment: str) -> str | None:
    """Why ``segment`` cannot be one local file or folder name, or None when it can."""
    if segment == "":
        return "it has an empty path segment"
    if segment in (".", ".."):
        return f"it has a {segment!r} path segment"
    if "/" in segment or "\\" in segment:
        return "it has a slash or backslash inside one name"
    if (ch := first_invisible(segment)) is not None:
        return f"it has the control or invisible character U+{ord(ch):04X}"
    if len(segment.encode("utf-8")) > _NAME_MAX_BYTES:
        return f"a path segment is longer than {_NAME_MAX_BYTES} bytes"
    return None


def export_folder_name(export_uri: str) -> str:
    """The local folder name of an export: the last segment of its S3 prefix (the bucket when none)."""
    bucket, root = split_s3(export_uri)
    name = root.rsplit("/", 1)[-1] if root else bucket
    if problem := segment_problem(name):
        raise UserInputError(
            f"export root {visible(export_uri)}: the last folder of the prefix names the local export "
            f"folder, and {problem}; give the export root, e.g. s3://bucket/exports/cur2-bedrock",
            option="s3",
        )
    return name


def export_root_from_table_location(location: str) -> str:
    """``s3://b/p/<export>/data/`` (the Glue table location) -> ``s3://b/p/<export>``."""
    trimmed = location.rstrip("/")
    if not trimmed.endswith("/data"):
        raise UserInputError(
            f"the Glue table location {location} does not end in /data/: give the export root "
            "(s3://bucket/prefix/export) explicitly",
            option="s3",
        )
    return trimmed[: -len("/data")]


def export_root_from_glue(database: str, table: str, boto3_session: Any) -> str:
    """The export root behind the Glue CUR table (what ``pull`` copies when no export root is given)."""
    import awswrangler as wr
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        location = wr.catalog.get_table_location(database, table, boto3_session=boto3_session)
    except (ClientError, BotoCoreError, wr.exceptions.InvalidTable) as e:
        raise UserInputError(
            f"cannot read the Glue table {database}.{table} ({e}); give the export root "
            "(s3://bucket/prefix/export) explicitly",
            option="s3",
        ) from None
    return export_root_from_table_location(location)


def pull_month(
    month: str,
    dest: Path,
    export_uri: str,
    *,
    boto3_session: Any = None,
    progress: Callable[[str], None] | None = None,
) -> PullResult:
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    validate_month(month)
    bucket, root = split_s3(export_uri)
    local_export = dest / export_folder_name(export_uri)
    s3 = (boto3_session or boto3.Session()).client("s3")
    created = not local_export.exists()
    local_export.mkdir(parents=True, exist_ok=True)
    try:
        with _locked(local_export) as lock_warnings:
            result = _mirror(s3, bucket, root, month, export_uri, local_export, progress)
            result.warnings[:0] = lock_warnings
            return result
    except (ClientError, BotoCoreError) as e:
        _tidy_if_empty(local_export, created)
        raise UserInputError(f"pull {export_uri}: {e}") from None
    except BaseException:
        _tidy_if_empty(local_export, created)
        raise


def _tidy_if_empty(local_export: Path, created: bool) -> None:
    """A pull that failed before copying anything leaves no folder it made behind (a typo'd month)."""
    with contextlib.suppress(OSError):
        if created and os.listdir(local_export) == [LOCK_FILE]:
            (local_export / LOCK_FILE).unlink()
            local_export.rmdir()


@contextlib.contextmanager
def _locked(local_export: Path) -> Iterator[list[str]]:
    """Hold ``<export>/.cur-analyzer-pull.lock`` for the pull: two pulls into one folder would race on
    the same files and the same ETag cache. The lock file stays (removing it would let a third pull
    lock a fresh inode while the second still holds the old one)."""
    warnings: list[str] = []
    path = local_export / LOCK_FILE
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags, 0o644)
    try:
        if fcntl is None:
            warnings.append(f"cannot lock {path} on this system: do not run two pulls into it at once")
        else:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as e:
                if e.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    # a file system without locks (some network mounts): pull anyway, but say so
                    warnings.append(
                        f"cannot lock {path} ({e.strerror}): do not run two pulls into it at once"
                    )
                else:
                    raise UserInputError(
                        f"another pull is writing into {local_export} (it holds {path}); "
                        "wait for it to finish, or pull into another folder"
                    ) from None
        yield warnings
    finally:
        os.close(fd)


class _Listed(NamedTuple):
    section: str
    tail: str  # the key below its partition prefix
    obj: dict


def _mirror(
    s3: Any,
    bucket: str,
    root: str,
    month: str,
    export_uri: str,
    local_export: Path,
    progress: Callable[[str], None] | None,
) -> PullResult:
    result = PullResult(month, local_export)
    etag_path = local_export / ETAGS_FILE
    etags = _load_etags(etag_path, result.warnings)
    listed = _list_partitions(s3, bucket, root, month, result)
    data_prefix = f"{root}/data/".lstrip("/")
    if not any(i.section == "data" for i in listed) and not any(
        n.key.startswith(data_prefix) for n in result.refused
    ):
        raise UserInputError(
            f"no data for {month} under {export_uri}; it holds {_months(s3, bucket, root) or 'nothing'}"
        )

    wanted = _plan(listed, month, result)
    export_real = local_export.resolve()
    for rel, obj in sorted(wanted.items()):
        key = obj["Key"]
        target = local_export / rel
        if problem := _local_problem(target, rel, export_real, month):
            result.refused.append(ObjectNote(key, problem))
            continue
        if target.is_file() and etags.get(rel) == obj["ETag"] and target.stat().st_size == obj["Size"]:
            result.skipped.append(rel)
            continue
        if progress:
            progress(f"{rel} ({obj['Size'] / 1e6:,.1f} MB)")
        target.parent.mkdir(parents=True, exist_ok=True)
        fetched = _fetch_current(s3, bucket, key, obj["ETag"], target)
        if isinstance(fetched, str):
            result.changed.append(ObjectNote(key, fetched))
            continue
        etags[rel], size = fetched
        result.downloaded.append(rel)
        result.bytes_downloaded += size

    _remove_stale(local_export, export_real, month, set(wanted), etags, result)
    _save_etags(etag_path, etags)
    return result


def _list_partitions(s3: Any, bucket: str, root: str, month: str, result: PullResult) -> list[_Listed]:
    """The objects of the month's data and metadata partitions; folder markers are set aside."""
    listed: list[_Listed] = []
    for section in SECTIONS:
        prefix = f"{root}/{section}/BILLING_PERIOD={month}/".lstrip("/")
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for obj in page.get("Contents", []):
                key = obj["Key"]
                if not key.startswith(prefix):  # S3 never lists one; an S3-compatible store might
                    result.refused.append(ObjectNote(key, f"it is not under {prefix}"))
                    continue
                tail = key[len(prefix) :]
                if not tail.endswith("/") and tail:
                    listed.append(_Listed(section, tail, obj))
                elif obj["Size"] == 0:
                    result.markers.append(key)
                else:
                    result.refused.append(ObjectNote(key, f"it names a folder but holds {obj['Size']} bytes"))
    return listed


def _plan(listed: list[_Listed], month: str, result: PullResult) -> dict[str, dict]:
    """The objects to mirror, by their path relative to the export folder; unsafe keys are refused."""
    wanted: dict[str, dict] = {}
    for item in listed:
        problem = next(filter(None, map(segment_problem, item.tail.split("/"))), None)
        if problem:
            result.refused.append(ObjectNote(item.obj["Key"], problem))
        else:
            wanted[f"{item.section}/BILLING_PERIOD={month}/{item.tail}"] = item.obj
    # a key that is also the folder of other keys (`sub` and `sub/x`) cannot be both a file and a folder
    folders = set()
    for rel in wanted:
        parts = rel.split("/")  # section, BILLING_PERIOD=..., then the key's own folders and name
        folders.update("/".join(parts[:i]) for i in range(3, len(parts)))
    # two keys equal up to letter case or Unicode form are one file on macOS and Windows disks
    seen: dict[str, str] = {}
    for rel in sorted(wanted):
        obj = wanted[rel]
        folded = unicodedata.normalize("NFC", rel).casefold()
        if rel in folders:
            del wanted[rel]
            if obj["Size"] == 0:
                result.markers.append(obj["Key"])
            else:
                result.refused.append(ObjectNote(obj["Key"], "it is also the folder of other keys"))
        elif folded in seen:
            del wanted[rel]
            result.refused.append(
                ObjectNote(obj["Key"], f"it differs from {seen[folded]} only by letter case or Unicode form")
            )
        else:
            seen[folded] = obj["Key"]
    return wanted


def _local_problem(target: Path, rel: str, export_real: Path, month: str) -> str | None:
    """Why writing ``target`` would not land in its partition folder, or None. Checked before any folder
    is made: ``mkdir(parents=True)`` would follow a symlink planted in the cache."""
    partition_real = export_real / rel.split("/", 1)[0] / f"BILLING_PERIOD={month}"
    if partition_real.resolve() != partition_real:
        return f"{partition_real} is a symlink: the partition folder must be a plain folder"
    parent_real = target.parent.resolve()
    if parent_real != partition_real and not parent_real.is_relative_to(partition_real):
        return f"its folder resolves to {parent_real}, outside {partition_real}"
    if target.is_symlink() or (target.exists() and not target.is_file()):
        return f"{target} is in the way (a symlink, folder or special file): remove it"
    return None


def _fetch_current(s3: Any, bucket: str, key: str, etag: str, target: Path) -> tuple[str, int] | str:
    """Download ``key`` as the version listed (``IfMatch``), or once more as the version that replaced it
    during the pull. Returns (the ETag of the bytes written, their size), or why nothing was written."""
    from botocore.exceptions import ClientError

    for attempt in range(2):
        try:
            return etag, _fetch(s3, bucket, key, etag, target)
        except ClientError as e:
            code = str(e.response.get("Error", {}).get("Code", ""))
            if code in ("NoSuchKey", "404"):
                return "it was deleted during the pull"
            if code not in ("PreconditionFailed", "412"):
                raise
        if attempt == 0:
            try:
                etag = s3.head_object(Bucket=bucket, Key=key)["ETag"]
            except ClientError as e:
                if str(e.response.get("Error", {}).get("Code", "")) in ("NoSuchKey", "404"):
                    return "it was deleted during the pull"
                raise
    return "it changed again while it was downloaded once more"


def _fetch(s3: Any, bucket: str, key: str, etag: str, target: Path) -> int:
    """Stream the object into a unique temporary file beside ``target``, then rename it into place, so
    neither a crash nor a second process ever leaves a half-written ``target``."""
    fd, tmp_name = _new_temporary(target.parent, ".cur-analyzer-")
    try:
        with os.fdopen(fd, "wb") as out:
            body = s3.get_object(Bucket=bucket, Key=key, IfMatch=etag)["Body"]
            shutil.copyfileobj(body, out, _CHUNK_BYTES)
            size = out.tell()
        os.replace(tmp_name, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise
    return size


def _new_temporary(folder: Path, prefix: str) -> tuple[int, str]:
    """A new file with a random name in ``folder``, opened for writing. Unlike ``tempfile.mkstemp`` (mode
    0600) it gets the usual permissions, so the cache stays readable by whoever could read it before."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    for _ in range(100):
        name = str(folder / f"{prefix}{secrets.token_hex(8)}.part")
        try:
            return os.open(name, flags, 0o666), name
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary file name", str(folder))


def _remove_stale(
    local_export: Path, export_real: Path, month: str, keep: set[str], etags: dict, result: PullResult
) -> None:
    """Delete the files of this month's partition folders that S3 no longer holds, and nothing else:
    symlinks are not followed, and a partition folder that resolves elsewhere is left alone."""
    for section in SECTIONS:
        partition = local_export / section / f"BILLING_PERIOD={month}"
        if not partition.is_dir():
            continue
        if partition.resolve() != export_real / section / f"BILLING_PERIOD={month}":
            result.warnings.append(f"{partition} is a symlink: stale files in it were not removed")
            continue
        for folder, _subfolders, files in os.walk(partition):  # followlinks=False: never leaves it
            for name in files:
                path = Path(folder) / name
                rel = path.relative_to(local_export).as_posix()
                if rel not in keep:
                    path.unlink()  # a symlink is removed itself, not what it points to
                    etags.pop(rel, None)
                    result.removed.append(rel)


def _load_etags(path: Path, warnings: list[str]) -> dict[str, str]:
    """The ETag cache, or an empty one (every file is compared again) when it is missing or unreadable;
    a broken cache must not break every later pull."""
    if not path.exists() and not path.is_symlink():
        return {}
    if path.is_dir():  # cannot be replaced by the new cache: say so before downloading anything
        raise UserInputError(f"{path} is a folder, not the ETag cache file: remove it")
    problem = None
    try:
        if not path.is_file():
            problem = "it is not a regular file"
        elif path.stat().st_size > _ETAGS_MAX_BYTES:
            problem = f"it is larger than {_ETAGS_MAX_BYTES // (1024 * 1024)} MB"
        else:
            etags = json.loads(path.read_bytes().decode("utf-8"))
            if isinstance(etags, dict) and all(
                isinstance(k, str) and isinstance(v, str) for k, v in etags.items()
            ):
                return etags
            problem = "it is not a JSON object of file -> ETag"
    except (ValueError, OSError) as e:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        problem = f"it cannot be read ({type(e).__name__})"
    warnings.append(f"{path}: {problem}; rebuilt it, so this month's files were compared again")
    return {}


def _save_etags(path: Path, etags: dict[str, str]) -> None:
    """Write the cache to a temporary file and rename it over the old one: a pull killed mid-write
    leaves the previous cache, never a truncated one."""
    fd, tmp_name = _new_temporary(path.parent, ".cur-analyzer-etags-")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(etags, out, indent=1, sort_keys=True)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp_name)
        raise


def _months(s3: Any, bucket: str, root: str) -> str:
    prefix = f"{root}/data/".lstrip("/")
    found = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix, Delimiter="/"):
        for p in page.get("CommonPrefixes", []):
            if m := PARTITION_RE.match(p["Prefix"].rstrip("/").rsplit("/", 1)[-1]):
                found.append(m.group(1))
    return ", ".join(sorted(found))
