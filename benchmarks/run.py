"""``make bench``: time chargeback, coverage and reconcile against a bare DuckDB scan and the pandas way.

    python -m benchmarks.run [--sizes 1000000,10000000] [--log-records 5000000] [--out bench-data/]

Generates (or reuses) one CUR 2.0 month per size and one folder of invocation-log records, then runs every
case in a fresh interpreter (``python -m benchmarks.cases``), ``--reps`` times, interleaving the library, its
floor and its pandas counterpart so that a change in machine load hits all three alike. Reports the median
wall and CPU time of the work, the largest peak RSS, the ratio to the floor and the speed-up over pandas, as
a markdown table on stdout and in ``<out>/results.md``, with the raw runs and the machine in
``<out>/results.json``. Before timing, it checks that each floor still reads the columns its report's SQL
reads (``python -m benchmarks.cases columns``) and warns when they have drifted apart.

Then (or alone, with ``--whole``) the whole-process table of :mod:`benchmarks.whole`: the CLI as a user types
it against the DuckDB query they would type by hand, in ``<out>/whole.md`` and ``<out>/whole.json``.

Peak memory is the child's own ``VmHWM`` (high-water RSS of its address space since ``exec``), which it reports.
Every run goes through :mod:`benchmarks._runner`: one that passes ``--timeout`` seconds or ``--mem-cap-gib`` of
resident memory is killed and reported as not finished (with how far it got); later repetitions of that case
are skipped.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from benchmarks import _runner, datasets
from benchmarks._runner import GIB, MIB, Measured, Run

#: The targets of issue 7: chargeback of 10 M lines within 1.5x the bare scan, >= 10x faster than pandas,
#: peak memory under 1 GB; reconcile of 5 M log records + 10 M lines under 60 s.
TARGET_FLOOR_RATIO = 1.5
TARGET_PANDAS_SPEEDUP = 10.0
TARGET_PEAK_BYTES = 10**9
TARGET_RECONCILE_SECONDS = 60.0


@dataclass(frozen=True)
class Report:
    """One report of the tool with its floor and its pandas counterpart."""

    name: str  # the case name of the library run
    label: str  # how the table shows it
    logs: bool = False  # needs the invocation logs

    @property
    def floor(self) -> str:
        return f"floor-{self.name}"

    @property
    def pandas(self) -> str:
        return f"pandas-{self.name}"


REPORTS = (
    Report("chargeback-principal", "chargeback --by principal"),
    Report("chargeback-team", "chargeback --by iamPrincipal/team"),
    Report("coverage-team", "coverage --require team"),
    Report("reconcile", "reconcile", logs=True),
)


# --- running one case in a fresh process -----------------------------------------------------------------
def run_case(case: str, cur: Path, logs: Path | None, timeout: float, mem_cap: int) -> Run:
    """One case in a fresh interpreter: the work's own seconds, CPU and peak, as the case reports them."""
    cmd = [sys.executable, "-m", "benchmarks.cases", case, "--cur", str(cur.resolve())]
    if logs is not None:
        cmd += ["--logs", str(logs.resolve())]
    return _runner.run(cmd, timeout, mem_cap, self_timed=True)


def column_drift(cur: Path, logs: Path | None) -> list[str]:
    """``python -m benchmarks.cases columns``: reports whose floor columns differ from what their SQL reads."""
    cmd = [sys.executable, "-m", "benchmarks.cases", "columns", "--cur", str(cur.resolve())]
    if logs is not None:
        cmd += ["--logs", str(logs.resolve())]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=_runner.ROOT)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["?"])[-1]
        return [f"could not check the floor columns ({last})"]
    return [line.removeprefix("DRIFT ") for line in done.stdout.splitlines() if line.startswith("DRIFT ")]


