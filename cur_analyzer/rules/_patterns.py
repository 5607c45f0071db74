"""Principal patterns: how a glob or a regex of a rules file becomes a matcher that cannot hang.

A pattern runs against every principal ARN in the bill, and those are other people's data, so both kinds
match in time linear in the ARN: a glob through Python's ``re`` (whose translation of a glob never
backtracks), a regex through RE2.
"""

from __future__ import annotations

import fnmatch
import re
from typing import Any

__all__ = ["compile_glob", "compile_regex", "search"]


def compile_glob(pattern: str) -> re.Pattern[str]:
    """A ``pattern:`` glob as a compiled ``re`` that matches the whole text."""
    # Python >= 3.11 translates each ``*`` but the last to an atomic group, which never backtracks: a
    # glob matches in time linear in the ARN, however many stars it has (no RE2 needed here).
    return re.compile(fnmatch.translate(pattern))


def compile_regex(pattern: str) -> Any:
    """A ``regex:`` of a principal pattern, compiled by RE2, or a ValueError saying why not.

    RE2 (not Python's ``re``) because a regex here runs against every principal ARN in the bill, and
    those are other people's data: a backtracking engine takes exponential time on ``(a+)+$`` and a
    long ARN, RE2 is linear in the ARN for every pattern it accepts. It accepts Python's syntax except
    backreferences and lookaround, and those are refused here, when the rules file loads. (A time limit,
    the other way out, would make the same bill attribute differently on a busy machine.)
    """
    import re2

    options = re2.Options()
    options.log_errors = False  # RE2 would also print the error to stderr: the caller reports it
    try:
        return re2.compile(pattern, options)
    except (re2.error, UnicodeEncodeError) as e:
        reason = e.args[0].decode(errors="replace") if e.args and isinstance(e.args[0], bytes) else e
        raise ValueError(
            f"regex {pattern!r} does not compile ({reason}); rules regexes are RE2, which matches in "
            "linear time and so has no backreferences or lookaround"
        ) from None


def search(compiled: Any, text: str) -> Any:
    """``compiled.search(text)`` that also works on text with no UTF-8 form."""
    try:
        return compiled.search(text)
    except UnicodeEncodeError:  # a lone surrogate (from a JSON escape) has no UTF-8 form for RE2
        return compiled.search(text.encode("utf-8", "replace").decode("utf-8"))
