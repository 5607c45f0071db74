"""One way to run a benchmark command: a fresh process, watched until it exits or is killed.

Both tables run their commands through :func:`run`, each in a session of its own (so a kill takes the
command's children with it), output to files rather than pipes (a chatty child must never block on a full
pipe), watched every 20 ms: its wall clock, its resident memory and its high-water mark. A command that passes
``timeout`` seconds or ``mem_cap`` bytes of resident memory (summed over it and its children) is killed and
reported as not finished, with how far it got; one that exits non-zero, with the last line of its stderr.

Two ways to measure:

- self-timed (``python -m benchmarks.cases``): the child times its own work and prints one JSON line with the
  seconds, CPU seconds and peak; the process's own wall clock is kept as ``process_seconds``.
- whole-process (the CLI as typed): wall seconds from start to exit, CPU of the process and its children from
  ``wait4``, and the peak from ``/usr/bin/time`` when present (it forks the command, so our own image is not
  folded into its ``ru_maxrss``), else the polled ``VmHWM``.

Peak memory is ``VmHWM`` (high-water RSS of an address space since ``exec``), never this parent's
``ru_maxrss`` of the child: Linux folds the pre-``exec`` image, i.e. this parent's RSS inherited by ``fork``,
into the latter.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

GIB = 1024**3
MIB = 1024**2
ROOT = Path(__file__).resolve().parent.parent
GNU_TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None
PEAK_BY = "/usr/bin/time's maximum resident set" if GNU_TIME else "the polled VmHWM"
#: Often enough to see a short command's high-water mark; the wait itself returns the moment it exits.
POLL_SECONDS = 0.02


@dataclass
class Run:
    seconds: float  # the work (self-timed), else the whole process; the parent's clock when killed
    process_seconds: float  # the whole child process, interpreter start and imports included
    peak_bytes: int
    finished: bool
    why: str = ""  # for a run that did not finish: timeout / memory cap / exit code
    result: dict[str, Any] = field(default_factory=dict)  # a self-timed case's summary of what it computed
    cpu_seconds: float | None = None  # CPU time (user + system, all threads)
    load_average: float | None = None  # 1-minute load average when the run started


@dataclass
class Measured:
    """The runs of one command on one dataset."""

    case: str
    kind: str  # tool | floor | pandas
    report: str
    size: str
    lines: int
    runs: list[Run] = field(default_factory=list)

    @property
    def finished(self) -> bool:
        return bool(self.runs) and all(r.finished for r in self.runs)

    @property
    def seconds(self) -> float | None:
        return statistics.median(r.seconds for r in self.runs) if self.finished else None

    @property
    def cpu_seconds(self) -> float | None:
        if not self.finished or any(r.cpu_seconds is None for r in self.runs):
            return None
        return statistics.median(r.cpu_seconds for r in self.runs)

    @property
    def peak_bytes(self) -> int:
        return max((r.peak_bytes for r in self.runs), default=0)

    @property
    def gave_up_after(self) -> float:
        return max((r.seconds for r in self.runs if not r.finished), default=0.0)

    @property
    def why(self) -> str:
        return next((r.why for r in self.runs if not r.finished), "")


# --- watching a process ----------------------------------------------------------------------------------
def status_bytes(pid: int | str, field_name: str) -> int:
    """``VmRSS`` / ``VmHWM`` of a process from ``/proc/<pid>/status`` (0 when gone)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field_name + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants (``/usr/bin/time`` runs the command as its child)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            todo += [int(c) for c in Path(f"/proc/{p}/task/{p}/children").read_text().split()]
        except OSError:
            pass
    return out


class _Exit:
    """Waits for a process to exit, for at most some seconds: a pidfd returns the moment it does, so the wall
    time carries no polling delay (plain sleeps where pidfds are missing)."""

    def __init__(self, pid: int) -> None:
        try:
            self._fd: int | None = os.pidfd_open(pid)
        except (AttributeError, OSError):
            self._fd = None

    def wait(self, seconds: float) -> None:
        if self._fd is None:
            time.sleep(seconds)
        else:
            select.select([self._fd], [], [], seconds)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)


@dataclass
class _Watched:
    """How a watched process ended."""

    status: int  # as ``wait4`` gives it
    usage: Any  # the ``wait4`` resource usage of it and its children
    wall: float
    polled_peak: int  # the largest ``VmHWM`` seen in it or a child
    why: str  # why it was killed, "" when it exited by itself


def _over_limit(elapsed: float, tree: list[int], timeout: float, mem_cap: int) -> str:
    if elapsed > timeout:
        return f"did not finish in {timeout:.0f} s"
    if sum(status_bytes(p, "VmRSS") for p in tree) > mem_cap:
        return f"killed at the {mem_cap / GIB:g} GiB memory cap after {elapsed:.0f} s"
    return ""


def _kill(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):  # it exited on its own in between
        os.killpg(proc.pid, signal.SIGKILL)


