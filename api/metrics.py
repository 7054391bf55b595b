"""The server's Prometheus metrics (prometheus_client), right with one server process or several.

With one process the metrics live in a registry of their own (an app per test
does not collide with another). With several (``microfab serve`` and
``MICROFAB_SERVER_PROCESSES`` > 1), set ``PROMETHEUS_MULTIPROC_DIR`` to an empty
folder before the server starts, as prometheus_client's multiprocess mode asks:
each process writes its values there and ``/metrics``, whichever process answers,
adds up every process's.
"""

from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest, multiprocess
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
#: the content type of ``render()``: Prometheus text format 0.0.4
CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4
BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


def multiprocess_dir() -> str | None:
    """The folder of prometheus_client's multiprocess mode, when it is on."""
    return os.environ.get(MULTIPROC_ENV) or None


class Metrics:
    """Every metric the server exports (names as in the README's operations table).

    Counters are exposed with ``_total`` (``microfab_quotes`` -> ``microfab_quotes_total``).
    """

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.http_requests = Counter("microfab_http_requests", "HTTP requests by method, route and status",
                                     ["method", "route", "status"], registry=r)
        self.http_duration = Histogram("microfab_http_request_duration_seconds", "HTTP request duration by route",
                                       ["route"], buckets=BUCKETS_S, registry=r)
        self.quotes = Counter("microfab_quotes", "quotes created", registry=r)
        self.parts_parsed = Counter("microfab_parts_parsed", "uploads parsed by a worker, by outcome",
                                    ["outcome"], registry=r)
        self.parts_remeasured = Counter("microfab_parts_remeasured",
                                        "stored parts measured again (older geometry code), by outcome",
                                        ["outcome"], registry=r)
        self.jobs = Counter("microfab_jobs", "async jobs finished, by kind and status", ["kind", "status"],
                            registry=r)
        self.webhook_deliveries = Counter("microfab_webhook_deliveries", "webhook deliveries, by outcome",
                                          ["outcome"], registry=r)
        self.parse_timeouts = Counter("microfab_parse_timeouts", "parses killed at their time limit", registry=r)
        self.parse_crashes = Counter("microfab_parse_crashes", "parse workers that died on a file", registry=r)
        self.parse_refused = Counter("microfab_parse_refused", "uploads refused (503): the parse queue was full",
                                     registry=r)
        self.parse_workers = Gauge("microfab_parse_workers", "parse worker processes running", registry=r,
                                   multiprocess_mode="livesum")
        self.jobs_in_flight = Gauge("microfab_jobs_in_flight", "async jobs running", registry=r,
                                    multiprocess_mode="livesum")

    def render(self) -> bytes:
        """The metrics in the Prometheus text format: every server process's in multiprocess mode."""
        if multiprocess_dir() is None:
            return generate_latest(self.registry)
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)

    @staticmethod
    def process_stopped() -> None:
        """This server process ends: its live gauges stop counting (multiprocess mode)."""
        if multiprocess_dir() is not None:
            multiprocess.mark_process_dead(os.getpid())

    @staticmethod
    def clear_multiprocess_dir() -> None:
        """Before the server processes start: values of an earlier run must not be added in."""
        folder = multiprocess_dir()
        if folder is None:
            return
        for entry in os.scandir(folder):
            if entry.is_file() and entry.name.endswith(".db"):
                os.unlink(entry.path)
