"""Generate ``terraform/modules/cur-analyzer/cur2_columns.json`` from :mod:`cur_analyzer.schema`.

Terraform reads that file (``jsondecode(file(...))``) to build both the Data Exports ``query_statement``
and the Glue table columns, so the column list keeps exactly one home: ``schema.py``. A test compares the
committed file with :func:`terraform_columns_json`; regenerate it after changing the schema with::

    python -m cur_analyzer.terraform_columns > terraform/modules/cur-analyzer/cur2_columns.json
"""

from __future__ import annotations

import json
import sys
from typing import Any

from cur_analyzer import schema

#: Where the generated file lives, relative to the repository root.
JSON_PATH = "terraform/modules/cur-analyzer/cur2_columns.json"
REGENERATE = f"python -m cur_analyzer.terraform_columns > {JSON_PATH}"


def _columns(columns: tuple[schema.Column, ...]) -> list[dict[str, str]]:
    return [{"name": c.name, "type": c.type} for c in columns]


def terraform_columns() -> dict[str, Any]:
    """The column lists Terraform needs, as plain data."""
    return {
        "_generated_by": REGENERATE,
        "cur_columns": _columns(schema.CUR_COLUMNS),
        "partition_column": {"name": schema.PARTITION_COLUMN.name, "type": schema.PARTITION_COLUMN.type},
        "log_table_columns": _columns(schema.LOG_TABLE_COLUMNS),
    }


def terraform_columns_json() -> str:
    """The exact text of the committed ``cur2_columns.json``: one column per line, stable order."""
    lines = ["{"]
    items = list(terraform_columns().items())
    for i, (key, value) in enumerate(items):
        comma = "," if i < len(items) - 1 else ""
        if isinstance(value, list):
            rows = [f"    {json.dumps(v)}" for v in value]
            lines.append(f"  {json.dumps(key)}: [")
            lines.append(",\n".join(rows))
            lines.append(f"  ]{comma}")
        else:
            lines.append(f"  {json.dumps(key)}: {json.dumps(value)}{comma}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main() -> None:
    sys.stdout.write(terraform_columns_json())


if __name__ == "__main__":
    main()
