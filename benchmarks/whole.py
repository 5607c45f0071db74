"""Whole-process benchmarks: the CLI as a user types it against the DuckDB query they would type by hand.

    python -m benchmarks.run --whole [--sizes 2000000] [--log-records 5000000] [--reps 3] [--out bench-data/]

Each case is two commands, each a fresh process with its output to ``/dev/null``: the tool
(``cur-analyzer chargeback --month M --cur DIR --by principal --format json``...) and its floor, run the same
way. The floors of chargeback, coverage and reconcile are the hand-typed queries of
:mod:`benchmarks.handtyped` (``python -c "import duckdb; duckdb.sql('''...''').fetchall()"``); the floor of
``report`` is one whole-process chargeback of the same month; ``--help`` and the demo month's chargeback are
held to absolute seconds, beside ``python -c pass`` (the interpreter's own start).

Tool and floor alternate, ``reps`` times each (5, or 3 for reconcile and ``report``, unless given), so a change
of load hits both alike; every run goes through :mod:`benchmarks._runner`. The table shows the median wall
seconds (start to exit), the median CPU seconds (user + system, every thread and child) and the tool's largest
peak RSS, read by ``/usr/bin/time`` (it forks the command, so our own image is not folded into its
``ru_maxrss``; without it the ``VmHWM`` is polled).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks import _runner, datasets
from benchmarks._runner import GIB, MIB, PEAK_BY, ROOT, Measured, Run
from benchmarks.handtyped import HAND_TYPED, MONTH

PYTHON = sys.executable
CLI = str(Path(sys.executable).with_name("cur-analyzer"))
PEAK_LIMIT = 10**9  # reconcile's peak goal: under 1 GB


@dataclass(frozen=True)
class Inputs:
    """What one run of a case reads, and a scratch folder of its own (for the report's output file)."""

    cur: Path
    logs: Path | None
    scratch: Path
    month: str = MONTH


@dataclass(frozen=True)
class Goal:
    label: str  # the goal, short
    limit: float  # the ratio to the floor, or seconds when absolute
    absolute: bool = False  # seconds of the tool alone, not a ratio
    peak_bytes: int | None = None  # and a peak RSS below this

    @property
    def target(self) -> str:
        text = f"≤ {self.limit:g} s" if self.absolute else f"≤ {self.limit:g}×"
        return text + (f", peak < {self.peak_bytes / 1e9:g} GB" if self.peak_bytes else "")

    def met(self, tool: Measured, floor: Measured) -> bool | None:
        if not (tool.finished and floor.finished):
            return None
        value = tool.seconds if self.absolute else tool.seconds / floor.seconds
        return value <= self.limit and (self.peak_bytes is None or tool.peak_bytes < self.peak_bytes)


@dataclass(frozen=True)
class WholeCase:
    name: str
    command: str  # how the table names the tool's command
    floor_label: str
    tool: Callable[[Inputs], list[str]]
    floor: Callable[[Inputs], list[str]]
    goal: Goal
    per_size: bool = True  # once per CUR size; else once, on the demo month
    logs: bool = False
    reps: int = 5

    def argv(self, kind: str, inputs: Inputs) -> list[str]:
        return (self.tool if kind == "tool" else self.floor)(inputs)


def _cli(typed: str) -> Callable[[Inputs], list[str]]:
    """The command as typed after ``cur-analyzer``, {cur}, {logs}, {month} and {scratch} filled in per run."""

    def argv(i: Inputs) -> list[str]:
        values = {"cur": str(i.cur), "logs": str(i.logs), "month": i.month, "scratch": str(i.scratch)}
        return [CLI, *(word.format(**values) for word in typed.split())]

    return argv


def _hand_typed(name: str) -> Callable[[Inputs], list[str]]:
    return lambda i: [PYTHON, "-c", HAND_TYPED[name].program(i.cur, i.month, i.logs)]


def _interpreter(_: Inputs) -> list[str]:
    return [PYTHON, "-c", "pass"]


_BY_PRINCIPAL = _cli("chargeback --month {month} --cur {cur} --by principal --format json")
_VS_HAND = Goal("chargeback/coverage ≤ 1.5× hand-typed", 1.5)
CASES: tuple[WholeCase, ...] = (
    WholeCase(
        "chargeback-principal",
        "chargeback --by principal",
        "hand-typed GROUP BY",
        _BY_PRINCIPAL,
        _hand_typed("chargeback-principal"),
        _VS_HAND,
    ),
    WholeCase(
        "chargeback-team",
        "chargeback --by iamPrincipal/team",
        "hand-typed GROUP BY",
        _cli("chargeback --month {month} --cur {cur} --by iamPrincipal/team --format json"),
        _hand_typed("chargeback-team"),
        _VS_HAND,
    ),
    WholeCase(
        "coverage-team",
        "coverage --require team",
        "hand-typed sums per account",
        _cli("coverage --month {month} --cur {cur} --require team --format json"),
        _hand_typed("coverage-team"),
        _VS_HAND,
    ),
    WholeCase(
        "reconcile",
        "reconcile",
        "bare read of CUR + logs",
        _cli("reconcile --month {month} --cur {cur} --logs {logs} --format json"),
        _hand_typed("reconcile"),
        Goal("reconcile ≤ 2× bare read, < 1 GB", 2.0, peak_bytes=PEAK_LIMIT),
        logs=True,
        reps=3,
    ),
    WholeCase(
        "report",
        "report (HTML)",
        "one chargeback --by principal",
        _cli("report --month {month} --cur {cur} -o {scratch}/report.html"),
        _BY_PRINCIPAL,
        Goal("report ≤ 2× one chargeback", 2.0),
        reps=3,
    ),
    WholeCase(
        "help",
        "--help",
        "python -c pass",
        _cli("--help"),
        _interpreter,
        Goal("--help ≤ 0.2 s", 0.2, absolute=True),
        per_size=False,
    ),
    WholeCase(
        "demo-chargeback",
        "chargeback (demo month, as make demo)",
        "python -c pass",
        _cli("chargeback --month {month} --cur {cur} --by principal"),
        _interpreter,
        Goal("demo chargeback ≤ 0.5 s", 0.5, absolute=True),
        per_size=False,
    ),
)


# --- a case: tool and floor interleaved ------------------------------------------------------------------
@dataclass
class Pair:
    case: WholeCase
    size: str
    lines: int
    tool: Measured
    floor: Measured

    @property
    def ratio(self) -> float | None:
        if self.tool.finished and self.floor.finished and self.floor.seconds:
            return self.tool.seconds / self.floor.seconds
        return None


def measure(
    case: WholeCase,
    cur: Path,
    logs: Path | None,
    size: str,
    lines: int,
    reps: int | None = None,
    timeout: float = 600.0,
    mem_cap: int = 14 * GIB,
) -> Pair:
    """``reps`` runs of the case's floor and tool, alternating; a run that does not finish is not repeated."""
    pair = Pair(
        case,
        size,
        lines,
        tool=Measured(case.name, "tool", case.name, size, lines),
        floor=Measured(f"floor-{case.name}", "floor", case.name, size, lines),
    )

    def start(m: Measured) -> Run:
        with tempfile.TemporaryDirectory(prefix="whole-scratch-") as scratch:
            return _runner.run(case.argv(m.kind, Inputs(cur, logs, Path(scratch))), timeout, mem_cap)

    _runner.interleave([pair.floor, pair.tool], reps or case.reps, start)
    return pair


# --- the table -------------------------------------------------------------------------------------------
def _seconds(m: Measured) -> str:
    why = m.why if len(m.why) <= 100 else m.why[:99] + "…"
    return f"{m.seconds:.2f}" if m.finished else f"DNF ({why})"


def _cpu(m: Measured) -> str:
    return f"{m.cpu_seconds:.2f}" if m.cpu_seconds is not None else ""


def verdict(pair: Pair) -> str:
    met = pair.case.goal.met(pair.tool, pair.floor)
    return "n/a" if met is None else ("met" if met else "**missed**")


def table(pairs: list[Pair]) -> str:
    head = (
        "| goal | case | size (lines) | tool s | floor s | ratio | target | met/missed | peak MiB "
        "| tool CPU s | floor CPU s | floor |\n"
        "|---|---|---|---:|---:|---:|---|---|---:|---:|---:|---|\n"
    )
    rows = []
    for p in pairs:
        ratio = f"{p.ratio:.2f}×" if p.ratio is not None else ""
        size = f"{p.size} ({p.lines:,})" if p.lines else p.size
        rows.append(
            f"| {p.case.goal.label} | {p.case.command} | {size} | {_seconds(p.tool)} | {_seconds(p.floor)} "
            f"| {ratio} | {p.case.goal.target} | {verdict(p)} | {p.tool.peak_bytes / MIB:,.0f} "
            f"| {_cpu(p.tool)} | {_cpu(p.floor)} | {p.case.floor_label} |"
        )
    return head + "\n".join(rows) + "\n"


def as_json(pairs: list[Pair]) -> list[dict[str, Any]]:
    def measured(m: Measured) -> dict[str, Any]:
        return {
            "seconds_median": m.seconds,
            "cpu_seconds_median": m.cpu_seconds,
            "peak_bytes_max": m.peak_bytes,
            "finished": m.finished,
            "runs": [
                {
                    k: getattr(r, k)
                    for k in ("seconds", "cpu_seconds", "peak_bytes", "finished", "why", "load_average")
                }
                for r in m.runs
            ],
        }

    return [
        {
            "case": p.case.name,
            "command": p.case.command,
            "floor_label": p.case.floor_label,
            "size": p.size,
            "lines": p.lines,
            "goal": p.case.goal.label,
            "target": p.case.goal.target,
            "ratio": p.ratio,
            "met": p.case.goal.met(p.tool, p.floor),
            "tool": measured(p.tool),
            "floor": measured(p.floor),
        }
        for p in pairs
    ]


def load_range(pairs: list[Pair]) -> str:
    loads = [
        r.load_average for p in pairs for m in (p.tool, p.floor) for r in m.runs if r.load_average is not None
    ]
    return f"{min(loads):.1f}–{max(loads):.1f}" if loads else "n/a"


def column_drift(cur: Path, logs: Path | None) -> list[str]:
    """``python -m benchmarks.handtyped columns``: floors out of step with what their report reads."""
    cmd = [PYTHON, "-m", "benchmarks.handtyped", "columns", "--cur", str(cur.resolve())]
    if logs is not None:
        cmd += ["--logs", str(logs.resolve())]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["?"])[-1]
        return [f"could not check the hand-typed queries' columns ({last})"]
    return [line.removeprefix("DRIFT ") for line in done.stdout.splitlines() if line.startswith("DRIFT ")]