def _watch(proc: subprocess.Popen, t0: float, timeout: float, mem_cap: int) -> _Watched:
    why, polled = "", 0
    exited = _Exit(proc.pid)
    try:
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            tree = _tree(proc.pid)
            polled = max([polled, *(status_bytes(p, "VmHWM") for p in tree)])
            why = _over_limit(time.perf_counter() - t0, tree, timeout, mem_cap)
            if why:
                _kill(proc)
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            exited.wait(POLL_SECONDS)
    except BaseException:  # Ctrl-C: never leave a command running behind us
        _kill(proc)
        proc.wait()
        raise
    finally:
        exited.close()
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    return _Watched(status, usage, wall, polled, why)


# --- what a run measured ---------------------------------------------------------------------------------
def _failure(code: int, stderr: Path) -> str:
    """Why a run that exited by itself failed ("" when it did not): its exit code and last stderr line
    (``/usr/bin/time``'s own "exited with" line left out)."""
    if code == 0:
        return ""
    lines = [
        ln for ln in stderr.read_text(errors="replace").splitlines() if ln.strip() and "exited with" not in ln
    ]
    return f"failed (exit {code}: {(lines or ['?'])[-1].strip()})"


def _time_peak(report: Path) -> int | None:
    """The ``%M`` (KiB) ``/usr/bin/time`` wrote as its last line (after any "exited with status" line)."""
    try:
        last = report.read_text().strip().splitlines()[-1]
        return int(last) * 1024
    except (OSError, IndexError, ValueError):
        return None


def _self_reported(w: _Watched, why: str, stdout: Path, load: float) -> Run:
    """A self-timed case: the work's seconds, CPU and peak from the JSON line it printed last."""
    lines = stdout.read_text(errors="replace").strip().splitlines()
    if not why and not lines:
        why = "failed (exit 0 without printing what it measured)"
    if why:
        return Run(w.wall, w.wall, w.polled_peak, False, why, load_average=load)
    doc = json.loads(lines[-1])
    return Run(
        seconds=float(doc["seconds"]),
        process_seconds=w.wall,
        peak_bytes=int(doc["peak_bytes"]),
        finished=True,
        result=doc["result"],
        cpu_seconds=float(doc["cpu_seconds"]),
        load_average=load,
    )


def run(cmd: list[str], timeout: float, mem_cap: int, *, self_timed: bool = False) -> Run:
    """One fresh process of ``cmd`` from the repository's root, killed (with its children) past ``timeout``
    seconds or ``mem_cap`` bytes of resident memory. ``self_timed``: the command reports its own work (see
    the module's docstring); else its stdout goes to ``/dev/null`` and the whole process is measured."""
    load = os.getloadavg()[0]
    timed = GNU_TIME is not None and not self_timed
    with tempfile.TemporaryDirectory(prefix="bench-run-") as tmp:
        stdout, stderr, peak_file = Path(tmp) / "stdout", Path(tmp) / "stderr", Path(tmp) / "peak"
        argv = [GNU_TIME, "-f", "%M", "-o", str(peak_file), *cmd] if timed else cmd
        with stdout.open("wb") as out, stderr.open("wb") as err:
            t0 = time.perf_counter()
            proc = subprocess.Popen(
                argv,
                stdout=out if self_timed else subprocess.DEVNULL,
                stderr=err,
                cwd=ROOT,
                start_new_session=True,
            )
            w = _watch(proc, t0, timeout, mem_cap)
        why = w.why or _failure(proc.returncode, stderr)
        if self_timed:
            return _self_reported(w, why, stdout, load)
        peak = (_time_peak(peak_file) if timed else None) or w.polled_peak
    cpu = w.usage.ru_utime + w.usage.ru_stime
    return Run(w.wall, w.wall, peak, not why, why, cpu_seconds=cpu, load_average=load)


# --- repetitions -----------------------------------------------------------------------------------------
def progress(m: Measured, rep: int, reps: int) -> None:
    """One line on stderr for the run just added to ``m``."""
    run = m.runs[-1]
    state = f"{run.seconds:.2f} s ({run.cpu_seconds:.2f} s CPU)" if run.finished else run.why
    print(
        f"  {m.case:28s} {m.size:>5s} rep {rep}/{reps}: {state}, "
        f"peak {run.peak_bytes / MIB:,.0f} MiB, load {run.load_average:.1f}",
        file=sys.stderr,
        flush=True,
    )


def interleave(group: list[Measured], reps: int, start: Callable[[Measured], Run]) -> None:
    """``reps`` rounds of one run of each command in ``group``, so that a change in machine load hits them
    all alike; a command whose run did not finish is not run again."""
    for rep in range(1, reps + 1):
        for m in group:
            if m.runs and not m.runs[-1].finished:
                continue
            m.runs.append(start(m))
            progress(m, rep, reps)