# --- the machine -----------------------------------------------------------------------------------------
def machine() -> dict[str, Any]:
    import duckdb
    import pandas
    import pyarrow

    info: dict[str, Any] = {"platform": platform.platform(), "python": platform.python_version()}
    try:
        text = Path("/proc/cpuinfo").read_text()
        models = [
            line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("model name")
        ]
        info["cpu"] = models[0] if models else platform.processor()
        info["virtualised"] = " hypervisor " in f" {text} "
    except OSError:
        info["cpu"] = platform.processor()
    info["cores"] = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    try:
        mem_kib = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal:")
        )
        info["ram_gib"] = round(mem_kib / 1024**2, 1)
    except (OSError, StopIteration):
        info["ram_gib"] = None
    info["duckdb"] = duckdb.__version__
    info["pandas"] = pandas.__version__
    info["pyarrow"] = pyarrow.__version__
    return info


def machine_line(m: dict[str, Any]) -> str:
    virt = ", virtual machine" if m.get("virtualised") else ""
    return (
        f"{m['cpu']} ({m['cores']} cores{virt}), {m['ram_gib']} GiB RAM, {m['platform']}; Python {m['python']}, "
        f"DuckDB {m['duckdb']}, pandas {m['pandas']}, pyarrow {m['pyarrow']}"
    )


# --- the table -------------------------------------------------------------------------------------------
def _fmt_seconds(m: Measured) -> str:
    if m.finished:
        return f"{m.seconds:.2f}"
    return f"DNF ({m.why})"


def _fmt_cpu(m: Measured) -> str:
    return f"{m.cpu_seconds:.2f}" if m.cpu_seconds is not None else ""


def _ratio(num: float | None, den: float | None) -> str:
    return f"{num / den:.2f}×" if num and den else ""


def table(results: list[Measured]) -> str:
    by_key = {(m.case, m.size): m for m in results}
    head = (
        "| report | size (lines) | way | wall s | CPU s | peak MiB | × floor | speed-up vs pandas |\n"
        "|---|---|---|---:|---:|---:|---:|---:|\n"
    )
    rows = []
    for m in results:
        report = next(r for r in REPORTS if r.name == m.report)
        floor = by_key.get((report.floor, m.size))
        pandas = by_key.get((report.pandas, m.size))
        vs_floor = _ratio(m.seconds, floor.seconds if floor else None) if m.kind != "floor" else "1.00×"
        if m.kind == "tool" and pandas is not None and m.seconds:
            if pandas.finished:
                speedup = _ratio(pandas.seconds, m.seconds)
            elif pandas.runs:
                speedup = f"> {pandas.gave_up_after / m.seconds:.1f}× (pandas DNF)"
            else:
                speedup = ""
        else:
            speedup = ""
        size = f"{m.size} ({m.lines:,})"
        way = {"tool": "cur-analyzer (DuckDB)", "floor": "bare DuckDB scan", "pandas": "pandas"}[m.kind]
        rows.append(
            f"| {report.label} | {size} | {way} | {_fmt_seconds(m)} | {_fmt_cpu(m)} | {m.peak_bytes / MIB:,.0f} "
            f"| {vs_floor} | {speedup} |"
        )
    return head + "\n".join(rows) + "\n"


def _load_range(results: list[Measured]) -> str:
    loads = [r.load_average for m in results for r in m.runs if r.load_average is not None]
    return f"{min(loads):.1f}–{max(loads):.1f}" if loads else "n/a"


