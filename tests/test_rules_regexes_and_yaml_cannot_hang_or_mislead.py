"""A rules file runs safely whatever it holds: its regexes match in linear time against any principal
ARN (RE2), a YAML key given twice is an error at file:line:col, aliases cannot expand without end, and
any text or bytes either load or fail as one line and exit 2."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal

import pytest
from hostile_settings_helpers import (
    EXAMPLE_ACCOUNTS,
    EXAMPLE_RULES,
    TEAM_RULES,
    bounded,
    chargeback,
    own_working_folder,
    pattern_rules,
    refused,
)


@pytest.fixture
def here(tmp_path, monkeypatch):
    return own_working_folder(tmp_path, monkeypatch)


# --- regexes and globs run in linear time ----------------------------------------------------------------
def test_a_catastrophic_regex_against_a_10000_character_arn_finishes(make_cur, tmp_path):
    """``(a+)+$`` takes exponential time in a backtracking engine; rules regexes are RE2. Run in a child
    process: without the fix this would not finish, and the timeout turns that into a failure."""
    arn = "arn:aws:sts::111122223333:assumed-role/" + "a" * 10_000 + "!"
    export = make_cur(
        [
            {
                "line_item_line_item_type": "Usage",
                "line_item_product_code": "AmazonBedrock",
                "line_item_usage_type": "USE1-NovaPro-input-tokens",
                "line_item_unblended_cost": Decimal("1.25"),
                "line_item_iam_principal": arn,
            }
        ]
    )
    rules = tmp_path / "hostile.rules.yaml"
    rules.write_text(
        pattern_rules(
            "{regex: '(a+)+$', value: never}",
            "{regex: '(a|aa)+(a|aa)+b', value: never}",
            "{pattern: '" + "*a" * 40 + "*b', value: never}",
            "{regex: 'a{5}!$', value: caught}",
        )
    )
    args = ["chargeback", "--month", "2026-10", "--cur", str(export), "--by", "team", "--rules", str(rules)]
    proc = subprocess.run(
        [sys.executable, "-c", "from cur_analyzer.cli import app; app()", *args, "-f", "csv"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert "caught" in proc.stdout and "never" not in proc.stdout


@pytest.mark.parametrize(
    ("regex", "column"),
    [
        (r"'(a)\1'", 13),
        ("'user/(?=admin)'", 13),
        ("'(?<!x)role'", 13),
        ("'(?P<n>a)(?P=n)'", 13),
        ('"\\ud800"', 13),
    ],
)
def test_a_regex_rules_cannot_run_in_linear_time_is_refused_at_its_line(here, regex, column):
    (here / "cur-analyzer.rules.yaml").write_text(
        pattern_rules("{pattern: 'user/*', value: a}", f"{{regex: {regex}, value: b}}")
    )
    refused(chargeback("--by", "team"), f"cur-analyzer.rules.yaml:7:{column}:", "does not compile", "RE2")


def test_a_key_given_twice_is_an_error_at_its_second_line_and_column(here):
    (here / "cur-analyzer.rules.yaml").write_text(
        TEAM_RULES + "  team:\n    sources:\n      - {source: account_tag, key: team}\n"
    )
    refused(chargeback(), "cur-analyzer.rules.yaml:5:3:", "'team' is given twice", "first at line 2")


def test_a_key_given_twice_deep_inside_is_an_error_too(here):
    text = EXAMPLE_RULES.replace("  model_share_pct: 60", "  model_share_pct: 60\n  model_share_pct: 90")
    (here / "cur-analyzer.rules.yaml").write_text(text)
    (here / "accounts.csv").write_text(EXAMPLE_ACCOUNTS)
    line = next(n for n, t in enumerate(text.splitlines(), 1) if t.startswith("  model_share_pct: 90"))
    refused(chargeback(), f"cur-analyzer.rules.yaml:{line}:3:", "'model_share_pct' is given twice")


def test_a_merge_key_overridden_by_an_explicit_key_is_not_a_duplicate(here):
    (here / "cur-analyzer.rules.yaml").write_text(
        "dimensions:\n  team:\n    sources:\n"
        "      - &src {source: principal_tag, key: team}\n"
        "      - {<<: *src, key: cost-center}\n"
    )
    from cur_analyzer.rules import load_rules

    sources = load_rules(here / "cur-analyzer.rules.yaml").dimensions["team"].sources
    assert [s.via for s in sources] == ["principal_tag:team", "principal_tag:cost-center"]


def test_aliases_that_expand_to_a_billion_values_are_refused(here):
    levels = ["a: &a [x, x, x, x, x, x, x, x, x, x]"] + [
        f"{b}: &{b} [{', '.join([f'*{a}'] * 10)}]" for a, b in zip("abcdefg", "bcdefgh", strict=True)
    ]
    (here / "cur-analyzer.rules.yaml").write_text("x-laughs:\n" + "".join(f"  {line}\n" for line in levels))
    refused(chargeback(), "cur-analyzer.rules.yaml:", "aliases expand")


# --- a property: whatever the rules file holds, one line and exit 2, or it loads ---------------------------
SCHEMA_WORDS = [
    "version", "dimensions", "team", "sources", "source", "key", "aip_tag", "principal_tag", "account_tag",
    "resource_tag", "account_map", "file", "accounts", "principal_pattern", "patterns", "pattern", "regex",
    "value", "allowed", "description", "shared_costs", "dimension", "pool", "method", "to", "percentages",
    "proportional", "even", "fixed", "Unallocated", "Tax", "product_code", "line_item_type", "budgets",
    "currency", "amounts", "alerts", "spender_dimensions", "trailing_days", "model_share_pct", "principal",
]  # fmt: skip
#: A small rules file touching every section: the mutated example (a small one parses fast).
MUTATION_BASE = """dimensions:
  team:
    sources:
      - {source: aip_tag, key: team}
      - {source: account_map, file: accounts.csv}
      - source: principal_pattern
        patterns: [{pattern: "assumed-role/X/*", value: platform}, {regex: "user/.+", value: web}]
    allowed: [platform, web, ml-platform, finance]