# --- the whole run ---------------------------------------------------------------------------------------
def run_all(
    out: Path,
    sizes: list[int],
    log_records: int,
    *,
    reps: int | None = None,
    timeout: float = 600.0,
    mem_cap: int = 14 * GIB,
    force: bool = False,
    cases: tuple[WholeCase, ...] = CASES,
) -> tuple[list[Pair], list[str], str]:
    """Every case: the per-size ones on each generated month, the others on the demo month. Returns the
    pairs, the drift of the hand-typed queries' columns and a line naming the datasets."""
    sized = [c for c in cases if c.per_size]
    curs = [datasets.cur_month(out, n, force=force) for n in sizes] if sized else []
    logs = datasets.invocation_logs(out, log_records, force=force) if any(c.logs for c in sized) else None
    demo = datasets.demo_month(out, force=force)
    # the reports' columns are read on the small demo month: the same generator, the same columns
    drift = column_drift(demo.export, demo.root / "logs")
    for line in drift:
        print(f"WARNING: a hand-typed query no longer reads what its report does: {line}", file=sys.stderr)
    pairs = []
    for ds in curs:
        for case in sized:
            pairs.append(
                measure(
                    case,
                    ds.export,
                    logs.logs if case.logs and logs else None,
                    ds.label,
                    ds.lines,
                    reps,
                    timeout,
                    mem_cap,
                )
            )
    demo_lines = datasets._count_lines(demo.export / "data" / f"BILLING_PERIOD={MONTH}")
    for case in (c for c in cases if not c.per_size):
        pairs.append(measure(case, demo.export, None, "demo", demo_lines, reps, timeout, mem_cap))
    named = ", ".join(f"{d.label} = {d.lines:,} CUR lines" for d in curs)
    if logs:
        named += f"; {logs.label} invocation-log records in {logs.files:,} files"
    named += f"; demo = the `make demo` month ({demo_lines:,} lines)"
    return pairs, drift, named


