"""Is the tagging itself healthy? The same key spelled several ways, values outside the allowed list and
empty values are each found, and clean tags report nothing."""

from __future__ import annotations

from decimal import Decimal

from cur_analyzer.engines.duckdb import DuckDBEngine
from cur_analyzer.reports.coverage import build_coverage, normalise_key
from cur_analyzer.rules import load_rules

ALICE = "arn:aws:iam::111122223333:user/alice"


def line(cost, tags=None, rtags=None, principal=ALICE):
    return {
        "line_item_line_item_type": "Usage",
        "line_item_product_code": "AmazonBedrock",
        "line_item_usage_type": "USE1-NovaPro-input-tokens",
        "line_item_unblended_cost": Decimal(cost),
        "line_item_iam_principal": principal,
        "tags": tags or {},
        "resource_tags": rtags or {},
    }


def problems(cov, kind):
    return {
        (p.key, p.source, p.spelling, p.value): (p.cost, p.lines) for p in cov.hygiene if p.problem == kind
    }


def test_keys_compare_lower_case_without_dashes_underscores_and_spaces():
    assert (
        normalise_key("Cost-Center")
        == normalise_key("costCenter")
        == normalise_key("cost_center")
        == "costcenter"
    )
    assert normalise_key("TEAM") == normalise_key("team ") == "team"


def test_the_same_key_spelled_several_ways_is_reported_with_its_spend(make_cur):
    export = make_cur(
        [
            line("1", tags={"iamPrincipal/team": "ml"}),
            line("2", tags={"iamPrincipal/Team": "ml"}),
            # resourceTags/TEAM arrives in resource_tags as its normalised twin user_team: not a spelling
            line("4", tags={"resourceTags/TEAM": "web"}, rtags={"user_team": "web"}),
            # a clean resource tag cost-center and its twin
            line("8", tags={"resourceTags/cost-center": "CC-1"}, rtags={"user_cost_center": "CC-1"}),
            # costCenter seen only in the legacy map (user_costcenter): a second spelling of cost-center
            line("16", rtags={"user_costcenter": "CC-2"}),
            # an unrequired key written two ways is reported too
            line("32", tags={"iamPrincipal/project": "a", "accountTag/Project": "b"}),
        ]
    )
    cov = build_coverage(DuckDBEngine(export), "2026-10", ["team", "cost-center"])
    assert problems(cov, "spelling") == {
        ("team", "tags", "iamPrincipal/Team", None): (Decimal(2), 1),
        ("team", "tags", "resourceTags/TEAM", None): (Decimal(4), 1),
        ("cost-center", "resource_tags", "resource_tags:user_costcenter", None): (Decimal(16), 1),
        ("project", "tags", "accountTag/Project", None): (Decimal(32), 1),
    }


def test_values_outside_the_allowed_list_are_reported_per_source(make_cur, tmp_path):
    rules_file = tmp_path / "rules.yaml"
    rules_file.write_text(
        "dimensions:\n  team:\n    sources:\n      - {source: principal_tag, key: team}\n"
        "      - {source: aip_tag, key: team}\n    allowed: [ml, web]\n"
    )
    export = make_cur(
        [
            line("1", tags={"iamPrincipal/team": "ml"}),
            line("2", tags={"iamPrincipal/team": "marketing"}),
            line("4", tags={"resourceTags/team": "Web"}, rtags={"user_team": "Web"}),
        ]
    )
    cov = build_coverage(DuckDBEngine(export), "2026-10", ["team"], rules=load_rules(rules_file))
    assert problems(cov, "not-allowed") == {
        ("team", "principal", None, "marketing"): (Decimal(2), 1),
        ("team", "resource", None, "Web"): (Decimal(4), 1),
        # the rules dimension resolves to the same values, so it is not allowed either
        ("team", "rules", None, "marketing"): (Decimal(2), 1),
        ("team", "rules", None, "Web"): (Decimal(4), 1),
    }


def test_empty_values_are_reported_and_do_not_count_as_tagged(make_cur):
    export = make_cur(
        [
            line("1", tags={"iamPrincipal/team": ""}),
            line("2", tags={"accountTag/team": ""}),
            line("4", tags={"resourceTags/team": ""}, rtags={"user_team": ""}),
            line("8", tags={"iamPrincipal/team": "ml"}),
        ]
    )
    cov = build_coverage(DuckDBEngine(export), "2026-10", ["team"])
    assert problems(cov, "empty-value") == {
        ("team", "principal", None, None): (Decimal(1), 1),
        ("team", "account", None, None): (Decimal(2), 1),
        ("team", "resource", None, None): (Decimal(4), 1),
    }
    (overall,) = [r for r in cov.totals() if r.source == "any"]
    assert (overall.tagged, overall.total) == (Decimal(8), Decimal(15))


def test_clean_tags_have_no_hygiene_problem(make_cur, demo_engine):
    export = make_cur(
        [
            line("1", tags={"iamPrincipal/team": "ml", "resourceTags/team": "ml"}, rtags={"user_team": "ml"}),
            line("2", tags={"iamPrincipal/cost-center": "CC-1"}),
        ]
    )
    assert build_coverage(DuckDBEngine(export), "2026-10", ["team", "cost-center"]).hygiene == []
    assert build_coverage(demo_engine, "2026-10", ["team", "cost-center"], service="all").hygiene == []
