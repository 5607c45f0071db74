"""Where the package's data files live: inside the installed wheel, or beside the source checkout.

The wheel carries ``athena/`` and ``checks/`` under ``cur_analyzer/_resources/`` (hatch force-include);
an editable install or a plain checkout finds them at the repository root instead.
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path


def resource_dir(name: str) -> Traversable:
    """The ``athena`` or ``checks`` folder, from the wheel if installed from one, else from the checkout."""
    packaged = files("cur_analyzer") / "_resources" / name
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parent.parent / name
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"cur-analyzer data folder {name!r} is missing from this installation")


def bedrock_data(name: str) -> Traversable:
    return files("cur_analyzer.bedrock") / "data" / name
