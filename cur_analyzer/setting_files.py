"""Reading the files that hold settings: the one way in for the rules file, an account map, a price
table, a profiles listing and ``cur-analyzer.toml``.

These files are named by the user (an option, a setting, an environment variable) or simply picked up
from the working folder, so the name may point anywhere: at ``/dev/zero``, a FIFO that never ends, a
directory, a multi-gigabyte log or a binary. ``read_setting_file`` refuses all of these with one line
naming the file and what it was read as, before a byte is parsed: it must be a regular file, no larger
than its cap, and UTF-8 text. The caps are far above any real file of that kind:

=========================  ========
rules file                 1 MiB
config file (toml)         1 MiB
account map (CSV)          16 MiB
price table (CSV)          16 MiB
profiles listing (JSON)    64 MiB
=========================  ========

``load_yaml`` parses the rules YAML: a key given twice in one mapping is an error at ``file:line:col``
(PyYAML would keep the last one without a word), nesting too deep and aliases that expand to
more than ``MAX_YAML_NODES`` nodes (a "billion laughs" file fits in a few hundred bytes) are refused too.
"""

from __future__ import annotations

import codecs
import os
import stat
from pathlib import Path
from typing import Any

from cur_analyzer.errors import UserInputError
from cur_analyzer.text import shown

MiB = 1024 * 1024
RULES_MAX_BYTES = 1 * MiB
CONFIG_MAX_BYTES = 1 * MiB
ACCOUNT_MAP_MAX_BYTES = 16 * MiB
PRICES_MAX_BYTES = 16 * MiB
PROFILES_MAX_BYTES = 64 * MiB
#: ``[`` and ``{`` a YAML document may nest: PyYAML's scanner takes time quadratic in this depth.
MAX_YAML_FLOW_DEPTH = 64
#: Nodes a YAML document may hold once its aliases are expanded (a 1 MiB rules file written out in
#: full holds well under this).
MAX_YAML_NODES = 1_000_000

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
)


