"""The Terraform in terraform/ is canonically formatted (`terraform fmt` needs no provider)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TERRAFORM = shutil.which("terraform")


@pytest.mark.skipif(TERRAFORM is None, reason="terraform is not on PATH: `terraform fmt -check` not run")
def test_terraform_files_are_formatted():
    env = {**os.environ, "TF_CLI_CONFIG_FILE": os.devnull, "CHECKPOINT_DISABLE": "1"}
    proc = subprocess.run(
        [TERRAFORM, "fmt", "-check", "-recursive", "-no-color", "terraform"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, (
        f"terraform fmt -check failed (exit {proc.returncode}); run `terraform fmt -recursive terraform`.\n"
        f"files: {proc.stdout}{proc.stderr}"
    )