def verdicts(results: list[Measured], largest: str, log_label: str) -> list[str]:
    """The issue's targets, met or missed, for the largest size."""
    by_key = {(m.case, m.size): m for m in results}
    out = []
    for report in REPORTS[:2]:
        tool, floor, pandas = (by_key.get((c, largest)) for c in (report.name, report.floor, report.pandas))
        if not tool or not tool.finished:
            continue
        if floor and floor.finished:
            ratio = tool.seconds / floor.seconds
            ok = "met" if ratio <= TARGET_FLOOR_RATIO else "MISSED"
            out.append(f"{report.label}, {largest}: {ratio:.2f}× the bare scan (target ≤ 1.5×): {ok}")
        if pandas and pandas.runs:
            if pandas.finished:
                speed = pandas.seconds / tool.seconds
                ok = "met" if speed >= TARGET_PANDAS_SPEEDUP else "MISSED"
                out.append(f"{report.label}, {largest}: {speed:.1f}× faster than pandas (target ≥ 10×): {ok}")
            else:
                speed = pandas.gave_up_after / tool.seconds
                out.append(
                    f"{report.label}, {largest}: more than {speed:.1f}× faster than pandas, which did not finish "
                    f"({pandas.why}) (target ≥ 10×): {'met' if speed >= TARGET_PANDAS_SPEEDUP else 'not shown'}"
                )
        ok = "met" if tool.peak_bytes < TARGET_PEAK_BYTES else "MISSED"
        out.append(f"{report.label}, {largest}: peak {tool.peak_bytes / 1e6:,.0f} MB (target < 1 GB): {ok}")
    rec = by_key.get(("reconcile", largest))
    if rec and rec.runs:
        if rec.finished:
            ok = "met" if rec.seconds < TARGET_RECONCILE_SECONDS else "MISSED"
            out.append(
                f"reconcile, {log_label} log records + {largest}: {rec.seconds:.1f} s (target < 60 s): {ok}"
            )
        else:
            out.append(f"reconcile, {log_label} log records + {largest}: {rec.why} (target < 60 s): MISSED")
    return out


# --- main ------------------------------------------------------------------------------------------------
def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(s.replace("_", "")) for s in text.split(",") if s.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"--sizes: comma-separated line counts (got {text!r})") from None
    if not sizes or any(s < 1000 for s in sizes):
        raise argparse.ArgumentTypeError("--sizes: at least one size, each of at least 1000 lines")
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=_sizes, default=[2_000_000, 10_000_000], help="CUR lines per month")
    parser.add_argument("--log-records", type=int, default=5_000_000, help="invocation-log records")
    parser.add_argument("--out", type=Path, default=Path("bench-data"), help="datasets and results")
    parser.add_argument(
        "--reps",
        type=int,
        help="repetitions per case (median wall, max peak); default 3, and in the whole-process table 5 "
        "(3 for reconcile and report)",
    )
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds before a run is killed")
    parser.add_argument("--mem-cap-gib", type=float, default=14.0, help="RSS at which a run is killed")
    parser.add_argument(
        "--reports",
        default=",".join(r.name for r in REPORTS),
        help=f"comma-separated subset of {', '.join(r.name for r in REPORTS)}",
    )
    parser.add_argument("--no-pandas", action="store_true", help="skip the pandas counterparts")
    parser.add_argument("--regenerate", action="store_true", help="regenerate the datasets even if present")
    parser.add_argument(
        "--whole", action="store_true", help="only the whole-process table (CLI vs hand-typed)"
    )
    parser.add_argument(
        "--cases", help="comma-separated subset of the whole-process cases (benchmarks.whole)"
    )
    args = parser.parse_args(argv)
    wanted = [r for r in REPORTS if r.name in set(args.reports.split(","))]
    if not wanted:
        parser.error(f"--reports: none of {args.reports!r} is a report")
    if (args.reps is not None and args.reps < 1) or args.log_records < 1:
        parser.error("--reps and --log-records must be at least 1")
    args.out.mkdir(parents=True, exist_ok=True)
    info = machine()
    if not args.whole:
        library(args, wanted, info)
    from benchmarks import whole  # it builds on this module's runs

    whole.main(args, machine_line(info))
    return 0


