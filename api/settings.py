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
    #: calibrated cost models (<workshop id>.skops), shared with `microfab calibrate` / `microfab quote`
    model_dir: Path = Path("var/models")
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    #: upload limit, enforced while the body streams in
    max_upload_bytes: int = Field(default=100 * 1024 * 1024, gt=0)
    #: seed the demo workshops into an empty database
    seed_demo: bool = True
    #: allow quoting (POST /v1/parts, /v1/quotes) without an API key; `make serve` turns it on
    allow_anonymous: bool = False

    #: requests a minute per client address of anonymous callers and of bad keys (0: no limit)
    rate_limit_ip_per_min: int = Field(default=300, ge=0)
    #: requests a minute per API key (0: no limit)
    rate_limit_key_per_min: int = Field(default=3000, ge=0)
    #: threads that price quotes at once (pricing holds the GIL: more threads add no throughput and slow the
    #: event loop's answers, /healthz included)
    pricing_threads: int = Field(default=1, ge=1, le=64)
    #: parses that may wait for a busy worker; past it an upload is answered 503 with Retry-After
    parse_queue_max: int = Field(default=16, ge=0)

    #: uvicorn processes of `microfab serve` (one core each)
    server_processes: int = Field(default=1, ge=1, le=64)
    #: worker processes that parse uploads (0: parse in a thread of the server, no isolation; tests only)
    parse_workers: int = Field(default=2, ge=0, le=64)
    #: start every parse worker when the server starts (`microfab serve` does); else each on first need
    parse_workers_prestart: bool = False
    #: wall-clock limit of one parse in a worker [s]; past it the worker is killed (422 parse_timeout)
    parse_timeout_s: float = Field(default=60.0, gt=0)
    #: address-space limit of a parse worker [MiB] (0: none); past it the parse fails (422)
    parse_memory_mb: int = Field(default=6144, ge=0)
    #: uploads bigger than this are parsed as a job (202 + job URL) [bytes]
    async_threshold_bytes: int = Field(default=20 * 1024 * 1024, gt=0)
    #: a parse still running after this long answers 202 + job URL and goes on as a job [s]
    sync_wait_s: float = Field(default=10.0, gt=0)
    #: test-only parser hooks (files starting with MICROFAB-TEST-HANG / -CRASH); never in production
    parser_test_hooks: bool = False

    #: how long a quote may reuse the rate card versions it read from the database [s] (0: read every time);
    #: a card stored through this process is seen at once, one stored through another process within this delay
    ratecard_check_s: float = Field(default=1.0, ge=0, le=60)
    #: SQLite only (development, tests): `full`, a stored quote survives a power loss; `normal`, it survives a
    #: crash of the server, and a power loss may lose the last commits (one fsync fewer per write)
    sqlite_synchronous: str = Field(default="full", pattern="^(full|normal)$")

    #: runs of a job before it fails for good (a transient error or a dead worker gets another run)
    job_attempts: int = Field(default=3, ge=1, le=20)
    #: wait before a job's second run [s] (doubles each run)
    job_backoff_s: float = Field(default=2.0, gt=0)
    #: on PostgreSQL, queued tasks each API process runs itself, next to `microfab worker` processes (0: none,
    #: leave them to the workers); on SQLite the API process runs every task
    queue_api_concurrency: int = Field(default=1, ge=0, le=64)
    #: a queue worker writes its heartbeat this often [s]; one silent for `worker_stalled_s` is taken for dead
    #: and its tasks run again on another worker
    worker_heartbeat_s: float = Field(default=5.0, gt=0)
    worker_stalled_s: float = Field(default=30.0, gt=0)
    #: a job or webhook delivery written but not queued this long ago (its process died in between) is queued
    #: by the workers' sweep [s]
    queue_sweep_after_s: float = Field(default=30.0, gt=0)

    #: webhook deliveries: attempts and first back-off delay [s] (doubles each retry)
    webhook_attempts: int = Field(default=5, ge=1, le=20)
    webhook_backoff_s: float = Field(default=1.0, gt=0)
    webhook_timeout_s: float = Field(default=5.0, gt=0)
    #: allow webhook URLs on loopback, private, link-local or reserved addresses (SSRF guard off); tests, labs
    webhook_allow_private: bool = False

    @model_validator(mode="after")
    def _safe_in_production(self) -> "Settings":
        if self.environment == "production" and self.database_url.startswith("sqlite"):
            raise ValueError("production needs MICROFAB_DATABASE_URL to point at PostgreSQL, not SQLite")
        if self.environment == "production" and self.parser_test_hooks:
            raise ValueError("MICROFAB_PARSER_TEST_HOOKS must not be set in production")
        return self


@cache
def get_settings() -> Settings:
    return Settings()
