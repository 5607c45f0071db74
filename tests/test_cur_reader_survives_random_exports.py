"""Whatever an export holds, the CUR reader gives the right total or one clear line: random cost values (good,
tiny, NaN, infinite, too large, text that is or is not a number, blank, missing), stored as double, float,
decimal or text, spread over one or two files that may disagree on a type, optional columns present or not,
tag maps with hostile keys and values. Every run of `chargeback` exits 0 with the total computed here from
the same values, or exits 2 with one line naming the column and file; never 3, never a traceback."""

from __future__ import annotations

import json
import math
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from conftest import DEMO_EXPORT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from cur_analyzer.cli import app

MONTH = "2026-10"
DEMO_OCTOBER = DEMO_EXPORT / "data" / f"BILLING_PERIOD={MONTH}" / "cur2-bedrock-00001.snappy.parquet"
UNBLENDED, NET = "line_item_unblended_cost", "line_item_net_unblended_cost"
OPTIONAL = ("line_item_iam_principal", "tags", "line_item_resource_id", NET)
TEN_PLACES = Decimal("1e-10")


# --- cells: one cost value and what it must become ---------------------------------------------------------
@dataclass(frozen=True)
class Cell:
    kind: str  # good | tiny | bad | junk | blank | none
    value: Decimal | float | str | None = None

    @property
    def hostile(self) -> bool:
        return self.kind in ("bad", "junk")

    @property
    def missing(self) -> bool:
        return self.kind in ("blank", "none")


GOOD = st.one_of(
    # up to 1e5 with 4 places: DuckDB's DOUBLE -> DECIMAL(38,10) cast is exact there (past it, it is not)
    st.decimals(min_value=-99999, max_value=99999, places=4),
    st.integers(20, 40).map(lambda k: Decimal(2**k)),  # large and still exact in a double and the cast
).map(lambda d: Cell("good", d))
TINY = st.sampled_from([1e-12, 1e-300, 5e-324, -1e-15, -0.0]).map(lambda f: Cell("tiny", f))
# (past 1e28 in a float32 too: float32(1e28) rounds to just below it, a value DECIMAL(38,10) holds)
BAD = st.sampled_from([math.nan, math.inf, -math.inf, 1.5e28, -2e28, 1e30, -9.9e300, 1.7e308]).map(
    lambda f: Cell("bad", f)
)
JUNK = st.sampled_from(
    ["abc", "1,5", "$3.00", "1.2.3", "--1", "0x1G", "NaN", "-Infinity", "1e400", "١٢", "½", "1 2", "=1+1"]
).map(lambda s: Cell("junk", s))
CELL = st.one_of(GOOD, GOOD, GOOD, TINY, BAD, JUNK, st.just(Cell("blank", "")), st.just(Cell("none")))

#: storage types of a cost column in one file, and the family DuckDB reads it as
STORAGE_FAMILY = {"double": "float", "float": "float", "decimal": "exact", "text": "string", "null": None}

HOSTILE_TEXT = st.text(
    alphabet=st.sampled_from(
        list("ab=+-@'\"[]/\\<>&;:, ") + ["\t", "\r", "\n", "\x1b", "\x00", "é", "🙂", "\u202e"]
    ),
    max_size=12,
)
TAGS = st.dictionaries(
    st.one_of(st.sampled_from(["iamPrincipal/team", "user_team", "resourceTags/user_team"]), HOSTILE_TEXT),
    st.one_of(st.none(), HOSTILE_TEXT, st.sampled_from(['=HYPERLINK("http://x","y")', "[/bold]", "ml"])),
    max_size=4,
)


def can_store(storage: str, cells: list[Cell]) -> bool:
    """Whether a file can hold these cells in this storage type at all (parquet decimals hold no NaN)."""
    if storage == "text":
        return True
    if any(c.kind == "junk" for c in cells):
        return False
    if storage == "null":
        return all(c.missing for c in cells)
    if storage == "decimal":
        return not any(c.kind == "bad" for c in cells)
    if storage == "float":  # a float32 on the 1/2048 grid (4096 and up) would be a rounding tie at 10 places
        return all(c.kind != "good" or abs(c.value) < 1000 for c in cells)
    return True


def stored(storage: str, cell: Cell):
    """The value written to the file for a cell."""
    if cell.missing:
        return "" if storage == "text" and cell.kind == "blank" else None
    if storage == "text":
        return cell.value if isinstance(cell.value, str) else str(cell.value)
    if storage == "decimal":
        return Decimal(cell.value).quantize(TEN_PLACES) if cell.kind == "good" else Decimal(0)
    if storage == "float":
        with np.errstate(over="ignore"):  # 1.7e308 is infinite as a float32: still a bad value
            return float(np.float32(float(cell.value)))
    return float(cell.value)


def arrow_type(storage: str) -> pa.DataType:
    return {
        "double": pa.float64(),
        "float": pa.float32(),
        "decimal": pa.decimal128(38, 10),
        "text": pa.string(),
        "null": pa.null(),
    }[storage]


