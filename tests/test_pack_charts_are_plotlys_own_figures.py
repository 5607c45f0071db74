"""The pack's charts are written as the JSON plotly.js reads, without plotly's Python modules (building
plotly's Figure objects took most of the page's rendering): each is the very figure plotly itself gives
for it, and rendering the page imports no plotly module."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import plotly.graph_objects as go
import pytest

from cur_analyzer import Analyzer
from cur_analyzer.bedrock.models import ProfileMap
from cur_analyzer.engines.duckdb import DuckDBEngine
from cur_analyzer.render._charts import chart
from cur_analyzer.reports.monthly import views
from cur_analyzer.rules import load_rules

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "fixtures" / "demo"
RULES = ROOT / "examples" / "cur-analyzer.rules.yaml"
GENERATED = dt.datetime(2026, 12, 5, 9, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("month", "logs", "rules"),
    [("2026-11", True, True), ("2026-10", False, False)],
    ids=["november-logs-rules", "october-bare"],
)
def test_every_chart_of_the_pack_is_the_figure_plotly_gives_for_it(month, logs, rules):
    engine = DuckDBEngine(DEMO / "cur2-bedrock", logs=DEMO / "logs" if logs else None)
    analyzer = Analyzer(
        engine=engine,
        rules=load_rules(RULES) if rules else None,
        profiles=ProfileMap.load(DEMO / "inference-profiles.json"),
    )
    pack = analyzer.monthly(month, logs=logs, generated_at=GENERATED)
    figures = {v.key: f for v in views(pack) if (f := chart(v, pack.currency)) is not None}
    assert len(figures) >= 6
    for key, figure in figures.items():
        # plotly refuses a property it does not know, and spells out what it keeps as it would write it
        assert go.Figure(figure).to_dict() == figure, key
        assert figure["layout"]["template"]["layout"], key  # the plotly_white template, spelled out


RENDER = """
import datetime as dt, json, sys
from pathlib import Path
from cur_analyzer.checks import CheckReport
from cur_analyzer.engines.duckdb import DuckDBEngine
from cur_analyzer.reports.monthly import build_monthly
checks = CheckReport(month="2026-11", suites=("cur",), results=[], service="bedrock")
pack = build_monthly(DuckDBEngine(Path(sys.argv[1])), "2026-11", checks=checks)
before = set(sys.modules)
from cur_analyzer.render.html import render_html
page = render_html(pack)
print(json.dumps({"charts": page.count("Plotly.newPlot("), "loaded": sorted(set(sys.modules) - before)}))
"""


def test_rendering_the_page_imports_no_plotly_module():
    done = subprocess.run(
        [sys.executable, "-c", RENDER, str(DEMO / "cur2-bedrock")], capture_output=True, text=True, check=True
    )
    said = json.loads(done.stdout.strip().splitlines()[-1])
    assert said["charts"] >= 5
    # the package itself is imported to find plotly.js in its data; none of its modules is
    assert [m for m in said["loaded"] if m.startswith("plotly.")] == []
