#!/usr/bin/env bash
# Create (once) a separate venv with checkov and run it over terraform/.
#
# checkov must NOT live in the main .venv: it depends on bc-python-hcl2, which installs into the same
# `hcl2/` package folder as python-hcl2 (used by tests/test_terraform_structure.py) and breaks it.
#
#   scripts/checkov.sh            create/refresh .venv-checkov if needed, then scan terraform/
#   scripts/checkov.sh --install  only create .venv-checkov (idempotent)
#   scripts/checkov.sh -o json    extra arguments are passed to checkov
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${CHECKOV_VENV:-$ROOT/.venv-checkov}"
PYTHON="${PYTHON:-python3}"
SPEC="checkov>=3.2"

if [[ ! -x "$VENV/bin/checkov" ]]; then
  echo "creating $VENV with $SPEC" >&2
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
  "$VENV/bin/python" -m pip install --quiet "$SPEC"
fi

if [[ "${1:-}" == "--install" ]]; then
  "$VENV/bin/checkov" --version
  exit 0
fi

# BC_SKIP_MAPPING: no call to the Prisma Cloud guidelines API (works offline).
export BC_SKIP_MAPPING=TRUE
cd "$ROOT"
exec "$VENV/bin/checkov" -d terraform --framework terraform --quiet --compact "$@"
