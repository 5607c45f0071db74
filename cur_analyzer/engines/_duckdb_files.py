"""Which parquet files of a CUR 2.0 export the DuckDB engine reads: the files under the paths the user gave,
less the ones each billing period's manifest says are no longer part of it.

Data Exports rewrites a partition on every refresh; its manifest,
``metadata/BILLING_PERIOD=YYYY-MM/<export>-Manifest.json``, lists the files that make up the month now, and
a file of an earlier refresh left beside them would double the month (``_manifest`` reads the manifest, as
every engine does). When a partition has a manifest, only the files it lists are read (the others are named
in a note); a listed file that is missing is an error; without a manifest every file is read. Parquet files
named one by one are read as given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from cur_analyzer.engines._manifest import (
    MANIFEST_MAX_BYTES,
    WHAT,
    left_out_note,
    listed_names,
    missing_files_error,
    pick_manifest,
)
from cur_analyzer.errors import UserInputError
from cur_analyzer.period import PARTITION_RE
from cur_analyzer.setting_files import load_json


@dataclass(frozen=True)
class CurFiles:
    """The parquet files of one export, the billing period of each (None when not partitioned) and what
    choosing them left out, as notes."""

    files: tuple[Path, ...]
    periods: tuple[str | None, ...]
    notes: tuple[str, ...] = ()

    @property
    def partitioned(self) -> bool:
        return all(p is not None for p in self.periods)


def period_of(path: Path) -> str | None:
    for part in reversed(path.parts[:-1]):
        if m := PARTITION_RE.match(part):
            return m.group(1)
    return None


def _partition_of(path: Path) -> Path | None:
    """The ``data/BILLING_PERIOD=YYYY-MM`` folder holding a file in the S3 layout, else None."""
    for folder in path.parents:
        if PARTITION_RE.match(folder.name) and folder.parent.name == "data":
            return folder
    return None


def _export_root(path: Path) -> Path:
    """The folder holding ``data/`` for a file in the S3 layout (or the file's folder otherwise)."""
    partition = _partition_of(path)
    return partition.parent.parent if partition is not None else path.parent


def _manifest_of(partition: Path) -> Path | None:
    """The partition's manifest (see ``_manifest.pick_manifest``), None when there is none."""
    root = partition.parent.parent
    folder = root / "metadata" / partition.name
    names = [p.name for p in folder.iterdir() if p.is_file()] if folder.is_dir() else []
    chosen = pick_manifest(str(folder), root.name, names)
    return folder / chosen if chosen else None


def _current_in_partition(partition: Path, files: list[Path]) -> tuple[set[Path], str | None]:
    """The partition's files its manifest lists (all of them without one) and a note naming the rest."""
    manifest = _manifest_of(partition)
    if manifest is None:
        return set(files), None
    listed = listed_names(load_json(manifest, WHAT, MANIFEST_MAX_BYTES), str(manifest), partition.name)
    by_name = {f.relative_to(partition).as_posix(): f for f in files}
    missing = sorted(listed - by_name.keys())
    if missing:
        raise missing_files_error(str(partition), manifest.name, missing, "copy the billing period again")
    ignored = sorted(by_name.keys() - listed)
    note = left_out_note(partition.name, ignored) if ignored else None
    return {by_name[n] for n in listed}, note


def current_files(found: list[Path]) -> tuple[list[Path], list[str]]:
    """The files found under a folder that make up the export now (each partition's manifest decides),
    in their order, and a note per partition naming the files left out."""
    by_partition: dict[Path, list[Path]] = {}
    for f in found:
        if (partition := _partition_of(f)) is not None:
            by_partition.setdefault(partition, []).append(f)
    kept: set[Path] = set()
    notes = []
    for partition, files in by_partition.items():
        current, note = _current_in_partition(partition, files)
        kept |= current
        notes += [note] if note else []
    return [f for f in found if f in kept or _partition_of(f) is None], notes


def _found_under(p: Path) -> tuple[list[Path], list[str]]:
    if p.is_file():
        if p.suffix != ".parquet":
            raise UserInputError(f"CUR data {p}: not a .parquet file", option="cur")
        return [p], []
    found = sorted(f for f in p.rglob("*.parquet") if "metadata" not in f.relative_to(p).parts)
    if not found:
        raise UserInputError(f"CUR data {p}: no CUR parquet files under this folder", option="cur")
    files, notes = current_files(found)
    if not files:
        raise UserInputError(f"CUR data {p}: its manifests list none of its parquet files", option="cur")
    return files, notes


def resolve_cur(paths: Path | Sequence[Path]) -> CurFiles:
    """Find the export's parquet files under the CUR paths the user gave."""
    given = [Path(paths)] if isinstance(paths, str | Path) else [Path(p) for p in paths]
    files: list[Path] = []
    notes: list[str] = []
    for p in given:
        if not p.exists():
            raise UserInputError(f"CUR data {p}: no such file or folder", option="cur")
        found, found_notes = _found_under(p)
        files += found
        notes += found_notes
    by_real_path: dict[Path, Path] = {}
    for f in files:  # a file named twice (a folder and a file in it) is read once, not counted twice
        by_real_path.setdefault(f.resolve(), f)
    files = list(by_real_path.values())
    roots = sorted({_export_root(f) for f in files if period_of(f)})
    if len(roots) > 1:
        listed = ", ".join(str(r) for r in roots[:5])
        raise UserInputError(
            f"the CUR paths hold {len(roots)} exports ({listed}); give one of them", option="cur"
        )
    return CurFiles(tuple(files), tuple(period_of(f) for f in files), tuple(dict.fromkeys(notes)))
