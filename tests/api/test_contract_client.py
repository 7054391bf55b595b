"""A client generated from /openapi.json by openapi-python-client drives upload -> quote -> re-quote -> fetch ->
errors, with no hand-written HTTP and no patching of the generated code.

The generator runs as a command (``openapi-python-client``: on PATH, or named by MICROFAB_OPENAPI_CLIENT); the
test is skipped, saying so, where it is not installed (it is in the ``dev`` extra).
"""

from __future__ import annotations

import importlib
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

#: the generator: named by the environment, next to this interpreter (the project's venv), or on the PATH
GENERATOR = (os.environ.get("MICROFAB_OPENAPI_CLIENT")
             or shutil.which("openapi-python-client", path=str(Path(sys.executable).parent))
             or shutil.which("openapi-python-client") or "")
needs_generator = pytest.mark.skipif(not GENERATOR, reason="openapi-python-client is not installed (pip install "
                                                           "'microfab[dev]' or set MICROFAB_OPENAPI_CLIENT)")


@pytest.fixture(scope="module")
def generated(client: TestClient, tmp_path_factory: pytest.TempPathFactory) -> Any:
    root = tmp_path_factory.mktemp("generated")
    spec = root / "openapi.json"
    spec.write_text(json.dumps(client.get("/openapi.json").json()))
    env = os.environ | {"PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    config = root / "config.json"  # the generator's own option: the GLB preview is read as bytes
    config.write_text(json.dumps({"content_type_overrides": {"model/gltf-binary": "application/octet-stream"}}))
    run = subprocess.run([GENERATOR, "generate", "--path", str(spec), "--meta", "none", "--config", str(config),
                          "--output-path", str(root / "mfclient")], capture_output=True, text=True, env=env, timeout=300)
    output = run.stdout + run.stderr
    assert run.returncode == 0, output
    assert "Warning" not in output and "WARNING" not in output, output
    sys.path.insert(0, str(root))
    try:
        yield importlib.import_module("mfclient")
    finally:
        sys.path.remove(str(root))
        for name in [n for n in sys.modules if n == "mfclient" or n.startswith("mfclient.")]:
            del sys.modules[name]


@needs_generator
def test_generated_client_quotes_and_handles_errors(generated: Any, client: TestClient, keys,
                                                    plate_step: bytes) -> None:
    from mfclient.api.parts import create_part, get_part
    from mfclient.api.quotes import get_quote, list_quotes, quote_part
    from mfclient.models import BodyCreatePart, PartView, Problem, ProblemCode, QuoteCreate, QuoteView
    from mfclient.models.quote_create_tier import QuoteCreateTier
    from mfclient.types import File

    transport = TestClient(client.app, headers=keys["buyer"])  # the app in process: no server, no sockets
    api = generated.Client(base_url="http://testserver").set_httpx_client(transport)

    upload = create_part.sync_detailed(client=api, body=BodyCreatePart(
        file=File(payload=io.BytesIO(plate_step), file_name="plate.step")))
    assert upload.status_code in (200, 201) and isinstance(upload.parsed, PartView)
    part = upload.parsed

    first = quote_part.sync_detailed(part.id, client=api, body=QuoteCreate(material="al6061", quantities=[1, 10]))
    assert first.status_code == 201 and isinstance(first.parsed, QuoteView)
    offer = first.parsed.offers[0]
    assert offer.lines[0].quantity == 1 and offer.valid_until is not None

    again = quote_part.sync_detailed(part.id, client=api, body=QuoteCreate(
        material="al6061", quantities=[50], tier=QuoteCreateTier.ECONOMY))
    assert again.status_code == 201 and isinstance(again.parsed, QuoteView)
    assert again.parsed.request.tier.value == "economy" and again.parsed.id != first.parsed.id

    fetched = get_quote.sync(first.parsed.id, client=api)
    assert isinstance(fetched, QuoteView) and fetched.id == first.parsed.id
    assert isinstance(get_part.sync(part.id, client=api), PartView)
    mine = list_quotes.sync(client=api, limit=1)
    assert isinstance(mine, list) and len(mine) == 1

    wrong = quote_part.sync_detailed(part.id, client=api, body=QuoteCreate(material="al6016"))
    assert wrong.status_code == 422 and isinstance(wrong.parsed, Problem)
    assert wrong.parsed.code is ProblemCode.UNKNOWN_MATERIAL
    missing = get_quote.sync_detailed("0" * 32, client=api)
    assert missing.status_code == 404 and isinstance(missing.parsed, Problem)
    assert missing.parsed.code is ProblemCode.NOT_FOUND


@needs_generator
def test_generated_client_previews_a_draft_rate_card(generated: Any, client: TestClient, keys,
                                                     plate_step: bytes) -> None:
    from mfclient.api.parts import create_part
    from mfclient.api.workshops import get_rate_card, preview_rate_card
    from mfclient.models import (
        BodyCreatePart,
        PartView,
        Problem,
        ProblemCode,
        RateCardPreview,
        RateCardPreviewCreate,
        RateCardPreviewCreateRatecard,
        RateCardView,
    )
    from mfclient.types import File

    transport = TestClient(client.app, headers=keys["lyon"])
    api = generated.Client(base_url="http://testserver").set_httpx_client(transport)
    part = create_part.sync(client=api, body=BodyCreatePart(
        file=File(payload=io.BytesIO(plate_step), file_name="plate.step")))
    assert isinstance(part, PartView)
    view = get_rate_card.sync("lyon-usinage", client=api)
    assert isinstance(view, RateCardView)
    card = view.ratecard.to_dict()
    card["commercial"]["margin_fraction"] += 0.5
    draft = RateCardPreviewCreate(ratecard=RateCardPreviewCreateRatecard.from_dict(card), part_ids=[part.id],
                                  material="al6061", quantities=[1, 10])
    preview = preview_rate_card.sync("lyon-usinage", client=api, body=draft)
    assert isinstance(preview, RateCardPreview) and preview.version == view.version
    line = preview.parts[0].lines[0]
    assert line.current is not None and line.draft is not None
    assert line.delta_cents == line.draft.total_cents - line.current.total_cents > 0
    card["commercial"]["margin_fraction"] = -1
    bad = preview_rate_card.sync_detailed("lyon-usinage", client=api, body=RateCardPreviewCreate(
        ratecard=RateCardPreviewCreateRatecard.from_dict(card), part_ids=[part.id], material="al6061"))
    assert bad.status_code == 422 and isinstance(bad.parsed, Problem)
    assert bad.parsed.code is ProblemCode.INVALID_RATE_CARD


#: openapi-typescript and tsc: named by the environment, else tools/contract's (``npm ci --prefix tools/contract``)
TS_BIN = Path(os.environ.get("MICROFAB_OPENAPI_TYPESCRIPT_BIN",
                             Path(__file__).resolve().parents[2] / "tools" / "contract" / "node_modules" / ".bin"))
TS_USE = """import type { components, paths } from "./schema";
type Quote = components["schemas"]["QuoteView"];
type Problem = components["schemas"]["Problem"];
export function cheapest(q: Quote): number | null | undefined {
  const tier: components["schemas"]["Tier"] = q.request.tier;
  const code: Problem["code"] = "unknown_material";
  void tier; void code;
  return q.offers[0]?.lines[0]?.total_cents;
}
export type Upload = paths["/v1/parts"]["post"]["requestBody"]["content"]["multipart/form-data"];
type Preview = components["schemas"]["RateCardPreview"];
export function change(p: Preview): number | null | undefined {
  const draft: components["schemas"]["RateCardPreviewCreate"] = { ratecard: {}, part_ids: ["p"], material: "al6061", quantities: [1] };
  void draft;
  return p.parts[0]?.lines[0]?.delta_cents;
}
"""


@pytest.mark.skipif(not (TS_BIN / "openapi-typescript").exists() or not (TS_BIN / "tsc").exists(),
                    reason="openapi-typescript and typescript are not installed (npm ci --prefix tools/contract; "
                           "MICROFAB_OPENAPI_TYPESCRIPT_BIN names another node_modules/.bin)")
def test_typescript_types_generate_and_compile(client: TestClient, tmp_path: Path) -> None:
    spec = tmp_path / "openapi.json"
    spec.write_text(json.dumps(client.get("/openapi.json").json()))
    run = subprocess.run([str(TS_BIN / "openapi-typescript"), str(spec), "-o", str(tmp_path / "schema.d.ts")],
                         capture_output=True, text=True, timeout=300)
    output = run.stdout + run.stderr
    assert run.returncode == 0 and "warn" not in output.lower(), output
    (tmp_path / "use.ts").write_text(TS_USE)
    tsc = subprocess.run([str(TS_BIN / "tsc"), "--noEmit", "--strict", "--target", "es2020", "--moduleResolution",
                          "node", str(tmp_path / "use.ts")], capture_output=True, text=True, timeout=300,
                         cwd=tmp_path)
    assert tsc.returncode == 0, tsc.stdout + tsc.stderr
