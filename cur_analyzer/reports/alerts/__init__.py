"""The alerts report model: the FinOps alarms teams put on GenAI dashboards, evaluated on the bill and,
when given, on the Bedrock invocation logs. No I/O, no rendering.

On the bill (``athena/attribution_lines.sql`` by day, Bedrock usage lines, unblended cost):

* ``daily-cost-spike``  a day's Bedrock cost above ``daily_cost_over_average_pct`` % of its trailing
  ``trailing_days``-day average (days with no spend count as 0; a day is checked only when the data
  covers its whole trailing window, and never when that average is 0);
* ``spender-spike``     a spender's (``principal``, ``role``, a rules dimension such as ``team``, a tag…)
  daily cost above ``spender_over_average_ratio`` × its trailing average;
* ``model-share``       one model above ``model_share_pct`` % of the window's Bedrock spend.

On the invocation logs (``athena/alerts_logs.sql``, ``athena/alerts_large_calls.sql``):

* ``failed-spend``      estimated spend on failed calls (``errorCode`` set) above ``failed_spend_pct`` % of
  the estimated spend: tokens × the price table (standard tier) for the record's model, region, scope;
* ``token-ratio``       a caller's day with uncached input tokens above ``input_output_ratio`` × output
  tokens (models whose calls return no output tokens, such as embeddings, are left out);
* ``large-call``        any call above ``max_call_tokens`` tokens (input + cache read + cache write +
  output).

Thresholds come from the rules file's ``alerts:`` section (``cur_analyzer.rules.AlertRules``).

``build_alerts`` (``_build``) builds the model (``_model``) from the window (``_window``), the bill rules
(``_bill_rules``) and the log rules (``_log_rules``); ``tabular`` and ``document`` (``_views``) show it.
"""

from cur_analyzer.reports.alerts._build import build_alerts
from cur_analyzer.reports.alerts._model import LOG_RULES, RULES, Alert, Alerts, RuleCheck
from cur_analyzer.reports.alerts._views import document, tabular

__all__ = [
    "LOG_RULES",
    "RULES",
    "Alert",
    "Alerts",
    "RuleCheck",
    "build_alerts",
    "document",
    "tabular",
]
