"""``allocate`` on a month of millions of invocation-log records that the bill really covers.

    python -m benchmarks.allocate_scale [--records 5000000] [--out bench-data/] [--reps 1]

The generator writes about one log record per three CUR lines, so a month with 5 M records it generates
whole would be a CUR of some 18 M lines. The allocation's work is on the log side, so this benchmark keeps
a small generated month (20,000 lines, its own logs) and copies each of its log records until there are
``--records``: every copy has its own request id and the same caller, model, hour and tokens, so every
bucket the logs met still meets them, only over many more records. Each copy carries the fields the
allocation reads and no request or response bodies (but the service tier, which the body holds).

It then runs, in fresh processes, ``cur-analyzer allocate --by principal`` and ``--output ledger.parquet``
(one row per record and meter) under ``/usr/bin/time -v``, and the floor: DuckDB reading the same log fields
of the same files and summing them (``python -m benchmarks.allocate_scale floor``). It prints wall time,
peak memory and the ratio to the floor as a markdown table.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.datasets import MARKER, MONTH, SEED, size_label

BASE_ROWS = 20_000
#: the fields of a log record the allocation reads (athena/allocate_records.sql)
KEPT = ("schemaType", "schemaVersion", "timestamp", "accountId", "region", "requestId", "operation", "modelId",
        "identity", "errorCode", "requestMetadata")  # fmt: skip


def dataset(out: Path, records: int) -> Path:
    """The month (CUR + profiles) and ``records`` log records under ``out/allocate-<size>/`` (reused)."""
    from cur_analyzer import synth

    root = out / f"allocate-{size_label(records)}"
    expected = {"kind": "allocate", "records": records, "base_rows": BASE_ROWS, "month": MONTH, "seed": SEED}
    marker = root / MARKER
    if (
        marker.exists()
        and {k: v for k, v in json.loads(marker.read_text()).items() if k in expected} == expected
    ):
        return root
    if root.exists():
        shutil.rmtree(root)
    base = root / "base"
    synth.generate(base, month=MONTH, rows=BASE_ROWS, seed=SEED, months=1)
    sources = sorted((base / "logs").rglob("*.json.gz"))
    originals = sum(1 for f in sources for _ in gzip.open(f, "rt"))
    copies = -(-records // originals)
    written = 0
    for f in sources:
        target = root / "logs" / f.relative_to(base / "logs")
        target.parent.mkdir(parents=True, exist_ok=True)
        with gzip.open(f, "rt") as src, gzip.open(target, "wt", compresslevel=1) as dst:
            for line in src:
                written += _write_copies(dst, json.loads(line), min(copies, records - written))
    shutil.rmtree(base / "logs")
    marker.write_text(json.dumps({**expected, "written": written}, indent=2) + "\n")
    return root


def _write_copies(dst, record: dict, copies: int) -> int:
    kept = {k: record[k] for k in KEPT if k in record}
    body = record.get("input", {}).get("inputBodyJson")
    tier = body.get("serviceTier") if isinstance(body, dict) else None
    kept["input"] = {k: v for k, v in record.get("input", {}).items() if k.endswith("TokenCount")}
    if tier:
        kept["input"]["inputBodyJson"] = {"serviceTier": tier}
    kept["output"] = {k: v for k, v in record.get("output", {}).items() if k.endswith("TokenCount")}
    request = record["requestId"]
    for j in range(copies):
        kept["requestId"] = f"{request}-{j}"
        dst.write(json.dumps(kept, separators=(",", ":")) + "\n")
    return copies


def floor(logs: Path) -> None:
    """The same log fields, typed as the allocation reads them, read by DuckDB from the same files and
    touched once each: what any tool pays to see them."""
    import duckdb

    fields = {
        "timestamp": "VARCHAR", "accountId": "VARCHAR", "region": "VARCHAR", "requestId": "VARCHAR",
        "modelId": "VARCHAR", "errorCode": "VARCHAR", "identity": "STRUCT(arn VARCHAR)",
        "requestMetadata": "MAP(VARCHAR, VARCHAR)",
        "input": "STRUCT(inputTokenCount BIGINT, cacheReadInputTokenCount BIGINT, "
                 "cacheWriteInputTokenCount BIGINT, inputBodyJson JSON)",
        "output": "STRUCT(outputTokenCount BIGINT)",
    }  # fmt: skip
    columns = "{" + ", ".join(f"{k!r}: {v!r}" for k, v in fields.items()) + "}"
    con = duckdb.connect()
    row = con.sql(
        f"""SELECT count(requestId), max(timestamp), max(accountId), max(region), max(modelId),
                   max(errorCode), max(identity.arn), max(cardinality(requestMetadata)),
                   sum(input.inputTokenCount), sum(input.cacheReadInputTokenCount),
                   sum(input.cacheWriteInputTokenCount), max(length(input.inputBodyJson::VARCHAR)),
                   sum(output.outputTokenCount)
            FROM read_json('{logs}/**/*.json.gz', format='newline_delimited', columns={columns})"""  # noqa: S608
    ).fetchall()
    print(row)


def _timed(command: list[str]) -> dict[str, float]:
    done = subprocess.run(["/usr/bin/time", "-v", *command], capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stderr[-2000:]}")
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", done.stderr)
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    assert wall and peak, done.stderr
    hours, minutes, seconds = int(wall.group(1) or 0), int(wall.group(2)), float(wall.group(3))
    return {"seconds": hours * 3600 + minutes * 60 + seconds, "peak_mib": int(peak.group(1)) / 1024}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", nargs="?", default="run", choices=("run", "floor"))
    parser.add_argument("--records", type=int, default=5_000_000)
    parser.add_argument("--out", type=Path, default=Path("bench-data"))
    parser.add_argument("--logs", type=Path, help="for floor: the logs folder")
    args = parser.parse_args(argv)
    if args.what == "floor":
        floor(args.logs)
        return 0
    t0 = time.perf_counter()
    root = dataset(args.out, args.records)
    print(f"dataset ready in {time.perf_counter() - t0:.0f} s: {root}", file=sys.stderr)
    cli = [sys.executable, "-m", "cur_analyzer.cli"]
    data = ["--cur", str(root / "base" / "cur2-bedrock"), "--logs", str(root / "logs")]
    profiles = ["--profiles", str(root / "base" / "inference-profiles.json")]
    runs = {
        "floor: DuckDB reads the same log fields": [sys.executable, "-m", "benchmarks.allocate_scale", "floor",
                                                     "--logs", str(root / "logs")],
        "allocate --by principal (table)": [*cli, "--quiet", "allocate", "--month", MONTH, *data, *profiles],
        "allocate -o ledger.parquet (full ledger)": [*cli, "--quiet", "allocate", "--month", MONTH, *data,
                                                     *profiles, "-o", str(root / "ledger.parquet")],
    }  # fmt: skip
    results = {name: _timed(command) for name, command in runs.items()}
    floor_seconds = next(iter(results.values()))["seconds"]
    print(f"| {size_label(args.records)} log records | wall s | peak MiB | × floor |\n|---|---:|---:|---:|")
    for name, r in results.items():
        print(f"| {name} | {r['seconds']:.1f} | {r['peak_mib']:.0f} | {r['seconds'] / floor_seconds:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
