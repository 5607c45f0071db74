"""The monthly pack's words, from ``templates/pack_words.yaml``: one home for the HTML page and the xlsx
workbook, so both say the same thing.

The report model names a sentence by key and gives the facts it needs (a view's ``facts``, a ``Phrase``);
here the words file's Jinja2 template of that key is rendered with them as plain text (no autoescape: the
page escapes what it prints, the workbook neutralises formulas). ``StrictUndefined``: a fact a sentence
needs and the model does not give is an error, never an empty gap in a sentence. The file and each
template are read once per process.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from cur_analyzer.render._places import shown_money
from cur_analyzer.reports.monthly import Phrase

if TYPE_CHECKING:
    from jinja2 import Environment, Template

    from cur_analyzer.reports.monthly import PackView

__all__ = ["ViewWords", "say", "word", "words_of", "words_under"]

WORDS_FILE = "pack_words.yaml"


@functools.cache
def _words() -> dict[str, Any]:
    from importlib.resources import files

    import yaml

    # libyaml's safe loader where the build has it: the same safe subset, read about 5 times faster
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    text = (files("cur_analyzer.render") / "templates" / WORDS_FILE).read_text("utf-8")
    return yaml.load(text, loader)


@functools.cache
def _environment() -> Environment:
    from jinja2 import Environment, StrictUndefined

    env = Environment(autoescape=False, undefined=StrictUndefined)
    env.filters["thousands"] = lambda n: f"{n:,}"
    env.filters["money"] = shown_money  # at the places in force, as the tables show money
    return env


def _entry(key: str) -> Any:
    node: Any = _words()
    for part in key.split("."):
        node = node[part]  # a key the words file lacks is a bug: KeyError names it
    return node


def words_under(key: str) -> dict[str, Any]:
    """The raw entries under ``key`` (``charts.coverage.source``): names to look words up by."""
    return dict(_entry(key))


@functools.cache
def _template(key: str) -> Template:
    return _environment().from_string(_entry(key))


def word(key: str, facts: Mapping[str, Any] | None = None) -> str:
    """The words of ``key`` (``daily.title``), rendered with ``facts``."""
    return _template(key).render(dict(facts or {}))


def say(value: Any) -> Any:
    """A ``Phrase`` as its words; any other value (a number, a tag value, another report's note) as it is."""
    if isinstance(value, Phrase):
        return word(value.key, value.facts)
    return value


@dataclass(frozen=True)
class ViewWords:
    """Everything a renderer writes about one view besides its cells."""

    title: str
    intro: str
    toc: str
    #: the sentence shown instead of the view, when an input is missing
    omitted: str | None
    labels: dict[str, str] = field(default_factory=dict)
    footer: list[str] = field(default_factory=list)

    def label(self, column: str) -> str:
        return self.labels.get(column, column.replace("_", " "))


def words_of(view: PackView) -> ViewWords:
    key, facts = view.key, view.facts
    return ViewWords(
        title=word(f"{key}.title", facts),
        intro=word(f"{key}.intro", facts),
        toc=word(f"{key}.toc", facts),
        omitted=say(view.omitted) if view.omitted is not None else None,
        labels={column: word(f"{key}.labels.{column}", facts) for column in _entry(key).get("labels", {})},
        footer=[str(say(line)) for line in view.footer],
    )
