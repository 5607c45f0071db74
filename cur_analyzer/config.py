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
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator
from pydantic_settings import (
    BaseSettings,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

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
    import tomllib

    found = config_file()
    if found is None:
        return {}
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


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CUR_ANALYZER_", extra="forbid")

    engine: EngineName = EngineName.DUCKDB
    cur: Path | None = Field(default=None, description="local CUR 2.0 export folder or parquet files")
    logs: Path | None = Field(default=None, description="local folder of Bedrock invocation logs (S3 layout)")
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

    @field_validator("database", "table", "logs_table", "logs_database")
    @classmethod
    def _identifier(cls, v: str | None) -> str | None:
        if v is not None and not IDENTIFIER_RE.fullmatch(v):
            raise ValueError("must be lower-case letters, digits and _ only")
        return v

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The file is read here rather than by pydantic-settings' own TOML source, which skips a name
        # that is not a regular file without a word and reads whatever it opens to the end.
        return (init_settings, env_settings, InitSettingsSource(settings_cls, read_config_file()))


def load_settings(**overrides: object) -> Settings:
    """Settings with the command-line values that were actually given layered on top."""
    from pydantic import ValidationError

    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise UserInputError(f"configuration: {where}: {first['msg']}") from None
