"""Text written by others, made safe to show: the one home of ``visible``.

A tag value, a session name, an S3 key or a file name can hold ANSI escapes, carriage returns, bidi
overrides or zero-width characters. Printed as they are, they recolour, clear, split or reorder what a
terminal (or an error line) shows. ``visible`` writes every such character as its escape instead, so the
text stays on its line and means only what it says. The renderers, error lines, ``pull``'s summary and the
settings-file errors all show data through it.

Money in a sentence (a note, an alert's message) is written by ``money``: what a person reads, at 2 places
with its currency. The exact amount stays in the report's own fields.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

#: Unicode categories that are not visible text: controls (C0, DEL, C1), format characters (bidi
#: embeddings/overrides/isolates, zero-width characters), surrogates, private use, unassigned, and the
#: line and paragraph separators
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
_LINE_END_RE = re.compile(r"(\r?\n)")


def _escape(ch: str) -> str:
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def first_invisible(text: str) -> str | None:
    """The first invisible character of ``text`` (see ``visible``), or None."""
    if text.isprintable():
        return None
    return next((ch for ch in text if unicodedata.category(ch) in _INVISIBLE_CATEGORIES), None)


def visible(text: str) -> str:
    """``text`` with every invisible character shown as its escape (ESC as ``\\x1b``, a newline as
    ``\\x0a``, a right-to-left override as ``\\u202e``): one line, no escape sequence, no reordering."""
    if text.isprintable():  # fast path: False for every category above (and for non-ASCII spaces)
        return text
    return "".join(_escape(ch) if unicodedata.category(ch) in _INVISIBLE_CATEGORIES else ch for ch in text)


def visible_lines(text: str) -> str:
    """Like ``visible``, for text of many lines: its line ends (``\\n`` or ``\\r\\n``) are kept."""
    parts = _LINE_END_RE.split(text)  # the line ends are at the odd indexes
    return "".join(part if i % 2 else visible(part) for i, part in enumerate(parts))


def shown(path: str | Path) -> str:
    """A path as an error line names it (a file name is data too)."""
    return visible(str(path))


_CENT = Decimal("0.01")


def money(amount: Decimal | int, currency: str | None = None) -> str:
    """Money in words: ``USD 1,234.57`` (rounded half to even at 2 places, as the tables round), or
    ``1,234.57`` when the currency is not known. A tiny credit never reads as ``-0.00``."""
    cents = Decimal(amount).quantize(_CENT, rounding=ROUND_HALF_EVEN)
    text = f"{abs(cents) if cents == 0 else cents:,f}"
    return f"{currency} {text}" if currency else text
