"""The ``cur-analyzer`` command line: each command parses its options, calls its ``Analyzer`` method and
renders. No SQL, no maths here.

``_app`` holds the Typer app and what every command shares while it runs (one-line errors that put the flag
of the input an error is about in front of the library's words, progress, ``--debug``/``--quiet``);
``_options`` every option more than one command takes; ``_inputs`` the ``Analyzer`` a command's shared
options build. Each command group has a module that imports from those three, never the other way round;
importing it registers its commands on ``app``.

Importing this package imports no heavy library, so ``cur-analyzer --help`` stays fast: duckdb, pyarrow,
great_expectations and awswrangler load inside the command that needs them.
"""

from cur_analyzer.cli._app import app

# isort: off
# The order of these imports is the order of the commands in ``cur-analyzer --help``.
from cur_analyzer.cli import chargeback, explain, unit_costs, setup, audit, checks  # noqa: F401
from cur_analyzer.cli import focus, logs, allocate, report, prices, sql  # noqa: F401
# isort: on

__all__ = ["app"]