def _time_report(report: Report, ds: Any, logs: Any, reps: int, args: argparse.Namespace) -> list[Measured]:
    """The report's library call, its floor and (unless ``--no-pandas``) its pandas way on one month,
    interleaved ``reps`` times; a run that did not finish is not repeated."""
    kinds = [("floor", report.floor), ("tool", report.name)]
    if not args.no_pandas:
        kinds.append(("pandas", report.pandas))
    group = [Measured(case, kind, report.name, ds.label, ds.lines) for kind, case in kinds]
    log_folder = logs.logs if (report.logs and logs) else None
    mem_cap = int(args.mem_cap_gib * GIB)
    _runner.interleave(group, reps, lambda m: run_case(m.case, ds.export, log_folder, args.timeout, mem_cap))
    return group


def _library_record(info, reps, args, curs, logs, results, checks, drift) -> dict[str, Any]:
    """``results.json``: the machine, the datasets and every run."""
    return {
        "machine": info,
        "reps": reps,
        "timeout_s": args.timeout,
        "mem_cap_gib": args.mem_cap_gib,
        "datasets": {
            "cur": [
                {"label": d.label, "lines": d.lines, "path": str(d.export), "generated_s": d.seconds}
                for d in curs
            ],
            "logs": (
                {"records": logs.records, "files": logs.files, "path": str(logs.logs)} if logs else None
            ),
        },
        "results": [
            {
                **{k: v for k, v in asdict(m).items() if k != "runs"},
                "seconds_median": m.seconds,
                "cpu_seconds_median": m.cpu_seconds,
                "peak_bytes_max": m.peak_bytes,
                "finished": m.finished,
                "runs": [asdict(r) for r in m.runs],
            }
            for m in results
        ],
        "targets": checks,
        "floor_column_drift": drift,
    }


def library(args: argparse.Namespace, wanted: list[Report], info: dict[str, Any]) -> None:
    """The library-level table: each report's call against its bare scan and the pandas way."""
    reps = args.reps or 3
    out: Path = args.out
    curs = [datasets.cur_month(out, n, force=args.regenerate) for n in args.sizes]
    logs = (
        datasets.invocation_logs(out, args.log_records, force=args.regenerate)
        if any(r.logs for r in wanted)
        else None
    )
    info["load_average_at_start"] = os.getloadavg()
    print(f"machine: {machine_line(info)}", file=sys.stderr)
    drift = column_drift(curs[0].export, logs.logs if logs else None)
    for line in drift:
        print(f"WARNING: the floor no longer reads what the report does: {line}", file=sys.stderr)

    results = [m for ds in curs for report in wanted for m in _time_report(report, ds, logs, reps, args)]
    info["load_average_at_end"] = os.getloadavg()

    largest = curs[-1].label
    log_label = logs.label if logs else "-"
    md = table(results)
    checks = verdicts(results, largest, log_label)
    datasets_line = ", ".join(f"{d.label} = {d.lines:,} CUR lines ({d.export})" for d in curs)
    if logs:
        datasets_line += f"; {logs.label} invocation-log records in {logs.files:,} files ({logs.logs})"
    doc = (
        f"# cur-analyzer benchmarks\n\nMachine: {machine_line(info)}\n\nDatasets: {datasets_line}\n\n"
        f"Each case ran {reps}× in a fresh process. wall s and CPU s (user + system, all threads): median "
        "over the runs, of the work alone (imports excluded); peak MiB: largest RSS of the process over the "
        "runs; × floor and speed-up: on wall time. 1-minute load average when the runs started: "
        f"{_load_range(results)}.\n\n"
        + "".join(f"**Warning**: the floor no longer reads what the report does: {d}\n\n" for d in drift)
        + md
        + "\n"
        + "\n".join(f"- {c}" for c in checks)
        + "\n"
    )
    (out / "results.md").write_text(doc)
    record = _library_record(info, reps, args, curs, logs, results, checks, drift)
    (out / "results.json").write_text(json.dumps(record, indent=2) + "\n")
    print(doc)


if __name__ == "__main__":
    sys.exit(main())
