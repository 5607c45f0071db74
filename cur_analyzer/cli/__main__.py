"""``python -m cur_analyzer.cli``: the same command line as ``cur-analyzer``."""

from cur_analyzer.cli import app

app(prog_name="cur-analyzer")
