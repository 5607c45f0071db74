"""Which format a report is written in, decided in one place for every command.

- a format given and a file whose ending names a format: they must agree (``october.json`` written as csv
  is refused, naming both), so a file's name never lies about what it holds;
- a format given and a file with no ending, or one no format claims (``/dev/stdout``, ``report.dat``):
  the format as given;
- no format given: the file's ending decides (``.csv`` csv, ``.txt`` the plain table...); an ending this
  report cannot write is refused with the endings it can; no file, or a file with no ending (a pipe or a
  device), gets the report's default;
- a binary format (parquet, xlsx) is never written to a terminal: a pipe or a file is fine.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import TypeVar

from cur_analyzer.choices import FocusFormat, OutputFormat, PackFormat
from cur_analyzer.errors import UserInputError
from cur_analyzer.text import shown

__all__ = [
    "BINARY",
    "ENDINGS",
    "focus_format",
    "output_format",
    "pack_format",
    "refuse_binary_to_terminal",
    "report_format",
]

#: A file name's ending -> the format it names (compared lower-case: ``October.XLSX`` is a workbook).
ENDINGS: dict[str, str] = {
    ".txt": "table",
    ".csv": "csv",
    ".json": "json",
    ".md": "md",
    ".parquet": "parquet",
    ".xlsx": "xlsx",
    ".html": "html",
    ".htm": "html",
}
#: Formats whose bytes are not text: written to a file or a pipe, never to a terminal.
BINARY = frozenset({"parquet", "xlsx"})

F = TypeVar("F", bound=StrEnum)


def output_format(given: str | None, output: str | Path | None, choices: type[F], default: F) -> F:
    """The format to write ``output`` in (stdout when None), from ``given`` (None when not given), the
    ending of the file's name, and the report's ``default``; see the module for the rule."""
    ending = Path(output).suffix.lower() if output is not None else ""
    named = ENDINGS.get(ending)
    if given is not None:
        fmt = _one_of(given, choices)
        if named is not None and named != fmt:
            raise UserInputError(
                f"the format {fmt} does not match the output file {shown(str(output))}, whose {ending} "
                f"ending means {named}: name the file for {fmt} ({_endings_of(fmt)}) or leave the format "
                "out to follow the file name",
                option="format",
            )
    elif not ending:
        fmt = default
    elif named in {c.value for c in choices}:
        fmt = choices(named)
    else:
        raise UserInputError(
            f"cannot tell the format from the file name {shown(str(output))}: end it in "
            f"{_all_endings(choices)}, or give the format",
            option="output",
            fixed_by="format",
        )
    refuse_binary_to_terminal(fmt, output)
    return fmt


def report_format(given: str | None, output: str | Path | None) -> OutputFormat:
    """A report table's format: csv, json, md, parquet, xlsx, or the plain table (the default)."""
    return output_format(given, output, OutputFormat, OutputFormat.TABLE)


def focus_format(given: str | None, output: str | Path | None) -> FocusFormat:
    """A FOCUS dataset's format: parquet (the default, typed), csv or json."""
    return output_format(given, output, FocusFormat, FocusFormat.PARQUET)


def pack_format(given: str | None, output: str | Path) -> PackFormat:
    """The monthly pack's format: one HTML page (the default) or one workbook."""
    return output_format(given, output, PackFormat, PackFormat.HTML)


def refuse_binary_to_terminal(fmt: str, output: str | Path | None) -> None:
    """A binary format bound for stdout is refused when stdout is a terminal (piped, it is fine)."""
    if fmt in BINARY and output is None and sys.stdout.isatty():
        raise UserInputError(
            f"{fmt} is binary: give a file to write it to, not the terminal", option="output"
        )


def _one_of(given: str, choices: type[F]) -> F:
    try:
        return choices(str(given))
    except ValueError:
        valid = ", ".join(c.value for c in choices)
        raise UserInputError(
            f"the output format must be one of {valid} (got {given!r})", option="format"
        ) from None


def _endings_of(fmt: str) -> str:
    return " or ".join(ending for ending, named in ENDINGS.items() if named == fmt) or "no ending"


def _all_endings(choices: type[StrEnum]) -> str:
    """Every ending a format of ``choices`` is named by, with the format where the ending does not say it
    (``.txt`` for the plain table)."""
    wanted = {c.value for c in choices}
    return ", ".join(
        ending if ending[1:] == named else f"{ending} ({named})"
        for ending, named in ENDINGS.items()
        if named in wanted
    )
