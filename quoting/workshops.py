"""Workshops: the demo set shipped with microfab, or rate cards from a folder or file."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

from quoting.errors import RateCardError
from quoting.ratecard import RateCard


@cache
def demo_workshops() -> tuple[RateCard, ...]:
    """The demo workshops in ``quoting/data/workshops`` (fictional, marked demo)."""
    folder = resources.files("quoting").joinpath("data", "workshops")
    cards = [
        RateCard.from_toml(entry.read_text(encoding="utf-8"), entry.name)
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".toml")
    ]
    return tuple(cards)


def load_workshops(path: str | Path | None = None) -> tuple[RateCard, ...]:
    """Rate cards from a TOML/JSON file or a folder of them; the demo set when ``path`` is None."""
    if path is None:
        return demo_workshops()
    p = Path(path)
    if p.is_dir():
        files = sorted(f for f in p.iterdir() if f.suffix.lower() in (".toml", ".json"))
        if not files:
            raise RateCardError(f"{p}: no .toml or .json rate cards in this folder", source=str(p))
    elif p.is_file():
        files = [p]
    else:
        raise RateCardError(f"{p}: no such file or folder", source=str(p))
    cards = [RateCard.from_file(f) for f in files]
    seen: set[str] = set()
    for card in cards:
        if card.id in seen:
            raise RateCardError(f"{p}: two rate cards use the id {card.id!r}", source=str(p), field="id")
        seen.add(card.id)
    return tuple(cards)