def expected(storage: str, cell: Cell) -> Decimal | None:
    """What DECIMAL(38,10) value a cell must become (None: no value)."""
    if cell.missing:
        return None
    if cell.kind == "tiny":
        return Decimal(0)
    if storage == "float":
        return Decimal(float(np.float32(float(cell.value)))).quantize(TEN_PLACES)
    return Decimal(cell.value).quantize(TEN_PLACES)


# --- one random export -------------------------------------------------------------------------------------
@st.composite
def exports(draw):
    n = draw(st.integers(1, 6))
    cuts = sorted(draw(st.lists(st.integers(1, n - 1), max_size=1, unique=True))) if n > 1 else []
    bounds = list(zip([0, *cuts], [*cuts, n], strict=True))
    columns = {UNBLENDED: draw(st.lists(CELL, min_size=n, max_size=n))}
    columns[NET] = draw(st.lists(CELL, min_size=n, max_size=n))
    files = []
    for start, end in bounds:
        storage = {}
        for name, cells in columns.items():
            choices = [s for s in STORAGE_FAMILY if can_store(s, cells[start:end])]
            storage[name] = draw(st.sampled_from(choices))
        present = {c for c in OPTIONAL if draw(st.booleans())}
        files.append({"rows": (start, end), "storage": storage, "present": present})
    return {
        "n": n,
        "columns": columns,
        "files": files,
        "tags": draw(st.lists(TAGS, min_size=n, max_size=n)),
        "resource_tags": draw(st.lists(TAGS, min_size=n, max_size=n)),
        "basis": draw(st.sampled_from(["unblended", "net-unblended"])),
        "by": draw(st.sampled_from(["account", "iamPrincipal/team", "tag/team"])),
    }


def write(root: Path, spec: dict) -> Path:
    base = pq.read_table(DEMO_OCTOBER).slice(0, spec["n"])
    base = base.set_column(
        base.schema.get_field_index("line_item_line_item_type"),
        "line_item_line_item_type",
        pa.array(["Usage"] * spec["n"]),
    )
    part = root / "x" / "data" / f"BILLING_PERIOD={MONTH}"
    part.mkdir(parents=True)
    for i, f in enumerate(spec["files"]):
        start, end = f["rows"]
        table = base.slice(start, end - start)
        for name, cells in spec["columns"].items():
            storage = f["storage"][name]
            values = pa.array([stored(storage, c) for c in cells[start:end]], arrow_type(storage))
            table = table.set_column(table.schema.get_field_index(name), name, values)
        for name in ("tags", "resource_tags"):
            maps = [list(m.items()) for m in spec[name][start:end]]
            values = pa.array(maps, pa.map_(pa.string(), pa.string()))
            table = table.set_column(table.schema.get_field_index(name), name, values)
        table = table.drop_columns([c for c in OPTIONAL if c not in f["present"]])
        pq.write_table(table, part / f"part-{i}.parquet")
    return root / "x"


def outcome(spec: dict) -> tuple[str, object]:
    """("total", Decimal) or ("refused", the columns one of which the one line must name), from the spec."""
    conflicts = set()
    for name in (UNBLENDED, NET):
        present = [f for f in spec["files"] if name == UNBLENDED or name in f["present"]]
        if len({STORAGE_FAMILY[f["storage"][name]] for f in present} - {None}) > 1:
            conflicts.add(name)
    if conflicts:
        return "refused", conflicts
    total = Decimal(0)
    for f in spec["files"]:
        start, end = f["rows"]
        for row in range(start, end):
            chosen = (UNBLENDED, spec["columns"][UNBLENDED][row])
            net = spec["columns"][NET][row]
            if spec["basis"] == "net-unblended" and NET in f["present"] and not net.missing:
                chosen = (NET, net)
            name, cell = chosen
            if cell.hostile:
                return "refused", {name}
            total += expected(f["storage"][name], cell) or 0
    return "total", total


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(exports())
def test_every_random_export_gives_the_exact_total_or_one_clear_line(spec):
    with tempfile.TemporaryDirectory() as tmp:
        root = write(Path(tmp), spec)
        result = CliRunner().invoke(
            app,
            [
                "chargeback",
                "--month",
                MONTH,
                "--cur",
                str(root),
                "--cost-basis",
                spec["basis"],
                "--by",
                spec["by"],
                "--format",
                "json",
            ],
        )
    err = result.stderr.strip()
    assert "Traceback" not in result.output and "internal error" not in err, err
    kind, expect = outcome(spec)
    if kind == "total":
        assert result.exit_code == 0, err
        assert Decimal(json.loads(result.stdout)["total"]) == expect
    else:
        assert result.exit_code == 2, (result.exit_code, result.stdout[-300:])
        assert len(err.splitlines()) == 1, err
        assert any(name in err for name in expect) and "part-" in err, err
