"""Finance opens the monthly report: one HTML file that draws its charts in a real browser, offline, with
no console errors, and whose tables add up to the bill.

The browser is Debian's headless chromium (``scripts/install-chromium.sh`` installs it), driven over the
DevTools protocol on a pipe (``--remote-debugging-pipe``: no websocket library, no port). The page is
opened from a ``file://`` URL with the network switched off, so a chart that needed a CDN would fail.

``UPDATE_SCREENSHOT=1 pytest tests/test_monthly_report_in_a_real_browser.py`` rewrites
``docs/monthly-report.png`` (the README's picture) from the demo month.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import re
import select
import shutil
import subprocess
import tempfile
import time
from decimal import ROUND_HALF_EVEN, Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cur_analyzer.cli import app

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "fixtures" / "demo"
RULES = ROOT / "examples" / "cur-analyzer.rules.yaml"
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOT = ROOT / "docs" / "monthly-report.png"
MONTH = "2026-10"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--hide-scrollbars",
    "--force-color-profile=srgb",
)

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="needs Debian's headless chromium at /usr/bin/chromium: run scripts/install-chromium.sh (as root)",
)
runner = CliRunner()


def demo_args(out: Path, *extra: str) -> list[str]:
    return [
        "--quiet",
        "report",
        "--month",
        MONTH,
        "--cur",
        str(DEMO / "cur2-bedrock"),
        "--logs",
        str(DEMO / "logs"),
        "--profiles",
        str(DEMO / "inference-profiles.json"),
        "--rules",
        str(RULES),
        "--output",
        str(out),
        *extra,
    ]


@pytest.fixture(scope="module")
def report_html(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report") / "report.html"
    with contextlib.chdir(ROOT):  # relative input paths, as a user would type them (they show in the header)
        result = runner.invoke(app, [a.replace(f"{ROOT}/", "") for a in demo_args(out)])
    assert result.exit_code == 0, result.output
    return out


# --- a minimal DevTools-protocol client over --remote-debugging-pipe ---------------------------------------
class Browser:
    """Chromium reads commands on fd 3 and answers on fd 4, one JSON message per NUL-terminated frame."""

    def __init__(self) -> None:
        self.profile = tempfile.mkdtemp(prefix="cur-analyzer-chromium-")
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()

        def wire_fds() -> None:
            # in the child, before exec: its fd 3 / fd 4 become our pipes. Copy both above 10 first (so
            # neither lands on 3 or 4 and gets overwritten), then dup2, which leaves 3 and 4 inheritable.
            r = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD, 10)
            w = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD, 10)
            os.dup2(r, 3)
            os.dup2(w, 4)

        self.proc = subprocess.Popen(
            [str(CHROMIUM), *CHROMIUM_FLAGS, f"--user-data-dir={self.profile}", "--remote-debugging-pipe"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(3, 4),
            preexec_fn=wire_fds,  # only dup2 calls, before exec
        )
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._buf = b""
        self._next_id = 0
        self.events: list[dict] = []
        try:
            self._attach()
        except BaseException:
            self.close()
            raise

    def _attach(self) -> None:
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page.enable", "Runtime.enable", "Log.enable"):
            self.call(domain, session=True)
        # the page must not reach the network: everything it needs is inline
        self.call("Network.enable", session=True)
        self.call(
            "Network.emulateNetworkConditions",
            {"offline": True, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1},
            session=True,
        )

    def _read_message(self, deadline: float) -> dict:
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self._from_chrome], [], [], left)[0]:
                raise TimeoutError("chromium did not answer in time")
            chunk = os.read(self._from_chrome, 1 << 16)
            if not chunk:
                raise RuntimeError(f"chromium closed the pipe (exit code {self.proc.poll()})")
            self._buf += chunk
        raw, self._buf = self._buf.split(b"\0", 1)
        return json.loads(raw)

    def call(
        self, method: str, params: dict | None = None, session: bool = False, timeout: float = 60
    ) -> dict:
        self._next_id += 1
        msg: dict = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = self.session
        os.write(self._to_chrome, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            m = self._read_message(deadline)
            if m.get("id") == self._next_id:
                if "error" in m:
                    raise RuntimeError(f"{method}: {m['error']}")
                return m.get("result", {})
            self.events.append(m)

    def wait_for_event(self, method: str, timeout: float = 60) -> dict:
        for i, m in enumerate(self.events):
            if m.get("method") == method:
                return self.events.pop(i)
        deadline = time.monotonic() + timeout
        while True:
            m = self._read_message(deadline)
            if m.get("method") == method:
                return m
            self.events.append(m)

    def evaluate(self, expression: str) -> object:
        result = self.call(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
            session=True,
        )
        if "exceptionDetails" in result:
            raise AssertionError(f"page script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def open(self, url: str, width: int = 1400, height: int = 900) -> None:
        self.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
            session=True,
        )
        self.call("Page.navigate", {"url": url}, session=True)
        self.wait_for_event("Page.loadEventFired")

    def wait_until(self, expression: str, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while not self.evaluate(expression):
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {expression}")
            time.sleep(0.1)

    def errors(self) -> list[str]:
        """Uncaught exceptions, console.error calls and error log entries seen so far."""
        self.evaluate("1")  # drain events queued behind the last command
        out = []
        for m in self.events:
            method, p = m.get("method"), m.get("params", {})
            if method == "Runtime.exceptionThrown":
                d = p["exceptionDetails"]
                out.append(f"uncaught: {d.get('exception', {}).get('description') or d.get('text')}")
            elif method == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert"):
                out.append(
                    "console.error: " + " ".join(str(a.get("value", a.get("description"))) for a in p["args"])
                )
            elif method == "Log.entryAdded" and p["entry"].get("level") == "error":
                out.append(f"log: {p['entry'].get('text')} ({p['entry'].get('url', '')})")
        return out

    def screenshot(self, path: Path) -> None:
        """The whole page (not just the viewport) as a PNG."""
        height = int(self.evaluate("Math.ceil(document.documentElement.scrollHeight)"))
        width = int(self.evaluate("document.documentElement.clientWidth"))
        self.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
            session=True,
        )
        time.sleep(0.5)  # plotly re-lays out on resize (responsive)
        shot = self.call(
            "Page.captureScreenshot",
            {"format": "png", "captureBeyondViewport": True, "fromSurface": True},
            session=True,
        )
        path.write_bytes(base64.b64decode(shot["data"]))

    def close(self) -> None:
        try:
            self.call("Browser.close", timeout=10)
        except (RuntimeError, TimeoutError, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self._to_chrome)
        os.close(self._from_chrome)
        shutil.rmtree(self.profile, ignore_errors=True)


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's headless chromium at /usr/bin/chromium: run scripts/install-chromium.sh")
    b = Browser()
    yield b
    b.close()


@pytest.fixture(scope="module")
def opened(browser, report_html) -> Browser:
    browser.events.clear()
    browser.open(report_html.as_uri())
    browser.wait_until(
        "document.querySelectorAll('figure.chart').length > 0 && "
        "Array.from(document.querySelectorAll('figure.chart')).every(f => f.querySelector('.main-svg'))"
    )
    return browser


# --- the tests -----------------------------------------------------------------------------------------------
@needs_chromium
def test_every_chart_renders_in_headless_chromium_with_no_console_errors(opened, tmp_path):
    charts = opened.evaluate(
        "Array.from(document.querySelectorAll('figure.chart')).map(f => ({"
        " view: f.dataset.chart,"
        " svgs: f.querySelectorAll('svg.main-svg').length,"
        " marks: f.querySelectorAll('.trace .point, .trace path.surface, .slice, .bars path').length,"
        " width: f.getBoundingClientRect().width, height: f.getBoundingClientRect().height}))"
    )
    declared = int(opened.evaluate("document.body.dataset.charts"))
    views = {c["view"] for c in charts}
    assert views == {
        "team",
        "budgets",
        "principal",
        "model",
        "daily",
        "token-type",
        "coverage",
        "reconciliation",
    }
    assert len(charts) == declared
    for c in charts:
        assert c["svgs"] >= 1, f"{c['view']}: plotly drew no svg"
        assert c["marks"] >= 1, f"{c['view']}: no bars, points or slices drawn"
        assert c["width"] > 300 and c["height"] > 150, c
    assert opened.errors() == []
    shot = tmp_path / "report.png"
    opened.screenshot(shot)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if os.environ.get("UPDATE_SCREENSHOT"):
        SCREENSHOT.parent.mkdir(exist_ok=True)
        shutil.copyfile(shot, SCREENSHOT)


@needs_chromium
def test_the_console_error_check_is_not_vacuous(tmp_path):
    page = tmp_path / "broken.html"
    page.write_text(
        "<!doctype html><html><body><script>console.error('boom'); noSuchFunction();</script></body></html>"
    )
    browser = Browser()  # its own browser: the report stays open in the module's one
    try:
        browser.open(page.as_uri())
        errors = browser.errors()
    finally:
        browser.close()
    assert any("boom" in e for e in errors) and any("noSuchFunction" in e for e in errors), errors


@needs_chromium
def test_a_table_sorts_when_its_heading_is_clicked(opened):
    script = """
    (() => {
      const t = document.querySelector('table[data-view="model"]');
      const th = t.querySelector('th[data-column="cost"]');
      const col = Array.from(th.parentNode.children).indexOf(th);
      const values = () => Array.from(t.tBodies[0].rows).map(r => parseFloat(r.cells[col].dataset.sort));
      th.click(); const first = values(); const dir1 = th.getAttribute('aria-sort');
      th.click(); const second = values(); const dir2 = th.getAttribute('aria-sort');
      const name = t.querySelector('th[data-column="model"]'); name.click();
      const names = Array.from(t.tBodies[0].rows).map(r => r.cells[0].textContent);
      return {first, dir1, second, dir2, names};
    })()
    """
    got = opened.evaluate(script)
    assert got["dir1"] == "descending" and got["first"] == sorted(got["first"], reverse=True)
    assert got["dir2"] == "ascending" and got["second"] == sorted(got["second"])
    assert got["names"] == sorted(got["names"], key=str.lower)
    assert opened.errors() == []


# --- the numbers, without a browser ----------------------------------------------------------------------
class _Tables(HTMLParser):
    """Each table of the page by its data-view: tbody and tfoot rows of (text, data-sort) cells."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, dict] = {}
        self._view: str | None = None
        self._part = ""
        self._cell: list | None = None
        self._cols: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table" and "data-view" in a:
            self._view = a["data-view"]
            self.tables[self._view] = {"columns": [], "body": [], "foot": []}
        elif self._view and tag in ("thead", "tbody", "tfoot"):
            self._part = tag
        elif self._view and tag == "th":
            self.tables[self._view]["columns"].append(a.get("data-column"))
        elif self._view and tag == "tr" and self._part in ("tbody", "tfoot"):
            self.tables[self._view]["body" if self._part == "tbody" else "foot"].append([])
        elif self._view and tag == "td":
            self._cell = ["", a.get("data-sort")]

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[0] += data

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            part = self.tables[self._view]["body" if self._part == "tbody" else "foot"]
            part[-1].append(tuple(self._cell))
            self._cell = None
        elif tag == "table":
            self._view = None


