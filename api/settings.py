"""Deployment settings (environment variables prefixed MICROFAB_)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MICROFAB_", extra="ignore")

    environment: str = Field(default="development", pattern="^(development|test|production)$")
    database_url: str = "sqlite:///var/microfab.db"
    blob_dir: Path = Path("var/blobs")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    max_upload_bytes: int = Field(default=100 * 1024 * 1024, gt=0)
    #: seed the demo workshops into an empty database
    seed_demo: bool = True
    #: allow quoting without an API key
    allow_anonymous: bool = True

    @model_validator(mode="after")
    def _safe_in_production(self) -> "Settings":
        if self.environment == "production" and self.database_url.startswith("sqlite"):
            raise ValueError("production needs MICROFAB_DATABASE_URL to point at PostgreSQL, not SQLite")
        return self


@cache
def get_settings() -> Settings:
    return Settings()