shared_costs:
  - {dimension: team, pool: Tax, method: fixed, percentages: {platform: 50, web: 50}}
budgets: [{dimension: team, amounts: {web: 10}}]
alerts: {spender_dimensions: [principal, team], trailing_days: 7}
"""
YAMLISH = " \n\t:-[]{},'\"&*!|>#?%@`\\0aZé🙂"


def _structures():
    from hypothesis import strategies as st

    scalars = st.one_of(
        st.sampled_from(SCHEMA_WORDS),
        st.text(max_size=12),
        st.integers(),
        st.floats(),
        st.booleans(),
        st.none(),
        st.sampled_from(["(a+)+$", "(a)\\1", "*", "[", "accounts.csv", "/dev/zero", "111122223333"]),
    )
    return st.recursive(
        scalars,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4),
            st.dictionaries(st.one_of(st.sampled_from(SCHEMA_WORDS), st.text(max_size=6)), inner, max_size=4),
        ),
        max_leaves=25,
    )


def _rules_texts():
    import yaml
    from hypothesis import strategies as st

    @st.composite
    def mutated_example(draw):
        start = draw(st.integers(0, len(MUTATION_BASE)))
        end = draw(st.integers(start, min(len(MUTATION_BASE), start + 40)))
        middle = draw(st.text(alphabet=YAMLISH, max_size=20))
        return (MUTATION_BASE[:start] + middle + MUTATION_BASE[end:]).encode()

    return st.one_of(
        st.binary(max_size=400),
        st.text(alphabet=YAMLISH + "abcdefgh", max_size=200).map(str.encode),
        mutated_example(),
        _structures().map(lambda tree: yaml.safe_dump(tree, allow_unicode=True).encode()),
    )


def test_whatever_the_rules_file_holds_it_loads_or_is_one_line_and_exit_2(here):
    """Hostile rules text (random bytes, YAML-ish text, a small rules file with a random slice replaced,
    random YAML over the schema's own words), picked up from the working folder as the CLI does, either
    loads or fails with what the CLI prints as one line and exit 2, naming the file; never exit 3. (The
    loader is called directly, through the CLI's own error mapping: a CLI run per example is too slow.)"""
    from hypothesis import HealthCheck, given, settings

    from cur_analyzer.errors import exit_code_for
    from cur_analyzer.rules import Rules, find_rules

    (here / "accounts.csv").write_text(EXAMPLE_ACCOUNTS)
    rules = here / "cur-analyzer.rules.yaml"

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(_rules_texts())
    def check(content: bytes) -> None:
        rules.write_bytes(content)
        try:
            with bounded(seconds=30):
                loaded = find_rules()
        except Exception as e:  # noqa: BLE001 - what the CLI would do with any error is the point
            code, line = exit_code_for(e)
            assert code == 2, line
            assert len(line.splitlines()) == 1 and "cur-analyzer.rules.yaml" in line, line
        else:
            assert isinstance(loaded, Rules)

    check()


def test_the_mutation_base_is_a_valid_rules_file(here):
    from cur_analyzer.rules import load_rules

    (here / "accounts.csv").write_text(EXAMPLE_ACCOUNTS)
    (here / "r.yaml").write_text(MUTATION_BASE)
    assert set(load_rules(here / "r.yaml").dimensions) == {"team"}
