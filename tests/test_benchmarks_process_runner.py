"""The one process runner both benchmark tables use (``benchmarks._runner``): what it measures, when it kills,
and what it says about a run that did not finish. No timing is asserted beyond what a sleep guarantees: the
machine is shared."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from conftest import DEMO_EXPORT

from benchmarks import _runner, run
from benchmarks._runner import MIB, Measured, Run

PYTHON = sys.executable


def _python(program: str) -> list[str]:
    return [PYTHON, "-c", program]


def _gone(pid: int, within: float = 5.0) -> bool:
    """Whether the process exited (or is a zombie waiting for its reaper) within some seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            return True
        if "\nState:\tZ" in status:
            return True
        time.sleep(0.05)
    return False


# --- a run that does not finish says why -----------------------------------------------------------------
def test_a_command_that_fails_is_reported_not_timed():
    done = _runner.run(_python("import sys; sys.exit('no CUR data for 2026-09')"), 60, 2**30)
    assert not done.finished
    assert done.why == "failed (exit 1: no CUR data for 2026-09)"


def test_a_command_past_the_timeout_is_killed_with_its_children(tmp_path):
    child_pid = tmp_path / "child.pid"
    program = (
        "import subprocess, time; "
        f"p = subprocess.Popen(['sleep', '60']); open({str(child_pid)!r}, 'w').write(str(p.pid)); "
        "time.sleep(60)"
    )
    t0 = time.perf_counter()
    done = _runner.run(_python(program), 1, 2**30)

    assert time.perf_counter() - t0 < 30
    assert not done.finished
    assert done.why == "did not finish in 1 s"
    assert done.seconds >= 1
    assert _gone(int(child_pid.read_text()))


def test_a_command_past_the_memory_cap_is_killed_and_says_so():
    program = "import time; held = b'x' * (300 * 2**20); time.sleep(60)"
    done = _runner.run(_python(program), 60, 128 * MIB)

    assert not done.finished
    assert done.why.startswith("killed at the 0.125 GiB memory cap after ")
    assert done.seconds < 60


# --- what a finished run measured ------------------------------------------------------------------------
def test_a_whole_process_run_is_timed_from_start_to_exit_with_its_peak_and_cpu():
    program = "import time; held = b'x' * (200 * 2**20); time.sleep(0.3)"
    done = _runner.run(_python(program), 60, 2**31)

    assert done.finished, done.why
    assert done.seconds >= 0.3 and done.process_seconds == done.seconds
    assert done.peak_bytes >= 200 * MIB
    assert done.cpu_seconds is not None and done.cpu_seconds > 0


def test_a_self_timed_run_reports_the_work_the_child_timed_not_the_process():
    doc = {"seconds": 0.001, "cpu_seconds": 0.002, "peak_bytes": 12345, "result": {"rows": 3}}
    program = f"import time; time.sleep(0.3); print('warming up'); print({json.dumps(doc)!r})"
    done = _runner.run(_python(program), 60, 2**30, self_timed=True)

    assert done.finished, done.why
    assert (done.seconds, done.cpu_seconds, done.peak_bytes) == (0.001, 0.002, 12345)
    assert done.result == {"rows": 3}
    assert done.process_seconds >= 0.3


def test_a_self_timed_run_that_prints_nothing_is_not_finished():
    done = _runner.run(_python("pass"), 60, 2**30, self_timed=True)
    assert not done.finished
    assert done.why == "failed (exit 0 without printing what it measured)"


def test_a_library_case_reports_its_own_work_and_what_it_computed():
    done = run.run_case("floor-chargeback-principal", DEMO_EXPORT, None, 300, 2**32)
    assert done.finished, done.why
    assert done.result and done.peak_bytes > 0
    assert done.seconds < done.process_seconds


# --- repetitions -----------------------------------------------------------------------------------------
def test_repetitions_interleave_and_a_run_that_did_not_finish_is_not_repeated(capsys):
    steady = Measured("floor-x", "floor", "x", "1M", 1_000_000)
    stuck = Measured("x", "tool", "x", "1M", 1_000_000)
    order: list[str] = []

    def start(m: Measured) -> Run:
        order.append(m.case)
        if m is stuck:
            return Run(5.0, 5.0, 3 * MIB, False, "did not finish in 5 s", load_average=0.5)
        return Run(1.0, 1.2, 2 * MIB, True, cpu_seconds=0.9, load_average=0.5)

    _runner.interleave([steady, stuck], 3, start)

    assert order == ["floor-x", "x", "floor-x", "floor-x"]
    assert len(steady.runs) == 3 and steady.finished and steady.seconds == 1.0
    assert not stuck.finished and stuck.why == "did not finish in 5 s"
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 4
    assert (
        lines[1]
        == "  x                               1M rep 1/3: did not finish in 5 s, peak 3 MiB, load 0.5"
    )
    assert lines[3].startswith("  floor-x") and "rep 3/3: 1.00 s (0.90 s CPU), peak 2 MiB" in lines[3]