def document(pairs: list[Pair], drift: list[str], named: str, machine: str) -> str:
    queries = "\n\n".join(f"`{name}`:\n\n```sql\n{floor.shown()}\n```" for name, floor in HAND_TYPED.items())
    return (
        "# cur-analyzer whole-process benchmarks\n\n"
        f"Machine: {machine}\n\nDatasets: {named}\n\n"
        "Each command ran as a fresh process, output to /dev/null, tool and floor alternating. tool s and "
        "floor s: median wall seconds from start to exit (interpreter start and imports included); ratio: tool "
        "over floor; CPU s: median user + system seconds, all threads; peak MiB: the tool's largest peak RSS "
        f"({PEAK_BY}). 1-minute load average when the runs started: {load_range(pairs)}.\n\n"
        + "".join(
            f"**Warning**: a hand-typed query no longer reads what its report does: {d}\n\n" for d in drift
        )
        + table(pairs)
        + "\nThe hand-typed queries (each run as `python -c \"import duckdb; duckdb.sql('''...''').fetchall()\"`, "
        "DIR the export folder, LOGS the log folder):\n\n" + queries + "\n"
    )


def main(args: Any, machine: str) -> list[Pair]:
    """``python -m benchmarks.run --whole``: the table on stdout, in ``<out>/whole.md`` and ``<out>/whole.json``."""
    import json

    chosen = CASES
    if getattr(args, "cases", None):
        chosen = tuple(c for c in CASES if c.name in args.cases.split(","))
        if not chosen:
            raise SystemExit(f"--cases: none of {args.cases!r} is one of {', '.join(c.name for c in CASES)}")
    pairs, drift, named = run_all(
        args.out,
        args.sizes,
        args.log_records,
        reps=args.reps,
        timeout=args.timeout,
        mem_cap=int(args.mem_cap_gib * GIB),
        force=args.regenerate,
        cases=chosen,
    )
    doc = document(pairs, drift, named, machine)
    (args.out / "whole.md").write_text(doc)
    record = {
        "machine": machine,
        "datasets": named,
        "drift": drift,
        "peak_by": PEAK_BY,
        "cases": as_json(pairs),
    }
    (args.out / "whole.json").write_text(json.dumps(record, indent=2) + "\n")
    print(doc)
    return pairs
