"""Prometheus metrics in the text exposition format (0.0.4), without a client library."""

from __future__ import annotations

import threading
from collections import defaultdict

BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


def _labels(pairs: tuple[tuple[str, str], ...]) -> str:
    if not pairs:
        return ""
    body = ",".join(f'{k}="{v.replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34))}"'
                    for k, v in pairs)
    return "{" + body + "}"


class Metrics:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.counters: dict[str, dict[tuple, float]] = defaultdict(lambda: defaultdict(float))
        self.hist: dict[tuple, list[float]] = {}
        self.help = {
            "microfab_http_requests_total": ("counter", "HTTP requests by method, route and status"),
            "microfab_http_request_duration_seconds": ("histogram", "HTTP request duration by route"),
            "microfab_quotes_total": ("counter", "quotes created"),
            "microfab_parts_parsed_total": ("counter", "uploads parsed by a worker, by outcome"),
            "microfab_jobs_total": ("counter", "async jobs finished, by kind and status"),
            "microfab_webhook_deliveries_total": ("counter", "webhook deliveries, by outcome"),
        }

    def inc(self, name: str, value: float = 1.0, **labels: str) -> None:
        with self._lock:
            self.counters[name][tuple(sorted(labels.items()))] += value

    def observe(self, route: str, seconds: float) -> None:
        key = (("route", route),)
        with self._lock:
            h = self.hist.setdefault(key, [0.0] * (len(BUCKETS_S) + 2))
            for i, b in enumerate(BUCKETS_S):
                if seconds <= b:
                    h[i] += 1
            h[-2] += 1
            h[-1] += seconds

    def render(self, gauges: dict[str, float] | None = None) -> str:
        out: list[str] = []
        with self._lock:
            for name, series in sorted(self.counters.items()):
                kind, text = self.help.get(name, ("counter", name))
                out += [f"# HELP {name} {text}", f"# TYPE {name} {kind}"]
                out += [f"{name}{_labels(k)} {v:g}" for k, v in sorted(series.items())]
            name = "microfab_http_request_duration_seconds"
            if self.hist:
                out += [f"# HELP {name} {self.help[name][1]}", f"# TYPE {name} histogram"]
            for key, h in sorted(self.hist.items()):
                for i, b in enumerate(BUCKETS_S):
                    out.append(f"{name}_bucket{_labels(key + (('le', f'{b:g}'),))} {h[i]:g}")
                out.append(f"{name}_bucket{_labels(key + (('le', '+Inf'),))} {h[-2]:g}")
                out.append(f"{name}_count{_labels(key)} {h[-2]:g}")
                out.append(f"{name}_sum{_labels(key)} {h[-1]:.6f}")
        for name, value in sorted((gauges or {}).items()):
            out += [f"# TYPE {name} gauge", f"{name} {value:g}"]
        return "\n".join(out) + "\n"
