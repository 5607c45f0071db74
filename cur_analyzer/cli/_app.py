"""The Typer app every command registers on, and what all commands share while they run: the global
``--debug``/``--quiet``, errors as one line on stderr with the exit code that says whose fault it is (click's
usage errors included), and the progress bar.

Nothing heavy is imported here: rich loads only when a progress bar is shown.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

import typer
from typer._click.types import FloatParamType, IntParamType
from typer._types import TyperChoice
from typer.core import TyperCommand, TyperGroup

from cur_analyzer.errors import BAD_INPUT, BUG, INTERRUPTED, exit_code_for

__all__ = ["app", "command", "commands_of", "error_line", "progress", "state"]

F = TypeVar("F", bound=Callable[..., Any])


class _ChoiceSaysWhatWasGiven:
    """A value outside an option's choices is said the way every other bad value is: ``must be one of
    table, csv, ... (got 'pdf')``."""

    choices: Sequence[Any]

    def get_invalid_choice_message(self, value: Any, ctx: Any) -> str:  # noqa: ARG002 - click's signature
        return f"must be {_either(self.choices)} (got {value!r})"


class _NumberSaysWhatWasGiven:
    """A bad number is said in words, the way every other bad value is (``must be an integer (got 'ten')``,
    ``must be at least 100 (got '5')``), not by the parameter type's internal name (``int range``)."""

    _number_class: type

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        from typer._click.exceptions import BadParameter

        try:
            self._number_class(value)
        except (TypeError, ValueError):
            word = "an integer" if self._number_class is int else "a number"
            self.fail(f"must be {word} (got {value!r})", param, ctx)  # type: ignore[attr-defined]
        try:
            return super().convert(value, param, ctx)  # type: ignore[misc]
        except BadParameter:
            self.fail(f"must be {self._range_words()} (got {value!r})", param, ctx)  # type: ignore[attr-defined]

    def _range_words(self) -> str:
        low, high = getattr(self, "min", None), getattr(self, "max", None)
        above = f"more than {low}" if getattr(self, "min_open", False) else f"at least {low}"
        below = f"less than {high}" if getattr(self, "max_open", False) else f"at most {high}"
        return " and ".join(words for bound, words in ((low, above), (high, below)) if bound is not None)


@functools.cache
def _said_our_way(base: type) -> type:
    mixin = _ChoiceSaysWhatWasGiven if issubclass(base, TyperChoice) else _NumberSaysWhatWasGiven
    return type(base.__name__, (mixin, base), {})


class _ParamsShownOurWay:
    """Typer's help puts a value type after every option, so ``--debug <bool>`` reads as if the flag wanted
    a value: a flag takes none, and its help line shows none. A bad choice or number names the value
    given."""

    def get_params(self, ctx: Any) -> list[Any]:
        import copy

        params: list[Any] = super().get_params(ctx)  # type: ignore[misc]
        for param in params:
            if getattr(param, "is_flag", False):
                param.metavar = ""
            kind = getattr(param, "type", None)
            if isinstance(kind, TyperChoice | IntParamType | FloatParamType) and not isinstance(
                kind, _ChoiceSaysWhatWasGiven | _NumberSaysWhatWasGiven
            ):
                ours = copy.copy(kind)
                ours.__class__ = _said_our_way(type(kind))
                param.type = ours
        return params


class _Command(_ParamsShownOurWay, TyperCommand):
    """A command of the app."""


