"""Errors the CLI turns into one clear line and an exit code, never a traceback."""


class CurAnalyzerError(Exception):
    exit_code = 1


class UserInputError(CurAnalyzerError):
    """Bad input or configuration: the user can fix it from the message alone (exit 2)."""

    exit_code = 2


class ThresholdFailed(CurAnalyzerError):
    """A check the user asked to enforce failed (coverage, reconciliation, budget): exit 1."""

    exit_code = 1
