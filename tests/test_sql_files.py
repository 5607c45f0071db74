"""Every file in athena/ is plain Athena SQL a user can paste into the console, and it only names real
CUR 2.0 columns: parse it as Athena, resolve every column against schema.py, check the cost guards."""

from __future__ import annotations

import pytest
import sqlglot
from sqlglot import exp
from sqlglot.optimizer.qualify import qualify

from cur_analyzer import schema, sql

SQL_FILES = sql.available()


def _athena_schema() -> dict:
    cur = {c.name: c.type for c in schema.CUR_COLUMNS} | {schema.PARTITION_COLUMN.name: "string"}
    logs = {c.name: c.type for c in schema.LOG_TABLE_COLUMNS} | {"dt": "string"}
    return {schema.CUR_TABLE: cur, schema.LOGS_TABLE: logs}


def test_the_sql_folder_is_not_empty():
    assert "chargeback" in SQL_FILES


@pytest.mark.parametrize("name", SQL_FILES)
def test_every_sql_file_parses_as_athena_and_resolves_every_column_against_schema(name):
    tree = sqlglot.parse_one(sql.load(name).text, read="athena")
    qualify(tree, schema=_athena_schema(), dialect="athena", validate_qualify_columns=True)


@pytest.mark.parametrize("name", SQL_FILES)
def test_every_sql_file_declares_exactly_its_placeholders(name):
    q = sql.load(name)
    assert len(q.params) == sql.placeholder_count(q.text), f"{name}.sql: -- params header vs ? count"


@pytest.mark.parametrize("name", SQL_FILES)
def test_every_cur_query_filters_on_billing_period_and_names_its_columns(name):
    tree = sqlglot.parse_one(sql.load(name).text, read="athena")
    assert not any(isinstance(s, exp.Star) for sel in tree.find_all(exp.Select) for s in sel.expressions), (
        f"{name}.sql uses SELECT *: Athena bills every column it reads"
    )
    if schema.CUR_TABLE in {t.name for t in tree.find_all(exp.Table)}:
        where_columns = {c.name for w in tree.find_all(exp.Where) for c in w.find_all(exp.Column)}
        assert "billing_period" in where_columns, (
            f"{name}.sql reads the CUR without a billing_period predicate"
        )


@pytest.mark.parametrize("name", SQL_FILES)
def test_every_sql_file_transpiles_to_duckdb(name):
    assert sql.for_duckdb(name).strip()


def test_athena_sql_generation_quotes_and_validates_the_glue_names():
    text = sql.for_athena("chargeback", {"cur2": ("finops", "cur2_export")})
    assert '"finops"."cur2_export"' in text
    assert "?" in text  # parameters stay parameters


def test_athena_sql_generation_rejects_an_unsafe_table_name():
    from cur_analyzer.errors import UserInputError

    with pytest.raises(UserInputError):
        sql.for_athena("chargeback", {"cur2": ("finops", "cur2; DROP TABLE x")})


def test_duckdb_sql_generation_turns_element_at_into_map_lookup_and_if_into_case():
    text = sql.for_duckdb("chargeback")
    assert "element_at" not in text.lower()
    assert "CASE WHEN ? THEN" in text


def _cost_basis_cases(name: str) -> list[str]:
    tree = sqlglot.parse_one(sql.load(name).text, read="athena")
    return [c.sql(dialect="athena") for c in tree.find_all(exp.Case) if isinstance(c.this, exp.Placeholder)]


def test_the_cost_basis_rule_is_spelled_the_same_in_every_sql_file():
    """Each file must stay pasteable on its own, so the cost-basis CASE is repeated; this keeps the copies
    identical (chargeback.sql is the reference)."""
    reference = _cost_basis_cases("chargeback")
    assert len(reference) == 1
    users = [name for name in SQL_FILES if _cost_basis_cases(name)]
    assert {"chargeback", "attribution_lines", "tag_coverage"} <= set(users)
    for name in users:
        assert _cost_basis_cases(name) == reference, (
            f"{name}.sql: cost-basis CASE differs from chargeback.sql"
        )
