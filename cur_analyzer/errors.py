"""Errors the CLI turns into one clear line and an exit code, never a traceback.

``exit_code_for`` is the one mapping from an error kind to the exit code: 1 a threshold the user asked to
enforce failed, 2 the user's input or environment is wrong (bad option, bad file, bad data, a full disk, a
missing AWS profile), 130 interrupted, and 3 only for a bug.

A message says what is wrong in words, never as a command-line flag: the library is also called from a
notebook. An error about one input carries that input's name in ``option`` (``UserInputError("no such
file or folder: x", option="cur")``); the command line puts the flag in front (``--cur: no such file or
folder: x``), a notebook reads the words alone.
"""

from __future__ import annotations

import errno
from collections.abc import Iterator
from contextlib import contextmanager

OK = 0
THRESHOLD_FAILED = 1
BAD_INPUT = 2
BUG = 3
INTERRUPTED = 130


class CurAnalyzerError(Exception):
    """``option``: the input the error is about, named as its setting or command-line option is, without
    dashes (``cur``, ``month``, ``cost-basis``); None when the message needs no input named. ``fixed_by``:
    another input that would fix it, named the same way (``--by team`` fails for want of ``rules``); the
    command line names its flag at the end of the line when the command has one."""

    exit_code = THRESHOLD_FAILED

    def __init__(self, message: str, *, option: str | None = None, fixed_by: str | None = None):
        super().__init__(message)
        self.option = option
        self.fixed_by = fixed_by


class UserInputError(CurAnalyzerError):
    """Bad input or configuration: the user can fix it from the message alone (exit 2)."""

    exit_code = BAD_INPUT


class ThresholdFailed(CurAnalyzerError):
    """A check the user asked to enforce failed (coverage, reconciliation, budget): exit 1."""

    exit_code = THRESHOLD_FAILED


#: botocore's errors that mean "your AWS set-up", not "our bug" (matched by class name: botocore is not
#: imported just to classify an error)
_AWS_SETUP_ERRORS = frozenset(
    {
        "NoRegionError",
        "ProfileNotFound",
        "NoCredentialsError",
        "PartialCredentialsError",
        "CredentialRetrievalError",
        "UnknownServiceError",
        "EndpointConnectionError",
        "ConnectTimeoutError",
        "ReadTimeoutError",
        "SSOTokenLoadError",
        "TokenRetrievalError",
        "UnauthorizedSSOTokenError",
        "ClientError",
    }
)

_AWS_HINTS = {
    "NoRegionError": "set the region (CUR_ANALYZER_REGION, `region` in cur-analyzer.toml, or AWS_REGION)",
    "ProfileNotFound": "set `profile` in cur-analyzer.toml or CUR_ANALYZER_PROFILE to a profile in ~/.aws/config",
    "NoCredentialsError": "configure AWS credentials (aws configure, AWS_PROFILE or the `profile` setting)",
}
#: the setting an AWS set-up error is about (an error about one is never blamed on an option like --month)
_AWS_SETTINGS = {"NoRegionError": "region", "ProfileNotFound": "profile"}


def aws_setup_error(error: Exception) -> UserInputError:
    """An AWS set-up error (no region, unknown profile, no credentials...) as one line with its fix,
    about the setting that fixes it."""
    kind = type(error).__name__
    hint = _AWS_HINTS.get(kind)
    text = str(error).rstrip(".")
    return UserInputError(
        f"AWS: {text}" + (f"; {hint}" if hint else ""), option=_AWS_SETTINGS.get(kind, "aws")
    )


@contextmanager
def about(option: str) -> Iterator[None]:
    """An error raised inside is about ``option``, unless it already names the input it is about."""
    try:
        yield
    except CurAnalyzerError as e:
        if e.option is None:
            e.option = option
        raise


def exit_code_for(error: BaseException) -> tuple[int, str]:
    """The exit code and the one line to print for an error that reached the command line."""
    if isinstance(error, CurAnalyzerError):
        return error.exit_code, str(error)
    if isinstance(error, KeyboardInterrupt):
        return INTERRUPTED, "interrupted"
    if isinstance(error, OSError):
        return BAD_INPUT, _os_error_line(error)
    if any(k.__name__ in _AWS_SETUP_ERRORS for k in type(error).__mro__):
        return BAD_INPUT, str(aws_setup_error(error))
    return BUG, f"internal error: {type(error).__name__}: {error}"


def _os_error_line(error: OSError) -> str:
    where = error.filename if error.filename is not None else ""
    if error.errno == errno.ENOSPC:
        reason = "no space left on the device"
    elif error.errno in (errno.EACCES, errno.EPERM):
        reason = "permission denied"
    else:
        reason = error.strerror or type(error).__name__
    return f"{where}: {reason}" if where else reason
