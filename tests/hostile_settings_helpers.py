"""Helpers of the hostile settings-file tests: a working folder of its own, a CLI run that a
regression cannot turn into a hang or an exhausted machine, and the one-line exit-2 check."""

from __future__ import annotations

import contextlib
import os
import resource
import signal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cur_analyzer.cli import app

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "fixtures" / "demo"
EXPORT = str(DEMO / "cur2-bedrock")
LOGS = str(DEMO / "logs")
EXAMPLE_RULES = (ROOT / "examples" / "cur-analyzer.rules.yaml").read_text()
EXAMPLE_ACCOUNTS = (ROOT / "examples" / "accounts.csv").read_text()
BINARY = bytes(range(256)) * 4
TEAM_RULES = "dimensions:\n  team:\n    sources:\n      - {source: principal_tag, key: team}\n"

runner = CliRunner()


class Overran(BaseException):
    """Not an Exception: the CLI's error handling must not turn it into an exit code."""


@contextlib.contextmanager
def bounded(seconds: int = 60, headroom: int = 2 << 30):
    """Within this block a regression fails instead of taking the machine down: reading /dev/zero to
    the end hits an address-space cap (MemoryError, exit 3) and a blocking open of a FIFO is cut short
    by an alarm."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    with open("/proc/self/statm") as f:
        in_use = int(f.read().split()[0]) * resource.getpagesize()
    cap = in_use + headroom if hard == resource.RLIM_INFINITY else min(hard, in_use + headroom)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))

    def timed_out(*_):
        raise Overran(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, timed_out)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def own_working_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``tmp_path`` as the working folder (the rules file and cur-analyzer.toml are picked up from
    there) and no settings from the environment."""
    for name in list(os.environ):
        if name.startswith("CUR_ANALYZER_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run(*args: str):
    with bounded():
        return runner.invoke(app, list(args))


def chargeback(*extra: str):
    return run("chargeback", "--month", "2026-10", "--cur", EXPORT, *extra)


def estimate(*extra: str):
    return run("estimate", "--month", "2026-10", "--logs", LOGS, *extra)


def refused(result, *fragments: str) -> str:
    """The one line on stderr of a run that exited 2; it holds every fragment."""
    err = result.stderr.strip()
    assert result.exit_code == 2, (result.exit_code, err, result.exception)
    assert "Traceback" not in result.output + err and "internal error" not in err
    assert len(err.splitlines()) == 1, err
    for fragment in fragments:
        assert fragment in err, err
    return err


def pattern_rules(*patterns: str) -> str:
    lines = "".join(f"          - {p}\n" for p in patterns)
    return (
        f"dimensions:\n  team:\n    sources:\n      - source: principal_pattern\n        patterns:\n{lines}"
    )
