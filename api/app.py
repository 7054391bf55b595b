"""The FastAPI application: routes map HTTP to the quoting service functions."""

from __future__ import annotations

import hashlib
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, File, Form, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from api import problems
from api.db import PartRow, QuoteRow, WorkshopRow, init_db, make_engine
from api.settings import Settings, get_settings
from geometry.errors import FileTooLargeError, InvalidRequestError
from quoting.engine import microfab_version, quote_file
from quoting.quote import QuoteRequest
from quoting.ratecard import RateCard

CHUNK = 1024 * 1024


def get_sessions(request: Request) -> sessionmaker[Session]:
    return request.app.state.sessions


Sessions = Annotated[sessionmaker[Session], Depends(get_sessions)]


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        engine = make_engine(settings.database_url)
        app.state.sessions = init_db(engine, settings.seed_demo)
        settings.blob_dir.mkdir(parents=True, exist_ok=True)
        yield
        engine.dispose()

    app = FastAPI(title="microfab", version=microfab_version(), lifespan=lifespan,
                  description="Instant, explainable quotes for CAD parts from local workshops.")
    app.state.settings = settings
    problems.install(app)

    @app.get("/healthz", operation_id="healthz", tags=["ops"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "version": microfab_version()}

    @app.post("/v1/quotes", operation_id="create_quote", tags=["quotes"], status_code=201)
    async def create_quote(
        db: Sessions,
        file: Annotated[UploadFile, File(description="STEP, STL, 3MF, OBJ or PLY file")],
        material: Annotated[str, Form(description="material key, see GET /v1/materials")],
        quantities: Annotated[str, Form(description="comma-separated quantities")] = "1",
        process: Annotated[str | None, Form()] = None,
        ship_to: Annotated[str | None, Form(description="LAT,LON of the buyer")] = None,
        units: Annotated[str | None, Form(description="unit of a file that carries none: mm, cm, m, in")] = None,
    ) -> dict[str, Any]:
        data = await _read_limited(file, settings.max_upload_bytes)
        request = QuoteRequest(material=material, quantities=_parse_quantities(quantities), process=process or None,
                               ship_to=_parse_ship_to(ship_to), units=units or None)
        with db() as session:
            cards = [RateCard.from_dict(row.ratecard, row.id) for row in session.scalars(select(WorkshopRow))]
        filename = Path(file.filename or "part").name
        features, q = await run_in_threadpool(quote_file, data, request, filename, cards)
        blob = settings.blob_dir / features.source.sha256
        if not blob.exists():
            tmp = blob.with_suffix(".tmp")
            tmp.write_bytes(data)
            tmp.replace(blob)
        body = q.to_dict()
        with db.begin() as session:
            if session.get(PartRow, features.source.sha256) is None:
                session.add(PartRow(sha256=features.source.sha256, filename=filename,
                                    format=features.source.format.value, units=features.source.units,
                                    features=features.to_dict()))
            session.add(QuoteRow(id=q.id, part_sha256=features.source.sha256, quote=body, offers=len(q.offers)))
        return body

    return app


async def _read_limited(file: UploadFile, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    digest = hashlib.sha256()
    while chunk := await file.read(CHUNK):
        size += len(chunk)
        if size > limit:
            raise FileTooLargeError(f"the upload is over the {limit / 1e6:.0f} MB limit", size_limit_bytes=limit)
        digest.update(chunk)
        chunks.append(chunk)
    return b"".join(chunks)


def _parse_quantities(text: str) -> tuple[int, ...]:
    try:
        qty = tuple(int(x) for x in text.split(",") if x.strip())
    except ValueError:
        raise InvalidRequestError(f"quantities {text!r}: give whole numbers separated by commas",
                                  field="quantities") from None
    if not qty:
        raise InvalidRequestError("give at least one quantity", field="quantities")
    return qty


def _parse_ship_to(text: str | None) -> tuple[float, float] | None:
    if not text:
        return None
    try:
        lat, lon = (float(x) for x in text.split(","))
    except ValueError:
        raise InvalidRequestError(f"ship_to {text!r}: give LAT,LON", field="ship_to") from None
    return lat, lon
