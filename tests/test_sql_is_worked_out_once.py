"""What sqlglot says about a SQL file is worked out once and kept: a later run reads the answer, a changed
file gets a new one, and a damaged or unwritable cache costs speed, never a wrong answer."""

from __future__ import annotations

import os

import pytest

from cur_analyzer import sql, sql_cache


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv(sql_cache.CACHE_DIR_ENV, str(tmp_path / "sql"))
    return tmp_path / "sql"


def test_an_answer_is_worked_out_once_and_then_read(cache_dir):
    asked: list[str] = []
    first = sql_cache.remembered("duckdb", "SELECT 1", lambda: asked.append("x") or "SELECT 1 -- duckdb")
    again = sql_cache.remembered("duckdb", "SELECT 1", lambda: asked.append("x") or "something else")
    assert first == again == "SELECT 1 -- duckdb"
    assert asked == ["x"]
    assert len(list(cache_dir.glob("duckdb-*.json"))) == 1


def test_a_changed_file_is_a_new_question_never_a_stale_answer(cache_dir):
    sql_cache.remembered("tables", "SELECT * FROM cur2", lambda: ["cur2"])
    assert sql_cache.remembered("tables", "SELECT * FROM invocation_logs", lambda: ["invocation_logs"]) == [
        "invocation_logs"
    ]


def test_a_damaged_entry_is_worked_out_again_and_rewritten(cache_dir):
    sql_cache.remembered("duckdb", "SELECT 2", lambda: "good")
    (entry,) = cache_dir.glob("duckdb-*.json")
    for damage in ("{not json", '{"key": "another", "value": "wrong"}', "[]", ""):
        entry.write_text(damage)
        assert sql_cache.remembered("duckdb", "SELECT 2", lambda: "good") == "good"
    assert "good" in entry.read_text()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder")
def test_a_cache_folder_that_cannot_be_written_still_gives_the_answer(tmp_path, monkeypatch):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    monkeypatch.setenv(sql_cache.CACHE_DIR_ENV, str(locked / "sql"))
    try:
        assert sql_cache.remembered("duckdb", "SELECT 3", lambda: "answer") == "answer"
    finally:
        locked.chmod(0o700)


def test_a_cache_folder_that_is_a_file_still_gives_the_answer(tmp_path, monkeypatch):
    (tmp_path / "a-file").write_text("")
    monkeypatch.setenv(sql_cache.CACHE_DIR_ENV, str(tmp_path / "a-file"))
    assert sql_cache.remembered("duckdb", "SELECT 4", lambda: "answer") == "answer"


def test_every_query_read_back_from_the_cache_is_what_sqlglot_says(cache_dir):
    for name in sql.available():
        worked_out = sql.transpiled_to_duckdb(sql.load(name).text)
        assert sql.for_duckdb.__wrapped__(name) == worked_out  # worked out, and kept
        assert sql.for_duckdb.__wrapped__(name) == worked_out  # read back
    assert len(list(cache_dir.glob("duckdb-*.json"))) == len(sql.available())