def tables_of(path: Path) -> dict[str, dict]:
    parser = _Tables()
    parser.feed(path.read_text())
    out = {}
    for view, t in parser.tables.items():
        cols = t["columns"]
        out[view] = {
            "body": [dict(zip(cols, row, strict=True)) for row in t["body"]],
            "foot": [dict(zip(cols, row, strict=True)) for row in t["foot"]],
        }
    return out


def cents(value: str | Decimal) -> str:
    return f"{Decimal(value).quantize(Decimal('0.01'), rounding=ROUND_HALF_EVEN):,.2f}"


def test_the_tables_add_up_to_the_bill(report_html, ground_truth):
    truth = ground_truth["months"][MONTH]
    total = Decimal(truth["bedrock_total"]["unblended"])
    usage = Decimal(truth["bedrock_usage"]["total"])
    tables = tables_of(report_html)
    first = {"team": "team", "principal": "caller", "model": "model", "token-type": "meter", "daily": "day"}
    for view, label in first.items():
        t = tables[view]
        money = "billed" if view == "daily" else "cost"
        (total_row,) = [r for r in t["foot"] if r[label][0] == "Total"]
        assert Decimal(total_row[money][1]) == total, view  # exact, from data-sort
        assert total_row[money][0] == cents(total), view  # shown to the cent
        body = sum(Decimal(r[money][1]) for r in t["body"])
        adjustments = sum(Decimal(r[money][1]) for r in t["foot"] if r[label][0] not in ("Total", "Usage"))
        if view in ("principal", "model", "token-type", "daily"):
            assert body == usage, view  # the usage rows alone are the month's usage
        assert body + adjustments == total, view  # and with the adjustments, the invoice
    by_principal = {
        r["principal"][0] or r["caller"][0]: Decimal(r["cost"][1]) for r in tables["principal"]["body"]
    }
    assert by_principal == {k: Decimal(v) for k, v in truth["bedrock_usage"]["by_principal"].items()}


