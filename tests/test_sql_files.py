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
    assert "attribution_lines" in SQL_FILES


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
    text = sql.for_athena("attribution_lines", {"cur2": ("finops", "cur2_export")})
    assert '"finops"."cur2_export"' in text
    assert "?" in text  # parameters stay parameters


def test_athena_sql_generation_rejects_an_unsafe_table_name():
    from cur_analyzer.errors import UserInputError

    with pytest.raises(UserInputError):
        sql.for_athena("attribution_lines", {"cur2": ("finops", "cur2; DROP TABLE x")})


def test_duckdb_sql_generation_turns_element_at_into_map_lookup_and_if_into_case():
    text = sql.for_duckdb("attribution_lines")
    assert "element_at" not in text.lower()
    assert "CASE WHEN ? THEN" in text


FRAGMENTS = sql.available_fragments()


def _raw(name: str) -> str:
    from cur_analyzer.resources import resource_dir

    return (resource_dir("athena") / f"{name}.sql").read_text()


def _normalised(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("fragment", FRAGMENTS)
def test_a_rule_written_in_a_fragment_is_spelled_in_no_query(fragment):
    """One home per rule: the cost bases, the Bedrock scope, the resource kind, the tag lookup, the invoice
    rule and the log record rule are each written once, in athena/fragments/, and every query names them
    (itself or through another fragment: the tag lookup through the tag slots)."""
    body = _normalised(sql.fragment(fragment).text)
    names = [*SQL_FILES, *(f"{sql.FRAGMENTS}/{f}" for f in FRAGMENTS if f != fragment)]
    users = [name for name in names if "{{ " + fragment in _raw(name)]
    assert users, f"fragments/{fragment}.sql is named by no query"
    for name in SQL_FILES:
        assert body not in _normalised(_raw(name)), f"{name}.sql spells fragments/{fragment}.sql again"


@pytest.mark.parametrize("fragment", FRAGMENTS)
def test_every_fragment_is_one_athena_expression_or_a_list_of_columns(fragment):
    frag = sql.fragment(fragment)
    if frag.columns:  # composed in as SELECT columns: each one named (a bare column by its own name)
        columns = sqlglot.parse_one(f"SELECT {sql.load_fragment_text(fragment)}", read="athena").expressions
        assert columns and all(c.alias or isinstance(c, exp.Column) for c in columns), fragment
        return
    tree = sqlglot.parse_one(frag.text.replace("?", "NULL"), read="athena")
    assert isinstance(tree, exp.Expression) and not isinstance(tree, exp.Query)


def test_the_cost_basis_and_bedrock_scope_reach_every_report_that_sums_money():
    for name in ("attribution_lines", "tag_coverage", "focus_lines"):
        assert "{{ cost" in _raw(name), name
    for name in ("attribution_lines", "tag_coverage", "reconcile"):
        assert "{{ in_bedrock_scope }}" in _raw(name), name


def test_a_fragment_binds_its_parameters_under_the_names_the_query_gives():
    q = sql.load("focus_lines")
    assert q.params[0] == "effective_cost_basis"  # cost(effective_cost_basis) comes first in the SELECT
    # tag_value asks whether each key is NULL before it looks it up: each name binds two ?
    assert [p for p in q.params if p.startswith("slot1")] == ["slot1_tags_key"] * 2 + [
        "slot1_resource_key"
    ] * 2
    assert q.params[-1] == "month"


def test_the_paste_ready_query_quotes_every_value_as_a_literal():
    values = dict.fromkeys(sql.load("tag_coverage").params, None) | {
        "tag_keys": ["o'brien", "team"],
        "cost_basis": "unblended",
        "month": "2026-10",
        "service": "bedrock",
    }
    text = sql.literal_sql("tag_coverage", values)
    assert "?" not in text.replace("'?'", "")
    assert "ARRAY['o''brien', 'team']" in text
    tree = sqlglot.parse_one(text, read="athena")
    assert not list(tree.find_all(exp.Placeholder))
