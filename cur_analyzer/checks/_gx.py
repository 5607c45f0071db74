"""Great-expectations: validating a frame against its expectations and turning GX results into
``CheckResult`` (failing share, examples, why a check could not run)."""

from __future__ import annotations

import datetime as dt
import importlib
import math
import sys
import types
from functools import cache
from typing import TYPE_CHECKING, Any

from cur_analyzer.checks._model import FRAME_INDEX, MAX_EXAMPLES, CheckResult
from cur_analyzer.checks._suites import _severity, columns_of

if TYPE_CHECKING:
    import pandas as pd


#: Modules great_expectations imports for expectations the suites never use (KL divergence, KS tests):
#: about 2 of its 6 seconds of import. They load if one of those ever runs.
_UNUSED_BY_THE_SUITES = ("scipy.stats", "altair")


class _OnFirstUse(types.ModuleType):
    """Stands in for a module until an attribute of it is read, then imports it and hands the attribute
    over from it. Import machinery reads ``__spec__`` of whatever sits in ``sys.modules``: a plain module
    attribute here, so ``import altair`` does not load it the way ``importlib.util.LazyLoader`` would."""

    def __getattr__(self, attr: str) -> Any:
        real = self.__dict__.get("_module")
        if real is None:
            if sys.modules.get(self.__name__) is self:
                del sys.modules[self.__name__]
            real = self.__dict__["_module"] = importlib.import_module(self.__name__)
        return getattr(real, attr)


@cache
def _gx() -> Any:
    """great_expectations, imported once per process, without the modules the suites never need."""
    stand_ins = {name: _OnFirstUse(name) for name in _UNUSED_BY_THE_SUITES if name not in sys.modules}
    sys.modules.update(stand_ins)
    try:
        return importlib.import_module("great_expectations")
    finally:
        # GX's modules keep their stand-ins; anything importing these later gets the real module
        for name, stand_in in stand_ins.items():
            if sys.modules.get(name) is stand_in:
                del sys.modules[name]


@cache
def _batch_definition() -> Any:
    """One ephemeral GX context per process, with a pandas whole-dataframe batch definition."""
    gx = _gx()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    asset = ctx.data_sources.add_pandas("cur_analyzer").add_dataframe_asset(name="frame")
    return asset.add_batch_definition_whole_dataframe("whole")


def _validate(
    suite: str, frame: str, expectations: list[dict[str, Any]], df: pd.DataFrame, params: dict[str, Any]
) -> dict[str, Any]:
    """Validate ``df`` against the expectations of one frame; GX results keyed by ``meta.check``."""
    gx_suite = _gx().ExpectationSuite(name=f"{suite}.{frame}", expectations=expectations)
    index = FRAME_INDEX[frame]
    # No unexpected_index_column_names: with them GX names every failing row by its index column, one
    # pandas lookup per row (a minute on a month of millions of lines where a column is mostly null). The
    # few rows an example shows are named here instead, from their positions.
    result_format: dict[str, Any] = {"result_format": "SUMMARY", "partial_unexpected_count": 20}
    batch = _batch_definition().get_batch(batch_parameters={"dataframe": df})
    res = batch.validate(gx_suite, result_format=result_format, expectation_parameters=params)
    if index in df.columns:
        for r in res.results:
            _name_example_rows(r.result, df, index)
    # GX does not keep the suite's order in its results: match them by the check name.
    return {r.expectation_config.meta["check"]: r for r in res.results}


def _name_example_rows(result: dict[str, Any] | None, df: pd.DataFrame, index: str) -> None:
    """The example rows of a result (positions in ``df``) as GX names them with an index column."""
    rows = (result or {}).get("partial_unexpected_index_list")
    if rows:
        result["partial_unexpected_index_list"] = [
            {index: df[index].iloc[row]} if isinstance(row, int) else row for row in rows
        ]


def _exception_message(info: Any) -> str | None:
    """GX reports a failed metric either flat ({raised_exception, exception_message}) or per metric id."""
    if not isinstance(info, dict):
        return None
    if info.get("raised_exception"):
        return str(info.get("exception_message") or "expectation raised")
    for v in info.values():
        if isinstance(v, dict) and (v.get("raised_exception") or v.get("exception_message")):
            return str(v.get("exception_message") or "expectation raised").splitlines()[0]
    return None


def _example_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return " / ".join(t for v in value.values() if (t := _example_text(v)) is not None) or None
    if isinstance(value, tuple | list):
        return " / ".join(t for v in value if (t := _example_text(v)) is not None) or None
    if hasattr(value, "isoformat"):
        try:
            import pandas as pd

            if pd.isna(value):
                return None
        except (TypeError, ValueError):
            pass
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
        if isinstance(value, float) and math.isnan(value):
            return None
    if isinstance(value, float):
        return f"{value:.10g}"
    return str(value)


def _examples(result: dict[str, Any], index: str) -> tuple[str, ...]:
    """Up to MAX_EXAMPLES distinct failing values; rows named by their index column when the value is null."""
    seen: dict[str, None] = {}
    for v in result.get("partial_unexpected_list") or []:
        if (t := _example_text(v)) is not None:
            seen.setdefault(t, None)
    if not seen:
        for row in result.get("partial_unexpected_index_list") or []:
            if isinstance(row, dict) and (t := _example_text(row.get(index))) is not None:
                seen.setdefault(f"{index}={t}", None)
    return tuple(seen)[:MAX_EXAMPLES]


def _identity(suite: str, e: dict[str, Any]) -> dict[str, Any]:
    """What names an expectation in a report, whether it ran or not."""
    return dict(
        suite=suite,
        check=e["meta"]["check"],
        expectation=e["type"],
        columns=columns_of(e["kwargs"]),
        description=e.get("description") or e["type"],
        severity=_severity(e),
    )


def _result(suite: str, frame: str, e: dict[str, Any], gx_result: Any) -> CheckResult:
    base = _identity(suite, e)
    raised = _exception_message(gx_result.exception_info)
    r = gx_result.result or {}
    if raised:
        return CheckResult(**base, success=False, note=f"could not evaluate: {raised}")
    if "observed_value" in r:  # table-level expectation (row count)
        return CheckResult(**base, success=bool(gx_result.success), checked=r["observed_value"])
    pct = r.get("unexpected_percent")
    checked = r.get("element_count")
    if checked is not None and r.get("missing_count"):  # nulls are outside the rule (GX skips them)
        checked -= r["missing_count"]
    return CheckResult(
        **base,
        success=bool(gx_result.success),
        failing_pct=None if pct is None else float(pct),
        failing=r.get("unexpected_count"),
        checked=checked,
        examples=()
        if gx_result.success or e["meta"].get("examples") is False
        else _examples(r, FRAME_INDEX[frame]),
    )


def _not_run(suite: str, e: dict[str, Any], why: str) -> CheckResult:
    return CheckResult(**_identity(suite, e), success=None, note=why)
