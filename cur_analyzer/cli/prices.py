"""``prices``: the Bedrock price table. ``prices refresh`` builds it from AWS Price List offer files.

The commands hang under a ``prices`` group of their own; importing this module registers the group on
``app``. No network: the offer files are downloaded first (``curl`` the bulk ``index.json``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cur_analyzer.cli._app import _OneLineErrors, app, commands_of, state
from cur_analyzer.cli._options import OutputOpt

if TYPE_CHECKING:
    from cur_analyzer.bedrock.price_list import Comparison, Refresh
    from cur_analyzer.bedrock.pricing import PriceTable

prices_app = typer.Typer(
    name="prices",
    cls=_OneLineErrors,
    help="The Bedrock price table: build it from AWS Price List offer files.",
    no_args_is_help=True,
)
app.add_typer(prices_app)
#: registers a command of the group; its errors end as one line on stderr and an exit code
command = commands_of(prices_app)


OffersArg = Annotated[
    list[Path],
    typer.Argument(
        help="AWS Price List offer files (index.json of an offer of a Bedrock product code: a whole offer or "
        "one region's file).",
        metavar="OFFER.json",
        show_default=False,
    ),
]
CompareOpt = Annotated[
    Path | None,
    typer.Option("--compare", help="Price table to compare the new one with (default: the shipped one)."),
]


@command
def refresh(offers: OffersArg, output: OutputOpt = None, compare_with: CompareOpt = None) -> None:
    """Build the Bedrock token price table (prices.csv format) from AWS Price List offer files.

    Rows are keyed by usage type, as the bill is, in USD per 1M tokens with the term's effective date.
    Every SKU that gives no row is counted by reason; those of an unknown model, an unreadable usage type
    or conflicting rates are listed. The result is compared with the shipped table (or --compare)."""
    from cur_analyzer.bedrock.price_list import compare, refresh_files
    from cur_analyzer.bedrock.pricing import PriceTable
    from cur_analyzer.render import write_atomically

    other = PriceTable.load(compare_with)
    result = refresh_files(offers)
    text = result.csv_text()
    if output is None:
        typer.echo(text, nl=False)
    else:
        write_atomically(output, text)
    if not state.quiet:
        _say_what_was_built(result, output)
        _say_comparison(compare(result.table(), other), other, compare_with)


def _say_what_was_built(result: Refresh, output: Path | None) -> None:
    from cur_analyzer.bedrock.price_list import FLAGGED, NOT_TOKENS
    from cur_analyzer.render import visible

    # every offer has these by design: counted; any other SKU left out is named, to be looked at
    counted_only = (NOT_TOKENS, FLAGGED)

    where = f" -> {visible(str(output))}" if output is not None else ""
    typer.echo(
        f"prices refresh: {len(result.rows)} rates from {result.skus} SKUs in {len(result.offers)} offer "
        f"files, version {visible(result.version)}{where}",
        err=True,
    )
    if result.duplicate_skus or result.same_rate_twice:
        typer.echo(
            f"  {result.duplicate_skus} SKUs repeated identically, {result.same_rate_twice} gave a rate "
            "another SKU already gave",
            err=True,
        )
    for reason, whats in result.left_out.items():
        typer.echo(f"  left out, {reason}: {len(whats)} SKU{'' if len(whats) == 1 else 's'}", err=True)
        if reason not in counted_only:
            for what in whats:
                typer.echo(f"    {visible(what)}", err=True)


def _say_comparison(comparison: Comparison, other: PriceTable, path: Path | None) -> None:
    from cur_analyzer.render import visible

    name = visible(str(path)) if path is not None else "the shipped table"
    typer.echo(
        f"against {name} (version {visible(other.version)}): {comparison.agree} rates agree, "
        f"{len(comparison.disagree)} disagree, {comparison.unmatched} have no counterpart",
        err=True,
    )
    for d in comparison.disagree:
        typer.echo(f"  disagrees: {visible(d.line())}", err=True)
