"""The benchmark datasets: one synthetic CUR 2.0 month per size and one folder of invocation-log records.

Each dataset lives in a folder of its own under the output folder with a ``dataset.json`` written last; a
folder whose ``dataset.json`` matches the requested parameters is reused, anything else is regenerated.
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cur_analyzer import synth

MONTH = "2026-10"
SEED = 7
MARKER = "dataset.json"


def size_label(n: int) -> str:
    """``1000000`` -> ``1M``, ``250000`` -> ``250k``."""
    for unit, div in (("M", 1_000_000), ("k", 1_000)):
        if n >= div and n % (div // 10) == 0:
            value = n / div
            return f"{value:g}{unit}"
    return str(n)


@dataclass(frozen=True)
class CurDataset:
    rows: int  # requested lines
    root: Path  # what generate() wrote to
    lines: int  # lines actually written for the month
    seconds: float

    @property
    def export(self) -> Path:
        """The export folder a user points ``--cur`` at."""
        return self.root / synth.EXPORT_NAME

    @property
    def partition(self) -> Path:
        """The month's ``BILLING_PERIOD=`` folder (what a pandas user reads)."""
        return self.export / "data" / f"BILLING_PERIOD={MONTH}"

    @property
    def label(self) -> str:
        return size_label(self.rows)


@dataclass(frozen=True)
class LogDataset:
    records: int
    root: Path
    files: int
    seconds: float

    @property
    def logs(self) -> Path:
        """The folder a user points ``--logs`` at (the S3 ``AWSLogs/`` layout below it)."""
        return self.root / "logs"

    @property
    def label(self) -> str:
        return size_label(self.records)


def _read_marker(folder: Path, expected: dict[str, Any]) -> dict[str, Any] | None:
    marker = folder / MARKER
    if not marker.exists():
        return None
    try:
        found = json.loads(marker.read_text())
    except ValueError:
        return None
    return found if all(found.get(k) == v for k, v in expected.items()) else None


def _progress(what: str):
    """A progress callback printing to stderr about every 5 % (quiet when stderr is not a TTY)."""
    state = {"last": -1, "t0": time.perf_counter()}
    tty = sys.stderr.isatty()

    def tick(done: int, total: int) -> None:
        pct = int(100 * done / total) if total else 100
        if pct // 5 == state["last"] // 5 and pct < 100:
            return
        state["last"] = pct
        elapsed = time.perf_counter() - state["t0"]
        line = f"  generating {what}: {pct:3d}% ({done:,}/{total:,}) {elapsed:5.1f}s"
        if tty:
            print("\r" + line, end="\n" if pct >= 100 else "", file=sys.stderr, flush=True)

    return tick


def cur_month(out: Path, rows: int, *, force: bool = False) -> CurDataset:
    """One CUR 2.0 month of about ``rows`` lines under ``out/cur-<size>/`` (reused when already there)."""
    root = out / f"cur-{size_label(rows)}"
    expected = {"kind": "cur", "rows": rows, "month": MONTH, "seed": SEED, "months": 1}
    found = None if force else _read_marker(root, expected)
    if found is None:
        if root.exists():
            shutil.rmtree(root)
        root.mkdir(parents=True)
        print(f"generating a {size_label(rows)}-line CUR month in {root} ...", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        truth = synth.generate(
            root, month=MONTH, rows=rows, seed=SEED, months=1, progress=_progress(f"{size_label(rows)} CUR")
        )
        seconds = time.perf_counter() - t0
        bedrock_lines = int(truth.month(MONTH).get("lines") or 0)
        found = {
            **expected,
            "lines": _count_lines(root),
            "bedrock_lines": bedrock_lines,
            "seconds": round(seconds, 1),
        }
        (root / MARKER).write_text(json.dumps(found, indent=2) + "\n")
    return CurDataset(rows, root, int(found["lines"]), float(found["seconds"]))


def invocation_logs(out: Path, records: int, *, force: bool = False) -> LogDataset:
    """``records`` invocation-log records for the month under ``out/logs-<size>/`` (reused when there).

    These records come from :func:`cur_analyzer.synth.generate_logs`: same callers and models as the CUR
    months, but not billed in them, so reconciling them against a CUR month measures the work (parse, price,
    bucket, explain), not a realistic match rate.
    """
    root = out / f"logs-{size_label(records)}"
    expected = {"kind": "logs", "records": records, "month": MONTH, "seed": SEED}
    found = None if force else _read_marker(root, expected)
    if found is None:
        if root.exists():
            shutil.rmtree(root)
        root.mkdir(parents=True)
        print(f"generating {size_label(records)} invocation-log records in {root} ...", file=sys.stderr)
        t0 = time.perf_counter()
        synth.generate_logs(
            root, month=MONTH, records=records, seed=SEED, progress=_progress(f"{size_label(records)} logs")
        )
        seconds = time.perf_counter() - t0
        files = sum(1 for _ in (root / "logs").rglob("*.json.gz"))
        found = {**expected, "files": files, "seconds": round(seconds, 1)}
        (root / MARKER).write_text(json.dumps(found, indent=2) + "\n")
    return LogDataset(records, root, int(found["files"]), float(found["seconds"]))


def _count_lines(root: Path) -> int:
    import pyarrow.parquet as pq

    return sum(pq.ParquetFile(f).metadata.num_rows for f in root.rglob("*.parquet"))


@dataclass(frozen=True)
class DemoMonth:
    root: Path

    @property
    def export(self) -> Path:
        return self.root / synth.EXPORT_NAME


def demo_month(out: Path, *, force: bool = False) -> DemoMonth:
    """The demo month under ``out/demo/``, written as ``make demo`` writes it: ``cur-analyzer fixtures``
    (reused when its ground truth is there, the file the command writes last)."""
    import subprocess

    root = out / "demo"
    if force or not (root / "ground_truth.json").exists():
        if root.exists():
            shutil.rmtree(root)
        cli = Path(sys.executable).with_name("cur-analyzer")
        subprocess.run(
            [str(cli), "--quiet", "fixtures", "--out", str(root), "--month", MONTH],
            check=True,
            stdout=subprocess.DEVNULL,
        )
    return DemoMonth(root)
