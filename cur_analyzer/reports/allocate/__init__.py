"""The bill split down to the invocation-log records behind it: a ledger of every billed Bedrock usage dollar.

A bucket is what the bill and the logs both know: the bill's own time grain (the hour of an hourly export, the
day of a daily one, the month of a monthly one), account, region, caller, model and meter — the
reconciliation's bucket (``reports.reconcile``) — cut by service tier and cross-region scope. Its billed cost
(``athena/reconcile.sql``'s billed side, read into buckets as the reconciliation reads it) is split over the bucket's
records (``athena/allocate_records.sql``) in proportion to their tokens of that meter, exactly at the SQL
money scale (``_split``), so each bucket's shares sum to its billed cost and the ledger's total is the
month's Bedrock usage. A bucket whose records logged no tokens stays one ``unlogged`` row charged to the
billed caller, with the reason in the reconciliation's words (logging off, tier not in logs, log gap…).
Records no billed line matches cost nothing and are counted in a note; failed calls are never charged, as the
reconciliation never counts them.

The package splits by job: ``_records`` (the log side as columns), ``_entries`` (the billed side and where
the two meet), ``_split`` (the exact split), ``_ledger`` (the ledger table and its grouping), ``_model`` (the
report model), ``_build``.
"""

from cur_analyzer.reports.allocate._build import build_allocation
from cur_analyzer.reports.allocate._entries import SCOPE_NOT_IN_LOGS
from cur_analyzer.reports.allocate._model import BY_DIMS, LEDGER_COLUMNS, METHODS, Allocation, LedgerRow

__all__ = [
    "BY_DIMS",
    "LEDGER_COLUMNS",
    "METHODS",
    "SCOPE_NOT_IN_LOGS",
    "Allocation",
    "LedgerRow",
    "build_allocation",
]
