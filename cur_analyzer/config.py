"""Settings: engine, local paths, Athena names, price table, rules file.

Read from (highest first) command-line options, ``CUR_ANALYZER_*`` environment variables, then
``cur-analyzer.toml`` in the working folder (or the file named by ``CUR_ANALYZER_CONFIG``).

``cur-analyzer.toml`` is optional, but a file named by ``CUR_ANALYZER_CONFIG`` must exist: a typo there
would otherwise run with defaults without a word. Either file is read like every settings file
(``setting_files.read_setting_file``: a regular UTF-8 file of at most 1 MiB) and bad TOML is one line
naming ``file:line:column``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, ClassVar

from cur_analyzer.choices import EngineName
from cur_analyzer.errors import UserInputError
from cur_analyzer.setting_files import CONFIG_MAX_BYTES, read_setting_file
from cur_analyzer.sql import IDENTIFIER_RE
from cur_analyzer.text import shown

CONFIG_FILE_NAME = "cur-analyzer.toml"
CONFIG_ENV = "CUR_ANALYZER_CONFIG"
_TOML_AT = re.compile(r"^(?P<msg>.*) \(at line (?P<line>\d+), column (?P<col>\d+)\)$")


def config_file() -> tuple[Path, str] | None:
    """The config file in force and what names it: ``CUR_ANALYZER_CONFIG`` (an empty value means
    unset), else ``cur-analyzer.toml`` when anything stands under that name in the working folder."""
    named = os.environ.get(CONFIG_ENV, "")
    if named:
        return Path(named).expanduser(), f"config file named by {CONFIG_ENV}"
    default = Path(CONFIG_FILE_NAME)
    return (default, "config file") if os.path.lexists(default) else None


def read_config_file() -> dict[str, Any]:
    """The settings of the config file in force ({} when there is none)."""
    found = config_file()
    if found is None:
        return {}
    import tomllib

    path, what = found
    text = read_setting_file(path, what, CONFIG_MAX_BYTES)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        at = _TOML_AT.match(str(e))
        where = f"{shown(path)}:{at['line']}:{at['col']}" if at else shown(path)
        raise UserInputError(f"{where}: not valid TOML: {at['msg'] if at else e} ({what})") from None
    except RecursionError:
        raise UserInputError(f"{shown(path)}: not valid TOML: nested too deeply ({what})") from None


ENV_PREFIX = "CUR_ANALYZER_"
#: the settings that name Glue databases and tables, which Athena SQL quotes
_IDENTIFIERS = ("database", "table", "logs_table", "logs_database")


@dataclass(frozen=True)
class Settings:
    """The settings in force. The fields are the one list of settings: the environment variables
    (``CUR_ANALYZER_<NAME>``) and the config file's keys are read from them."""

    # a key of the config file that is no setting is refused, not ignored
    __pydantic_config__: ClassVar[dict[str, Any]] = {"extra": "forbid"}

    engine: EngineName = EngineName.DUCKDB
    #: local CUR 2.0 export folder or parquet files
    cur: Path | None = None
    #: local folder of Bedrock invocation logs (S3 layout)
    logs: Path | None = None
    prices: Path | None = None
    rules: Path | None = None

    # Athena engine
    region: str | None = None
    profile: str | None = None
    workgroup: str = "primary"
    database: str = "cur_analyzer"
    table: str = "cur2"
    logs_database: str | None = None
    logs_table: str = "bedrock_invocation_logs"
    max_cache_seconds: int = 0
    #: Data Exports export name (doctor finds it by destination when unset)
    export_name: str | None = None

    def __post_init__(self) -> None:
        for name in _IDENTIFIERS:
            value = getattr(self, name)
            if value is not None and not IDENTIFIER_RE.fullmatch(value):
                raise UserInputError(f"configuration: {name}: must be lower-case letters, digits and _ only")


def _from_environment() -> dict[str, str]:
    """The settings given as ``CUR_ANALYZER_<NAME>`` variables (the name in any case, as shells differ)."""
    wanted = {ENV_PREFIX + f.name.upper(): f.name for f in fields(Settings)}
    return {wanted[k.upper()]: v for k, v in os.environ.items() if k.upper() in wanted}


def load_settings(**overrides: object) -> Settings:
    """Settings with the command-line values that were actually given layered on top of the environment
    variables, then the config file. Validated (pydantic) only when something was given: the defaults
    need no checking, and a command run without any setting never loads pydantic."""
    given = read_config_file() | _from_environment() | {k: v for k, v in overrides.items() if v is not None}
    if not given:
        return Settings()
    from pydantic import TypeAdapter, ValidationError

    try:
        return TypeAdapter(Settings).validate_python(given)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "settings"
        message = "not a setting" if first["type"] == "unexpected_keyword_argument" else first["msg"]
        raise UserInputError(f"configuration: {where}: {message}") from None
