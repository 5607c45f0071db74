"""The reconciliation as a JSON document and as the renderers' table, with its summary footer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cur_analyzer.reports.reconcile._model import ESTIMATE_CURRENCY, ZERO, Reconciliation
from cur_analyzer.text import money

if TYPE_CHECKING:
    from cur_analyzer.reports._view import Tabular


def document(rec: Reconciliation) -> dict[str, Any]:
    gap = rec.billed_cost - rec.estimated_cost
    causes = rec.explained_by_cause()
    return {
        "report": "reconcile",
        "month": rec.month,
        "final": rec.final,
        "by": list(rec.by),
        "granularity": str(rec.granularity),
        "tolerance_pct": rec.tolerance_pct,
        # the estimate (the price table) is in this currency; each row says the currency of its bill
        "estimated_currency": ESTIMATE_CURRENCY,
        "rows": [
            {
                **_with_model_key(r.values, r.model_key),
                "estimated_tokens": r.estimated_tokens,
                "billed_tokens": r.billed_tokens,
                "estimated_cost": r.estimated_cost,
                "billed_cost": r.billed_cost,
                "currency": r.currency,
                "delta": r.delta,
                "delta_pct": r.delta_pct,
                "status": r.status,
                "cause": r.cause,
                "explained": r.explained,
                "unexplained": r.unexplained,
            }
            for r in rec.rows
        ],
        "summary": {
            # the compared part: billed in the estimate's currency, at meters the logs count
            "currency": ESTIMATE_CURRENCY,
            "estimated_cost": rec.estimated_cost,
            "billed_cost": rec.billed_cost,
            "gap": gap,
            "explained": causes,
            "unexplained": gap - sum(causes.values(), ZERO),
            "statuses": rec.status_counts(),
            "billed_by_currency": rec.billed_totals(),
            "not_compared": rec.not_compared(),
        },
        "malformed_log_records": rec.malformed_log_records,
        "notes": rec.notes,
    }


def _with_model_key(values: dict[str, str], model_key: str) -> dict[str, str]:
    """A row's dimension values with the model's price key right after the model (its display name)."""
    out: dict[str, str] = {}
    for dim, value in values.items():
        out[dim] = value
        if dim == "model":
            out["model_key"] = model_key
    return out


def tabular(rec: Reconciliation) -> Tabular:
    from cur_analyzer.reports._view import Tabular

    dims = list(rec.by)
    currency = ["currency"] if {r.currency for r in rec.rows} - {ESTIMATE_CURRENCY} else []
    columns = [
        *_with_model_key(dict.fromkeys(dims, ""), ""),
        "estimated_tokens",
        "billed_tokens",
        "estimated_cost",
        "billed_cost",
        *currency,
        "delta",
        "delta_pct",
        "status",
        "cause",
    ]
    rows = [
        {
            **_with_model_key(r.values, r.model_key),
            "estimated_tokens": int(r.estimated_tokens),
            "billed_tokens": int(r.billed_tokens),
            "estimated_cost": r.estimated_cost,
            "billed_cost": r.billed_cost,
            **({"currency": r.currency} if currency else {}),
            "delta": r.delta,
            "delta_pct": r.delta_pct,
            "status": r.status,
            "cause": r.cause,
        }
        for r in rec.rows
    ]
    gap = rec.billed_cost - rec.estimated_cost
    causes = rec.explained_by_cause()
    footer = [
        f"{rec.month}: billed {money(rec.billed_cost, ESTIMATE_CURRENCY)}, estimated "
        f"{money(rec.estimated_cost, ESTIMATE_CURRENCY)}, gap {money(gap, ESTIMATE_CURRENCY)} "
        f"(billed − estimated); {sum(1 for r in rec.rows if r.status == 'match')} of "
        f"{sum(1 for r in rec.rows if r.compared)} compared rows match"
    ]
    footer += [f"  {cause}: explains {money(amount, ESTIMATE_CURRENCY)}" for cause, amount in causes.items()]
    footer.append(f"  unexplained: {money(gap - sum(causes.values(), ZERO), ESTIMATE_CURRENCY)}")
    footer += rec.notes
    return Tabular(
        title=f"Reconciliation {rec.month}: invocation-log estimate vs bill, by {', '.join(dims)}",
        columns=columns,
        rows=rows,
        money_columns=("estimated_cost", "billed_cost", "delta"),
        percent_columns=("delta_pct",),
        summary_rows=[
            {
                dims[0]: "Total",
                "estimated_cost": rec.estimated_cost,
                "billed_cost": rec.billed_cost,
                **({"currency": ESTIMATE_CURRENCY} if currency else {}),
                "delta": rec.estimated_cost - rec.billed_cost,
            },
            # what the total leaves out, per reason and currency: never added to it
            *(
                {
                    dims[0]: f"Not compared ({n['status']})",
                    "billed_cost": n["billed_cost"],
                    **({"currency": n["currency"]} if currency else {}),
                }
                for n in rec.not_compared()
            ),
        ],
        footer=footer,
        document=document(rec),
    )