class _OneLineErrors(_ParamsShownOurWay, TyperGroup):
    """Click's usage errors (unknown or missing option, bad choice) end like every other error: one line
    on stderr naming the command and its ``--help``, exit 2, instead of a usage box."""

    def main(  # type: ignore[override]
        self,
        args: Any = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        from typer._click.exceptions import ClickException, NoArgsIsHelpError, UsageError

        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except NoArgsIsHelpError as e:
            e.show()
            sys.exit(e.exit_code)
        except UsageError as e:
            where = e.ctx.command_path if e.ctx else "cur-analyzer"
            _say(f"{_usage_line(e)} (see `{where} --help`)")
            sys.exit(BAD_INPUT)
        except ClickException as e:
            _say(" ".join(e.format_message().split()))
            sys.exit(BAD_INPUT)
        except typer.Abort:
            _say("interrupted")
            sys.exit(INTERRUPTED)
        sys.exit(rv if isinstance(rv, int) else 0)


def _usage_line(error: Exception) -> str:
    """Click's message on one line; a bad choice or number behind the option's long flag alone."""
    param = getattr(error, "param", None)
    if param is None or not isinstance(param.type, _ChoiceSaysWhatWasGiven | _NumberSaysWhatWasGiven):
        return " ".join(error.format_message().split())  # type: ignore[attr-defined]
    flag = next((o for o in param.opts if o.startswith("--")), param.opts[0])
    return f"{flag} {error.message}"  # type: ignore[attr-defined]


def _either(choices: Sequence[Any]) -> str:
    names = [str(getattr(c, "value", c)) for c in choices]
    return " or ".join(names) if len(names) == 2 else "one of " + ", ".join(names)


app = typer.Typer(
    name="cur-analyzer",
    cls=_OneLineErrors,
    help="Who spent what on Amazon Bedrock (and the rest of AWS), straight from the CUR 2.0 bill.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    # plain help: rich's help panels import a markdown parser and syntax highlighter (150 ms) to print text
    rich_markup_mode=None,
)


@dataclass
class GlobalOptions:
    """What the options before the command name set for the whole run."""

    debug: bool = False
    quiet: bool = False


#: set by the app's callback before every command runs
state = GlobalOptions()


@app.callback()
def global_options(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress output.")] = False,
) -> None:
    state.debug, state.quiet = debug, quiet


def _say(message: str) -> None:
    """One line on stderr. A message can quote data (a principal, a file name): its control characters
    are shown, never sent to the terminal as they are."""
    from cur_analyzer.render import visible

    typer.echo(f"cur-analyzer: {visible(message)}", err=True)


def commands_of(group: typer.Typer) -> Callable[[F], F]:
    """The decorator that registers a command on ``group`` whose errors end as one line on stderr and an
    exit code, never a traceback."""

    def register(fn: F) -> F:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                return fn(*args, **kwargs)
            except (typer.Exit, typer.Abort):
                raise
            except (Exception, KeyboardInterrupt) as e:
                # the last line of defence: every error is one line; only a bug exits 3, so a CI job never
                # mistakes a crash for a threshold that failed (1) or for bad input (2)
                if state.debug and not isinstance(e, KeyboardInterrupt):
                    raise
                code, line = error_line(e)
                _say(line)
                raise typer.Exit(code) from None

        return group.command(cls=_Command)(wrapper)  # type: ignore[return-value]

    return register


#: registers a command of the app (``@command``)
command = commands_of(app)


def error_line(error: BaseException) -> tuple[int, str]:
    """The exit code and the line to print: the library's words, behind the flag of the input they are
    about when the command has that flag (``--cur: no such file or folder: x``)."""
    code, line = exit_code_for(error)
    if code == BUG:
        return code, f"{line} (run with --debug for the traceback)"
    flag = _flag_for(getattr(error, "option", None))
    line = f"{flag}: {line}" if flag else line
    fix = _flag_for(getattr(error, "fixed_by", None))
    return code, f"{line} (see {fix})" if fix else line


def _flag_for(option: str | None) -> str | None:
    """The running command's long flag for the input ``option`` names, None when it has none (the input
    came from a setting the command has no flag for, or no input is named)."""
    from typer._click.globals import get_current_context

    ctx = get_current_context(silent=True)
    if option is None or ctx is None:
        return None
    wanted = "--" + option.replace("_", "-")
    return next((wanted for param in ctx.command.params if wanted in getattr(param, "opts", ())), None)


@contextmanager
def progress(message: str) -> Iterator[Callable[..., None]]:
    """A progress bar on stderr while long work runs; ``update(text, percent=None)`` names the step and,
    when known, how far it is. Silent with --quiet or when stderr is not a terminal."""
    if state.quiet or not sys.stderr.isatty():
        yield lambda _text, _pct=None: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        Progress,
        SpinnerColumn,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(message, total=None)

        def update(text: str, pct: float | None = None) -> None:
            from rich.markup import escape

            from cur_analyzer.render import visible

            extra = {"total": 100, "completed": pct} if pct is not None else {"total": None}
            # the step names data (an S3 key, a file): shown as text, never read as markup
            bar.update(task, description=escape(f"{message} {visible(text)}"), **extra)

        yield update
