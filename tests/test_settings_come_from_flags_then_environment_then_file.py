"""Settings: a flag beats an environment variable, which beats the config file; a bad value or a key that
is no setting is one line naming it; and a run that sets nothing needs no validation at all."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cur_analyzer.choices import EngineName
from cur_analyzer.config import Settings, load_settings
from cur_analyzer.errors import UserInputError


@pytest.fixture
def here(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in [n for n in __import__("os").environ if n.upper().startswith("CUR_ANALYZER_")]:
        monkeypatch.delenv(name)
    return tmp_path


def test_a_flag_beats_the_environment_which_beats_the_file(here, monkeypatch):
    (here / "cur-analyzer.toml").write_text('engine = "athena"\nworkgroup = "from-file"\ncur = "file/cur"\n')
    monkeypatch.setenv("CUR_ANALYZER_WORKGROUP", "from-env")
    monkeypatch.setenv("cur_analyzer_table", "cur2_from_env")  # shells differ in case: either is read
    settings = load_settings(engine=EngineName.DUCKDB)
    assert settings.engine is EngineName.DUCKDB
    assert (settings.workgroup, settings.table, settings.cur) == (
        "from-env",
        "cur2_from_env",
        Path("file/cur"),
    )


def test_nothing_set_gives_the_defaults(here):
    assert load_settings() == Settings()


@pytest.mark.parametrize(
    ("toml", "env", "said"),
    [
        ("foo = 1\n", {}, "configuration: foo: not a setting"),
        ('engine = "spark"\n', {}, "configuration: engine: Input should be 'duckdb' or 'athena'"),
        ("", {"CUR_ANALYZER_DATABASE": "Finance-DB"}, "configuration: database: must be lower-case letters"),
        (
            "",
            {"CUR_ANALYZER_MAX_CACHE_SECONDS": "soon"},
            "configuration: max_cache_seconds: Input should be a",
        ),
    ],
    ids=["unknown key", "bad engine", "bad database name", "bad number"],
)
def test_a_bad_setting_is_one_line_naming_it(here, monkeypatch, toml, env, said):
    if toml:
        (here / "cur-analyzer.toml").write_text(toml)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(UserInputError) as refused:
        load_settings()
    assert str(refused.value).startswith(said)
    assert "\n" not in str(refused.value)


def test_a_run_that_sets_nothing_never_loads_pydantic(here):
    probe = "import sys; from cur_analyzer.config import load_settings; load_settings(); print('pydantic' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=here)
    assert done.stdout.strip() == "False"
