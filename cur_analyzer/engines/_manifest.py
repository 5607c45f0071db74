"""What a CUR 2.0 export's manifest says makes up a billing period, read the same way by every engine.

Data Exports rewrites a partition on every refresh and writes its manifest,
``metadata/BILLING_PERIOD=YYYY-MM/<export>-Manifest.json``, listing the files that make up the month now.
A file of an earlier refresh left beside them (a copy that did not delete, a ``CREATE_NEW_REPORT``
export, a partial sync) holds the same lines again: read with the rest, it doubles the month. The shape
read here (every other field is tolerated and left alone)::

    {
      "dataFiles": ["s3://<bucket>/<prefix>/<export>/data/BILLING_PERIOD=2026-10/<export>-00001.snappy.parquet", ...],
      "columns": [{"name": "bill_bill_type", "type": "string"}, ...],   # not used
      ...
    }

A file is matched by the part of its URI after ``data/BILLING_PERIOD=YYYY-MM/`` (its name within the
partition); a URI outside that folder is refused by name. A manifest is data like the bill: it is read with
the settings files' size cap, and its names are only compared with the files found in the partition, never
opened as they are written, so no name reaches a file outside it. Where the files are found (a local folder,
an S3 prefix) is the engine's business: ``where`` below is how an error line names the place.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from cur_analyzer.errors import UserInputError
from cur_analyzer.setting_files import MiB, json_of, text_of
from cur_analyzer.text import shown, visible

#: A manifest lists one URI per data file plus the export's columns: a few hundred KiB at most.
MANIFEST_MAX_BYTES = 16 * MiB
#: What a manifest is read as, in the errors about one.
WHAT = "CUR export manifest"
MANIFEST_SUFFIX = "-Manifest.json"
#: File names a note or an error lists before it says how many more there are.
NAMES_SHOWN = 10


def names_shown(names: Sequence[str]) -> str:
    """The first few names, made safe to show, and how many more there are."""
    listed = ", ".join(visible(n) for n in names[:NAMES_SHOWN])
    more = len(names) - NAMES_SHOWN
    return listed + (f" and {more} more" if more > 0 else "")


def pick_manifest(where: str, export: str, names: Iterable[str]) -> str | None:
    """The partition's manifest among the names of the files in its metadata folder (``where``):
    ``<export>-Manifest.json`` named for the export's folder, else the one ``*-Manifest.json`` there (a
    copy may sit in a folder named otherwise); None when there is none."""
    found = sorted(n for n in names if n.endswith(MANIFEST_SUFFIX))
    if f"{export}{MANIFEST_SUFFIX}" in found:
        return f"{export}{MANIFEST_SUFFIX}"
    if len(found) > 1:
        raise UserInputError(
            f"CUR data {shown(where)}: {len(found)} manifests ({names_shown(found)}); a billing period has one"
        )
    return found[0] if found else None


def manifest_from_bytes(data: bytes, where: str) -> Any:
    """The JSON of a manifest fetched whole (from S3), checked as a manifest file on disk is: size cap,
    UTF-8 text, valid JSON; a problem is one line naming ``where``."""
    return json_of(text_of(data, where, WHAT, MANIFEST_MAX_BYTES), where, WHAT)


def listed_names(data: Any, where: str, partition_name: str) -> set[str]:
    """The names within the partition (``BILLING_PERIOD=YYYY-MM``) of the files the manifest lists."""
    uris = data.get("dataFiles") if isinstance(data, dict) else None
    if not isinstance(uris, list) or not all(isinstance(u, str) for u in uris):
        raise UserInputError(f"{shown(where)}: not a {WHAT}: dataFiles must be a list of S3 URIs")
    marker = f"/data/{partition_name}/"
    names = set()
    for uri in uris:
        _before, found, name = uri.rpartition(marker)
        if not found or not name:
            raise UserInputError(
                f"{shown(where)}: the data file {visible(uri)} is not in the export's "
                f"data/{partition_name}/ folder ({WHAT})"
            )
        names.add(name)
    return names


def missing_files_error(
    where: str, manifest_name: str, missing: Sequence[str], remedy: str
) -> UserInputError:
    """A manifest lists files its partition (``where``) lacks: reading the rest would leave lines out."""
    return UserInputError(
        f"CUR data {shown(where)}: {len(missing)} data file(s) its manifest {visible(manifest_name)} lists "
        f"are missing ({names_shown(missing)}); {remedy}"
    )


def left_out_note(partition_name: str, ignored: Sequence[str], kind: str = "parquet file(s)") -> str:
    """The note naming the files of a partition its manifest does not list, which were not read."""
    return (
        f"{partition_name}: {len(ignored)} {kind} not listed in the export's manifest "
        f"left out (a refresh replaced them): {names_shown(ignored)}"
    )
