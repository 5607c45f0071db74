"""Whatever the invocation logs hold - random fields, types and values, text that is not JSON or not UTF-8 -
``estimate`` gives the token sums of exactly the records that can be used and counts every other one under
its reason, or says in one line that the month has no records. Never exit 3, never a traceback.

The expected numbers come from a model of the rule written here in Python (``expected``): the rule of
``athena/log_health.sql`` plus what the local reader adds (``engines/_duckdb_logs.py``)."""

from __future__ import annotations

import gzip
import json
import math
import tempfile
from collections import Counter
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from cur_analyzer.cli import app

runner = CliRunner()
METERS = {  # log field -> (object it sits in, estimate column)
    "inputTokenCount": ("input", "input_tokens"),
    "cacheReadInputTokenCount": ("input", "cache_read_tokens"),
    "cacheWriteInputTokenCount": ("input", "cache_write_tokens"),
    "outputTokenCount": ("output", "output_tokens"),
}
ABSENT = object()
NOT_A_RECORD = "not a log record (not JSON or not UTF-8)"

#: (timestamp, counts in October) - the rule parses the timestamp; these are the kinds it must tell apart
TIMESTAMPS = st.sampled_from(
    [
        ("2026-10-05T14:21:50Z", True),
        ("2026-10-31T23:59:59.999Z", True),
        ("2026-10-05T14:21:50.123+02:00", True),
        ("2026-09-30T23:00:00Z", False),  # a usable record of another month
        ("2026-10-32T00:00:00Z", None),  # None: not a timestamp the rule accepts
        ("2026-10-05 14:21:50", None),
        ("yesterday", None),
        ("", None),
        (1790000000, None),
        (ABSENT, None),
        (None, None),
    ]
)
TEXT = st.text(max_size=12) | st.sampled_from(["<script>", "[/bold]", "=HYPERLINK(1)", "\x1b[31m", "\u202e"])
TOKEN = st.one_of(
    st.just(ABSENT),
    st.none(),
    st.integers(-10, 3000),
    st.sampled_from([0, 10**9, 10**9 + 1, 2**63, 10**25, -(10**25)]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([5.0, 1.5, 1e30, -0.0]),
    st.text(max_size=4),
    st.sampled_from(["12", "abc"]),
    st.booleans(),
    st.just({}),
    st.just([1]),
)
SCHEMA_TYPES = st.sampled_from(
    ["ModelInvocationLog", "line over 1 MiB", "token count not a whole number", ABSENT, 7]
)


@st.composite
def records(draw) -> tuple[dict, bool | None]:
    """A record and whether it counts in October (None: its timestamp is absent or not one the rule takes)."""
    r: dict = {}
    timestamp, october = draw(TIMESTAMPS)
    for key, value in [
        ("schemaType", draw(SCHEMA_TYPES)),
        ("timestamp", timestamp),
        ("requestId", draw(st.just(ABSENT) | TEXT)),
        ("modelId", draw(st.just(ABSENT) | st.sampled_from(["amazon.nova-pro-v1:0", "acme.x"]) | TEXT)),
        ("accountId", draw(st.just(ABSENT) | TEXT | st.integers())),
        ("region", draw(st.just(ABSENT) | st.sampled_from(["us-east-1"]) | TEXT)),
        ("requestMetadata", draw(st.just(ABSENT) | st.dictionaries(TEXT, TEXT, max_size=2) | TEXT)),
    ]:
        if value is not ABSENT:
            r[key] = value
    r["identity"] = draw(st.sampled_from([{"arn": "arn:aws:iam::111122223333:user/a"}, {}, "x"]))
    for field, (part, _column) in METERS.items():
        value = draw(TOKEN)
        if value is not ABSENT:
            r.setdefault(part, {})[field] = value
    body = draw(
        st.just(ABSENT) | TEXT | st.just({"serviceTier": {"type": draw(TEXT)}}) | st.just("serviceTier")
    )
    if body is not ABSENT:
        r.setdefault("input", {})["inputBodyJson"] = body
    return r, october


LINES = st.one_of(
    st.tuples(st.just("record"), records(), st.booleans()),
    st.tuples(
        st.just("raw"),
        st.sampled_from(
            [b"", b"   ", b"{}", b"[1]", b"null", b"123", b'"text"', b"NaN", b'{"timestamp": "2026-10-0']
        )
        | st.binary(max_size=20).map(lambda b: b"#" + b.replace(b"\n", b"")),
        st.none(),
    ),
    st.tuples(st.just("not utf-8"), records(), st.none()),
)


def materialise(drawn: tuple) -> tuple[bytes, tuple[dict, bool | None] | None]:
    """The line to write and the record it holds (None: a line that is no record, or not UTF-8)."""
    kind, value, ascii_only = drawn
    if kind == "raw":
        return value, None
    text = json.dumps(value[0], ensure_ascii=bool(ascii_only)).encode()
    if kind == "not utf-8":
        return text[:-1] + b', "x": "\xff\xfe"}', None
    return text, value


def _number_state(value) -> tuple[str, float | None]:
    """How the reader sees one token count: ("absent" | "bad" | "number", the number clamped to +-1e15)."""
    if value is ABSENT or value is None:
        return "absent", None
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "bad", None
    if isinstance(value, float) and math.isnan(value):
        return "bad", None
    if isinstance(value, float) and not math.isinf(value) and value != math.trunc(value):
        return "bad", None
    return "number", max(-1e15, min(1e15, float(value)))


def expected(lines: list[tuple[bytes, tuple[dict, bool | None] | None]]) -> tuple[Counter, Counter, int]:
    """(tokens per estimate column, malformed reasons, usable October invocations) the rule gives."""
    tokens: Counter = Counter()
    reasons: Counter = Counter()
    invocations = 0
    for line, held in lines:
        if not line.strip():
            continue  # a blank line is no record
        if held is None:
            reasons[NOT_A_RECORD] += 1
            continue
        r, october = held
        states = {}
        for field, (part, column) in METERS.items():
            holder = r.get(part)
            value = holder.get(field, ABSENT) if isinstance(holder, dict) else ABSENT
            states[column] = _number_state(value)
        ts = r.get("timestamp")
        numbers = [n for kind, n in states.values() if kind == "number"]
        schema_type = r.get("schemaType")
        if any(kind == "bad" for kind, _ in states.values()):
            reason = "token count not a whole number"
        elif schema_type in ("line over 1 MiB", "token count not a whole number"):
            reason = schema_type
        elif ts is None and "requestId" not in r and "modelId" not in r:
            reason = NOT_A_RECORD
        elif ts is None:
            reason = "no timestamp"
        elif october is None:
            reason = "timestamp not RFC 3339"
        elif any(n < 0 for n in numbers):
            reason = "negative token count"
        elif any(n > 10**9 for n in numbers):
            reason = "token count over 10^9"
        else:
            reason = None
        if reason is not None:
            reasons[reason] += 1
        elif october:
            invocations += 1
            for column, (kind, n) in states.items():
                tokens[column] += int(n) if kind == "number" else 0
    return tokens, reasons, invocations


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(LINES, min_size=1, max_size=8))
def test_estimate_sums_exactly_the_usable_records_and_counts_the_rest(drawn):
    lines = [materialise(d) for d in drawn]
    want_tokens, want_reasons, want_invocations = expected(lines)
    with tempfile.TemporaryDirectory() as tmp:
        hour = Path(
            tmp, "AWSLogs", "111122223333", "BedrockModelInvocationLogs", "us-east-1", "2026/10/05/14"
        )
        hour.mkdir(parents=True)
        (hour / "x.json.gz").write_bytes(gzip.compress(b"\n".join(line for line, _ in lines) + b"\n"))
        result = runner.invoke(app, ["estimate", "--month", "2026-10", "--logs", tmp, "--format", "json"])
    assert "Traceback" not in result.output, result.output
    if not want_invocations and not want_reasons:
        assert result.exit_code == 2, result.output
        assert (
            result.stderr.strip() == "cur-analyzer: --logs: no invocation logs for 2026-10 in the logs given"
        )
        return
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["invocations"] == want_invocations
    assert Counter(doc["log_health"]["malformed_reasons"]) == want_reasons
    got = Counter()
    for row in doc["rows"]:
        for _part, column in METERS.values():
            got[column] += row[column]
    assert +got == +want_tokens
