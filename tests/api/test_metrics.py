"""Metrics: one registry per app, and every server process's counts added up in multiprocess mode."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from api.metrics import Metrics

_INC = """
from api.metrics import Metrics
m = Metrics()
m.quotes.inc()
m.http_requests.labels(method="GET", route="/healthz", status="200").inc(2)
m.parse_workers.set(2)
if {dead}:
    m.process_stopped()
"""
_RENDER = "import sys; from api.metrics import Metrics; sys.stdout.write(Metrics().render().decode())"


def _python(code: str, folder: Path) -> str:
    root = Path(__file__).resolve().parents[2]
    env = os.environ | {"PROMETHEUS_MULTIPROC_DIR": str(folder), "PYTHONPATH": str(root)}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120,
                          check=True)
    return done.stdout


def test_single_process_metrics_keep_their_names() -> None:
    m = Metrics()
    m.quotes.inc()
    m.jobs.labels(kind="parse", status="succeeded").inc()
    m.http_duration.labels(route="/v1/parts").observe(0.02)
    text = m.render().decode()
    assert "# TYPE microfab_quotes_total counter" in text and "microfab_quotes_total 1.0" in text
    assert 'microfab_jobs_total{kind="parse",status="succeeded"} 1.0' in text
    assert 'microfab_http_request_duration_seconds_bucket{le="0.025",route="/v1/parts"} 1.0' in text
    assert "microfab_parse_crashes_total 0.0" in text
    assert "microfab_quotes_total 0.0" in Metrics().render().decode()  # another app counts on its own


def test_multiprocess_metrics_add_up_every_process(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _python(_INC.format(dead=False), tmp_path)
    _python(_INC.format(dead=True), tmp_path)
    text = _python(_RENDER, tmp_path)
    assert "microfab_quotes_total 2.0" in text
    assert 'microfab_http_requests_total{method="GET",route="/healthz",status="200"} 4.0' in text
    # a live-sum gauge counts the processes still running only (the second one stopped)
    assert "microfab_parse_workers 2.0" in text
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    Metrics.clear_multiprocess_dir()  # `microfab serve` does, before its processes start
    assert not list(tmp_path.glob("*.db"))
