"""A settings file that is not one (``/dev/zero``, a FIFO, a directory, a huge or binary file) or is
malformed (rules, account map, price table, profiles listing, toml config) is refused with one line naming
the file and what it was read as, and exit 2: never an "internal error", a hang or memory exhausted. A
config file named by CUR_ANALYZER_CONFIG must exist."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hostile_settings_helpers import (
    BINARY,
    EXAMPLE_ACCOUNTS,
    EXAMPLE_RULES,
    TEAM_RULES,
    chargeback,
    estimate,
    own_working_folder,
    refused,
)


@pytest.fixture
def here(tmp_path, monkeypatch):
    return own_working_folder(tmp_path, monkeypatch)


# --- what is not a regular file, or too big -------------------------------------------------------------
def test_an_account_map_that_is_dev_zero_is_refused(here):
    (here / "cur-analyzer.rules.yaml").write_text(
        "dimensions:\n  team:\n    sources:\n      - {source: account_map, file: /dev/zero}\n"
    )
    refused(chargeback("--by", "team"), "/dev/zero", "character device", "account map", "rules.yaml:4:")


def test_a_price_table_that_is_dev_zero_is_refused(here):
    refused(estimate("--prices", "/dev/zero"), "/dev/zero", "not a regular file", "--prices")


def test_a_profiles_listing_that_is_dev_zero_is_refused(here):
    refused(estimate("--profiles", "/dev/zero"), "/dev/zero", "not a regular file", "profiles")


def test_rules_dev_zero_in_the_toml_is_refused(here):
    (here / "cur-analyzer.toml").write_text('rules = "/dev/zero"\n')
    refused(chargeback(), "/dev/zero", "rules file")


def test_prices_dev_zero_in_the_toml_is_refused(here):
    (here / "cur-analyzer.toml").write_text('prices = "/dev/zero"\n')
    refused(estimate(), "/dev/zero", "prices setting")


@pytest.mark.parametrize("kind", ["link to /dev/zero", "FIFO", "directory", "dangling link"])
def test_a_rules_file_picked_up_from_the_working_folder_must_be_a_regular_file(here, kind):
    target = here / "cur-analyzer.rules.yaml"
    if kind == "link to /dev/zero":
        target.symlink_to("/dev/zero")
    elif kind == "FIFO":
        os.mkfifo(target)
    elif kind == "directory":
        target.mkdir()
    else:
        target.symlink_to(here / "gone.yaml")
    refused(chargeback(), "cur-analyzer.rules.yaml", "(rules file)")


@pytest.mark.parametrize("kind", ["link to /dev/zero", "FIFO", "directory"])
def test_a_toml_in_the_working_folder_must_be_a_regular_file(here, kind):
    target = here / "cur-analyzer.toml"
    if kind == "link to /dev/zero":
        target.symlink_to("/dev/zero")
    elif kind == "FIFO":
        os.mkfifo(target)
    else:
        target.mkdir()
    refused(chargeback(), "cur-analyzer.toml", "(config file)")


def test_a_rules_file_over_1_mib_is_refused(here):
    (here / "cur-analyzer.rules.yaml").write_text(TEAM_RULES + ("# padding\n" * 110_000))
    refused(chargeback(), "cur-analyzer.rules.yaml", "over the 1.0 MiB")


# --- CUR_ANALYZER_CONFIG -----------------------------------------------------------------------------------
def test_a_config_file_named_by_the_environment_must_exist(here, monkeypatch):
    monkeypatch.setenv("CUR_ANALYZER_CONFIG", str(here / "typo.toml"))
    refused(chargeback(), "typo.toml", "does not exist", "CUR_ANALYZER_CONFIG")


def test_a_config_file_named_by_the_environment_that_is_dev_zero_is_refused(here, monkeypatch):
    monkeypatch.setenv("CUR_ANALYZER_CONFIG", "/dev/zero")
    refused(chargeback(), "/dev/zero", "CUR_ANALYZER_CONFIG")


def test_without_any_config_file_the_defaults_hold(here):
    assert chargeback().exit_code == 0


# --- binary and malformed files ---------------------------------------------------------------------------
def _binary(here: Path, name: str) -> Path:
    path = here / name
    path.write_bytes(BINARY)
    return path


@pytest.mark.parametrize("setting", ["rules", "account map", "prices", "profiles", "toml", "env toml"])
def test_a_binary_settings_file_is_not_a_text_file(here, monkeypatch, setting):
    if setting == "rules":
        result = chargeback("--rules", str(_binary(here, "r.yaml")))
    elif setting == "account map":
        _binary(here, "accounts.csv")
        (here / "r.yaml").write_text(
            "dimensions:\n  team:\n    sources:\n      - {source: account_map, file: accounts.csv}\n"
        )
        result = chargeback("--rules", "r.yaml", "--by", "team")
    elif setting == "prices":
        result = estimate("--prices", str(_binary(here, "p.csv")))
    elif setting == "profiles":
        result = estimate("--profiles", str(_binary(here, "p.json")))
    elif setting == "toml":
        _binary(here, "cur-analyzer.toml")
        result = chargeback()
    else:
        monkeypatch.setenv("CUR_ANALYZER_CONFIG", str(_binary(here, "other.toml")))
        result = chargeback()
    refused(result, "is not a text file")


def test_latin_1_text_is_not_a_text_file_either(here):
    (here / "cur-analyzer.rules.yaml").write_bytes(TEAM_RULES.encode() + "# équipe\n".encode("latin-1"))
    refused(
        chargeback(), f"cur-analyzer.rules.yaml is not a text file: byte {len(TEAM_RULES) + 3} is not UTF-8"
    )


MALFORMED = {
    "rules: broken YAML": (
        "cur-analyzer.rules.yaml",
        "dimensions:\n  team: [\n",
        "cur-analyzer.rules.yaml:3:1:",
    ),
    "rules: [ nested a million deep": (
        "cur-analyzer.rules.yaml",
        "[" * 1_000_000,
        "rules.yaml:1:65: not valid",
    ),
    "rules: keys nested 1400 deep": (
        "cur-analyzer.rules.yaml",
        "".join(" " * i + "a:\n" for i in range(1400)),
        "nested too deeply",
    ),
    "rules: a tab and a NUL escape": (
        "cur-analyzer.rules.yaml",
        'a: "\\0"\n\tb: 1\n',
        "cur-analyzer.rules.yaml:2:1:",
    ),
    "toml: bad syntax": (
        "cur-analyzer.toml",
        'engine = "duckdb"\nrules = \n',
        "cur-analyzer.toml:2:9: not valid TOML",
    ),
    "toml: a key twice": ("cur-analyzer.toml", 'engine = "duckdb"\nengine = "athena"\n', "cur-analyzer.toml"),
    "toml: nested 5000 deep": ("cur-analyzer.toml", "a = " + "[" * 5000, "cur-analyzer.toml"),
}


@pytest.mark.parametrize("case", MALFORMED)
def test_a_malformed_rules_or_toml_file_names_the_file_and_line(here, case):
    name, text, fragment = MALFORMED[case]
    (here / name).write_text(text)
    refused(chargeback(), fragment)


ACCOUNT_MAPS = {
    "no header": ("123456789012,ml\n", "accounts.csv:1:"),
    "a field over the csv limit": ("account_id,value\n123456789012," + "x" * 200_000 + "\n", "accounts.csv"),
    "a bad account id": ("account_id,value\n1234,ml\n", "accounts.csv:2:"),
}


@pytest.mark.parametrize("case", ACCOUNT_MAPS)
def test_a_malformed_account_map_names_the_file(here, case):
    text, fragment = ACCOUNT_MAPS[case]
    (here / "accounts.csv").write_text(text)
    (here / "cur-analyzer.rules.yaml").write_text(
        "dimensions:\n  team:\n    sources:\n      - {source: account_map, file: accounts.csv}\n"
    )
    refused(chargeback("--by", "team"), fragment)


HEADER = "price_key,region,meter,tier,scope,usd_per_1m,source,effective_date\n"
PRICE_TABLES = {
    "empty": ("", "p.csv:1:", "not a cur-analyzer price table"),
    "a version word at a line end": (
        "# my version\n" + HEADER + "nova-pro,*,input,standard,*,abc,x,2026-01-01\n",
        "p.csv:3:",
        "'abc' is not a number",
    ),
    "NaN": (HEADER + "nova-pro,*,input,standard,*,NaN,x,2026-01-01\n", "p.csv:2:", "is not a price"),
    "infinite": (
        HEADER + "nova-pro,*,input,standard,*,-Infinity,x,2026-01-01\n",
        "p.csv:2:",
        "is not a price",
    ),
    "negative": (HEADER + "nova-pro,*,input,standard,*,-1,x,2026-01-01\n", "p.csv:2:", "is not a price"),
    "beyond DECIMAL(38,10)": (
        HEADER + "nova-pro,*,input,standard,*,1e999999999,x,2026-01-01\n",
        "p.csv:2:",
        "is not a price",
    ),
    "a short row": (HEADER + "nova-pro,*,input\n", "p.csv:2:", "expected 8 columns"),
    "a long row": (
        HEADER + "nova-pro,*,input,standard,*,1,x,2026-01-01,extra\n",
        "p.csv:2:",
        "expected 8 columns",
    ),
    "a field over the csv limit": (HEADER + "x" * 200_000 + "\n", "p.csv", "not a CSV price table"),
}


@pytest.mark.parametrize("case", PRICE_TABLES)
def test_a_malformed_price_table_names_the_file_and_line(here, case):
    text, *fragments = PRICE_TABLES[case]
    (here / "p.csv").write_text(text)
    refused(estimate("--prices", "p.csv"), *fragments)


PROFILE_LISTINGS = {
    "bad JSON": ('{"inferenceProfileSummaries": [\n  {"x": 1,}\n]}', "p.json:2:11: not valid JSON"),
    "nested 100000 deep": ("[" * 100_000, "p.json"),
    "a list": ("[1, 2]", "expected a JSON object"),
    "summaries not a list": ('{"inferenceProfileSummaries": 3}', "is not a list"),
    "a summary without an ARN": ('{"inferenceProfileSummaries": ["arn"]}', "[0] has no inferenceProfileArn"),
    "an ARN that is a list": ('{"inferenceProfileSummaries": [{"inferenceProfileArn": []}]}', "[0] has no"),
    "models not objects": (
        '{"inferenceProfileSummaries": [{"inferenceProfileArn": "a", "models": ["m"]}]}',
        "[0].models is not a list",
    ),
    "a huge integer": ('{"n": ' + "9" * 5000 + "}", "p.json"),
}


@pytest.mark.parametrize("case", PROFILE_LISTINGS)
def test_a_malformed_profiles_listing_names_the_file(here, case):
    text, fragment = PROFILE_LISTINGS[case]
    (here / "p.json").write_text(text)
    refused(estimate("--profiles", "p.json"), fragment, "list-inference-profiles")


def test_the_example_rules_file_still_loads(here):
    (here / "cur-analyzer.rules.yaml").write_text(EXAMPLE_RULES)
    (here / "accounts.csv").write_text(EXAMPLE_ACCOUNTS)
    result = chargeback("--by", "team", "-f", "csv")
    assert result.exit_code == 0, result.stderr
    assert "account_map" in result.stdout