def _size(n: int) -> str:
    return f"{n / MiB:.1f} MiB" if n >= MiB else f"{n} bytes"


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def read_setting_file(
    path: str | Path, what: str, max_bytes: int, error: type[UserInputError] = UserInputError
) -> str:
    """The text of a settings file, or ``error("<path> <problem> (<what>)")``.

    ``what`` says what the file was read as, naming the setting or option that points at it (``rules
    file``, ``price table: --prices or the prices setting``). A UTF-8 byte-order mark is dropped.
    """
    path = Path(path)

    def refuse(problem: str) -> UserInputError:
        return error(f"{shown(path)} {problem} ({what})")

    # Open before looking: a FIFO opened without O_NONBLOCK waits for a writer forever, and the fstat
    # of the open descriptor describes the very file that is then read (no swap between check and read).
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise refuse("does not exist") from None
    except IsADirectoryError:
        raise refuse("is a directory, not a file") from None
    except OSError as e:
        raise refuse(f"cannot be opened: {e.strerror or e}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise refuse(f"is {_kind(info.st_mode)}, not a regular file")
        if info.st_size > max_bytes:
            raise refuse(f"is {_size(info.st_size)}, over the {_size(max_bytes)} such a file may be")
        chunks, total = [], 0
        while total <= max_bytes:  # the file may grow while it is read: never take more than the cap
            chunk = os.read(fd, min(max_bytes + 1 - total, MiB))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except OSError as e:
        raise refuse(f"cannot be read: {e.strerror or e}") from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > max_bytes:
        raise refuse(f"grew over the {_size(max_bytes)} such a file may be while it was read")
    return text_of(data, path, what, max_bytes, error)


def text_of(
    data: bytes, where: str | Path, what: str, max_bytes: int, error: type[UserInputError] = UserInputError
) -> str:
    """The text of a settings file's bytes (read from disk or fetched whole, e.g. from S3): at most
    ``max_bytes``, UTF-8 without a byte-order mark; a NUL byte or bytes that are not UTF-8 mean a binary
    file. A problem is ``error("<where> <problem> (<what>)")``."""

    def refuse(problem: str) -> UserInputError:
        return error(f"{shown(where)} {problem} ({what})")

    if len(data) > max_bytes:
        raise refuse(f"is {_size(len(data))}, over the {_size(max_bytes)} such a file may be")
    nul = data.find(b"\0")
    if nul >= 0:
        raise refuse(f"is not a text file: byte {nul + 1} is NUL")
    bom = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        return data[bom:].decode("utf-8")
    except UnicodeDecodeError as e:
        raise refuse(f"is not a text file: byte {bom + e.start + 1} is not UTF-8") from None


# --- YAML ------------------------------------------------------------------------------------------------
def _loader_class() -> type:
    import yaml

    class UniqueKeyLoader(yaml.SafeLoader):
        """A safe loader on which a mapping key given twice is an error at the second one, and flow
        collections nest at most ``MAX_YAML_FLOW_DEPTH`` deep."""

        def fetch_flow_collection_start(self, TokenClass: Any) -> None:
            if self.flow_level >= MAX_YAML_FLOW_DEPTH:
                raise yaml.scanner.ScannerError(
                    None, None, f"[ and {{ nest more than {MAX_YAML_FLOW_DEPTH} deep", self.get_mark()
                )
            super().fetch_flow_collection_start(TokenClass)

        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            if isinstance(node, yaml.MappingNode):
                first: dict[Any, Any] = {}
                for key_node, _ in node.value:
                    # ``<<: *base`` merges are overridden by explicit keys on purpose: not a duplicate
                    if key_node.tag == "tag:yaml.org,2002:merge":
                        continue
                    key = self.construct_object(key_node, deep=True)
                    try:
                        seen = first.setdefault(key, key_node.start_mark)
                    except TypeError:  # an unhashable key: the base class says so with its mark
                        continue
                    if seen is not key_node.start_mark:
                        raise yaml.constructor.ConstructorError(
                            None,
                            None,
                            f"the key {key!r} is given twice in this mapping (first at line {seen.line + 1})",
                            key_node.start_mark,
                        )
            return super().construct_mapping(node, deep=deep)

    return UniqueKeyLoader


def _expanded_nodes(root: Any, path: Path, error: type[UserInputError]) -> None:
    """Refuse a document whose aliases expand past ``MAX_YAML_NODES`` or refer to themselves: every
    reader after the parser (validation, compilation) walks the expanded tree."""
    import yaml

    sizes: dict[int, int] = {}
    on_path: set[int] = set()

    # An explicit stack rather than recursion: the node graph may be as deep as the composer allowed.
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        children = (
            [n for pair in node.value for n in pair]
            if isinstance(node, yaml.MappingNode)
            else node.value
            if isinstance(node, yaml.SequenceNode)
            else []
        )
        if children_done:
            on_path.discard(key)
            sizes[key] = 1 + sum(sizes[id(c)] for c in children)
            if sizes[key] > MAX_YAML_NODES:
                mark = node.start_mark
                raise error(
                    f"{shown(path)}:{mark.line + 1}:{mark.column + 1}: its aliases expand to over "
                    f"{MAX_YAML_NODES:,} values; write the structure out instead"
                )
            continue
        if key in sizes:
            continue
        if key in on_path:
            mark = node.start_mark
            raise error(
                f"{shown(path)}:{mark.line + 1}:{mark.column + 1}: an alias refers to a node it is inside of"
            )
        on_path.add(key)
        stack.append((node, True))
        stack.extend((c, False) for c in children if id(c) not in sizes)


def load_yaml(text: str, path: Path, error: type[UserInputError] = UserInputError) -> tuple[Any, Any]:
    """(the composed node tree, the data) of one YAML document; any problem is one ``error`` line
    starting ``file:line:column``. The node tree keeps the marks that point a later error at its line."""
    import yaml

    loader = None
    try:
        loader = _loader_class()(text)  # its reader checks every character here, before any parsing
        root = loader.get_single_node()
        if root is None:
            return None, None
        _expanded_nodes(root, path, error)
        return root, loader.construct_document(root)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f"{shown(path)}:{mark.line + 1}:{mark.column + 1}" if mark else f"{shown(path)}:1:1"
        raise error(f"{where}: not valid YAML: {e.problem or e.context}") from None
    except yaml.reader.ReaderError as e:
        line, column = text.count("\n", 0, e.position) + 1, e.position - text.rfind("\n", 0, e.position)
        raise error(
            f"{shown(path)}:{line}:{column}: not valid YAML: the character U+{e.character:04X} is not allowed"
        ) from None
    except yaml.YAMLError as e:
        raise error(f"{shown(path)}:1:1: not valid YAML: {' '.join(str(e).split())}") from None
    except RecursionError:
        raise error(f"{shown(path)}:1:1: not valid YAML: nested too deeply") from None
    finally:
        if loader is not None:
            loader.dispose()


def load_json(path: str | Path, what: str, max_bytes: int) -> Any:
    """A JSON file the user names, read as every settings file is; a problem is one line naming the file
    (and the line and column for a syntax error)."""
    return json_of(read_setting_file(path, what, max_bytes), path, what)


def json_of(text: str, where: str | Path, what: str) -> Any:
    """The JSON in a settings file's text; a problem is one line naming ``where`` (and the line and column
    of a syntax error)."""
    import json

    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise UserInputError(
            f"{shown(where)}:{e.lineno}:{e.colno}: not valid JSON: {e.msg} ({what})"
        ) from None
    except (ValueError, RecursionError) as e:  # an integer too long to convert, nesting too deep
        reason = "nested too deeply" if isinstance(e, RecursionError) else str(e)
        raise UserInputError(f"{shown(where)}: not valid JSON: {reason} ({what})") from None
