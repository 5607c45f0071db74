"""checkov finds no failed check in terraform/ (skips are inline `#checkov:skip=` comments with reasons).

checkov runs from its own venv, .venv-checkov (created by scripts/checkov.sh): installed next to
python-hcl2 it overwrites the `hcl2` package (bc-python-hcl2 clash), which the structure tests need.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"
SKIP_RE = re.compile(r"#checkov:skip=(?P<id>CKV2?_[A-Z0-9_]+):(?P<reason>[^\n]*)")

needs_checkov = pytest.mark.skipif(
    not CHECKOV.exists(),
    reason=f"{CHECKOV.relative_to(ROOT)} is missing: create it with scripts/checkov.sh --install",
)


@pytest.fixture(scope="module")
def report() -> dict:
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE"}  # no call to the Prisma guidelines API
    proc = subprocess.run(
        [str(CHECKOV), "-d", "terraform", "--framework", "terraform", "--quiet", "--compact", "-o", "json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.stdout.strip(), f"checkov printed nothing (exit {proc.returncode}): {proc.stderr[-2000:]}"
    data = json.loads(proc.stdout)
    reports = data if isinstance(data, list) else [data]
    (tf,) = [r for r in reports if r.get("check_type") == "terraform"]
    return tf


@needs_checkov
def test_checkov_parsed_and_scanned_the_terraform(report):
    summary = report["summary"]
    assert summary["parsing_errors"] == 0, summary
    assert summary["resource_count"] >= 20, summary
    assert summary["passed"] >= 30, summary


@needs_checkov
def test_checkov_reports_no_failed_check(report):
    failed = [
        f"{c['check_id']} {c['resource']} ({c.get('file_path')}:{(c.get('file_line_range') or ['?'])[0]})"
        for c in report["results"].get("failed_checks", [])
    ]
    assert report["summary"]["failed"] == 0 and not failed, "\n".join(failed)


def test_every_inline_checkov_skip_gives_a_real_reason():
    skips = [
        (p.relative_to(ROOT), m)
        for p in sorted((ROOT / "terraform").rglob("*.tf"))
        for m in SKIP_RE.finditer(p.read_text())
    ]
    assert skips, "expected the documented skips (cross-region replication, event notifications)"
    for path, m in skips:
        assert len(m.group("reason").strip()) > 40, f"{path}: {m.group(0)!r}: give the reason"
