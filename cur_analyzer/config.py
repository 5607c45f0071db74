"""Settings: engine, local paths, Athena names, price table, rules file.

Read from (highest first) command-line options, ``CUR_ANALYZER_*`` environment variables, then
``cur-analyzer.toml`` in the working folder (or the file named by ``CUR_ANALYZER_CONFIG``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from cur_analyzer.sql import IDENTIFIER_RE


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CUR_ANALYZER_", extra="forbid")

    engine: Literal["duckdb", "athena"] = "duckdb"
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
        toml_file = Path(os.environ.get("CUR_ANALYZER_CONFIG", "cur-analyzer.toml"))
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, toml_file=toml_file))


def load_settings(**overrides: object) -> Settings:
    """Settings with the command-line values that were actually given layered on top."""
    from pydantic import ValidationError

    from cur_analyzer.errors import UserInputError

    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise UserInputError(f"configuration: {where}: {first['msg']}") from None