def test_the_reconciliation_and_budget_tables_hold_the_reports_numbers(report_html):
    tables = tables_of(report_html)
    rec = {r["cause"][0]: Decimal(r["amount"][1]) for r in tables["reconciliation"]["body"]}
    foot = {r["cause"][0]: Decimal(r["amount"][1]) for r in tables["reconciliation"]["foot"]}
    assert sum(rec.values()) == foot["Gap (billed − estimated)"]
    assert (
        foot["Billed (CUR usage)"] - foot["Estimated (invocation logs)"] == foot["Gap (billed − estimated)"]
    )
    assert {"logging off", "tier not in logs", "1-hour cache-write rate"} <= set(rec)
    budgets = {r["value"][0]: r for r in tables["budgets"]["body"]}
    assert budgets["docs"]["status"][0] == "OVER"
    assert budgets["ml-platform"]["status"][0] == "within"
    team = {r["team"][0]: Decimal(r["cost"][1]) for r in tables["team"]["body"]}
    assert Decimal(budgets["docs"]["spend"][1]) == team["docs"]  # budget spend = the team's charged cost


def test_the_page_needs_no_network_and_holds_plotly_once(report_html):
    from plotly.offline import get_plotlyjs

    text = report_html.read_text()
    library = get_plotlyjs()
    assert text.count(library) == 1  # inline, once, for every chart
    assert not re.search(r"<script[^>]*\ssrc=", text)  # nothing loaded from anywhere
    assert not re.search(r"<link[^>]+href=", text)
    assert not re.search(r"(src|href)=\"(https?:)?//", text.replace(library, ""))
    assert re.search(
        r"<title>Amazon Bedrock chargeback 2026-10 \(generated \d{4}-\d\d-\d\d \d\d:\d\d UTC\)</title>", text
    )
    assert "October 2026" in text


def test_without_logs_or_rules_the_sections_say_what_is_missing(tmp_path):
    out = tmp_path / "bare.html"
    result = runner.invoke(
        app,
        ["--quiet", "report", "--month", MONTH, "--cur", str(DEMO / "cur2-bedrock"), "--output", str(out)],
    )
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert "Invocation logs were not given (--logs PATH)" in text
    assert "No rules file was given (--rules FILE)" in text
    assert "iamPrincipal/team" in text
    assert 'data-chart="reconciliation"' not in text and 'data-chart="budgets"' not in text
    assert 'data-chart="team"' in text


def test_hostile_tag_values_are_escaped(demo_engine):
    from cur_analyzer.render.html import render_html
    from cur_analyzer.reports.monthly import build_monthly

    pack = build_monthly(demo_engine, MONTH)
    evil = '<img src=x onerror="alert(1)"></script><script>alert(2)</script>'
    pack.spend["team"].rows[0] = type(pack.spend["team"].rows[0])(
        evil, "USD", pack.spend["team"].rows[0].cost, Decimal(0), 1
    )
    pack.notes.append(("report", evil))
    text = render_html(pack)
    assert evil not in text
    assert "<img src=x" not in text
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in text


@pytest.mark.parametrize(
    ("month", "says"),
    [
        ("2026-13", "a billing period is written YYYY-MM"),
        ("October", "a billing period is written YYYY-MM"),
        ("2025-01", "no CUR data for 2025-01"),
    ],
)
def test_a_bad_month_is_refused_with_exit_2(tmp_path, month, says):
    out = tmp_path / "r.html"
    args = demo_args(out)
    args[args.index(MONTH)] = month
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert says in result.output
    assert not out.exists()


def test_a_bad_format_is_refused_with_exit_2(tmp_path):
    result = runner.invoke(app, demo_args(tmp_path / "r.csv", "--format", "csv"))
    assert result.exit_code == 2
    assert "--format must be html or xlsx" in result.output
