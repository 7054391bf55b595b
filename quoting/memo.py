"""What a server keeps of the parts it quoted lately, so that a re-quote prices only what is new.

``EstimateMemo`` holds, per part, the process estimates (``quoting.offers.Inquiry.estimate``) and the
priced lines and machine offers (``Inquiry.offer``); the keys say what each depends on, so a new rate
card version, another cost model or another day finds nothing and prices afresh.
"""

from __future__ import annotations

import itertools
import threading
from collections import OrderedDict
from collections.abc import Hashable, MutableMapping
from typing import TypeVar

from cachetools import LRUCache

from geometry.errors import MicrofabError
from geometry.features import PartFeatures
from quoting.processes import ProcessEstimate

T = TypeVar("T")

class Identity:
    """A part of a memo key that is its object itself, compared by identity: a cost model (a frozen dataclass
    holding a dict, so unhashable, and equal to a copy). The key keeps the object alive, so its id is not
    reused while the key is in the memo."""

    __slots__ = ("obj",)

    def __init__(self, obj: object) -> None:
        self.obj = obj

    def __hash__(self) -> int:
        return id(self.obj)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Identity) and other.obj is self.obj


class PartLines:
    """What one part keeps in an ``EstimateMemo``: priced lines, machine offers, workshop plans (its share
    of the memo's one bounded LRU)."""

    def __init__(self, memo: EstimateMemo, serial: int) -> None:
        self._memo, self._serial = memo, serial

    def get(self, key: Hashable, kind: type[T]) -> T | None:
        """The ``kind`` kept under ``key``, or None."""
        lines, full = self._memo._lines, (self._serial, key)
        with self._memo._lock:
            found = lines.get(full)
            if found is not None:
                lines.move_to_end(full)
        return found if isinstance(found, kind) else None

    def put(self, key: Hashable, value: object) -> None:
        lines = self._memo._lines
        with self._memo._lock:
            lines[(self._serial, key)] = value
            lines.move_to_end((self._serial, key))
            if len(lines) > self._memo._max_lines:
                lines.popitem(last=False)


class EstimateMemo:
    """Process estimates and priced lines kept across requests, per part (one ``PartFeatures`` object, as a
    store of measured parts hands out again): a re-quote with another material or quantities estimates
    nothing again, and a line priced before (same workshop card version, machine, material, options,
    quantity, day, cost model) is not priced again.

    An estimate is a function of the part, the material, the machine class and the workshop's DFM
    overrides (its key in ``Inquiry.estimate``), and of the data files, which do not change while a
    process runs. A line is a function of its ``PricingContext`` (its key in ``machine_offer``): a new
    rate-card version (another ``RateCard.version_hash``), another cost model object or another day is
    another key, so a change prices afresh at once. The memo holds the ``parts`` most recent parts and
    the ``lines`` most recent lines (thread-safe); a part forgotten and met again gets a new serial, so
    none of its old lines is found again.
    """

    def __init__(self, parts: int = 256, lines: int = 16384) -> None:
        #: by ``id(features)``: (the features, which keeps that id theirs while cached; their estimates;
        #: their serial in ``_lines``)
        self._parts: LRUCache[int, tuple[PartFeatures, dict[Hashable, ProcessEstimate | MicrofabError], int]] = \
            LRUCache(maxsize=parts)
        #: the most recently used last (an OrderedDict: a cachetools LRU costs 3x more per lookup, and a
        #: re-quote looks up some 30 entries)
        self._lines: OrderedDict[tuple[int, Hashable], object] = OrderedDict()
        self._max_lines = lines
        self._serials = itertools.count()
        self._lock = threading.Lock()

    def _entry(self, features: PartFeatures) -> tuple[PartFeatures, dict[Hashable, ProcessEstimate | MicrofabError],
                                                       int]:
        with self._lock:
            entry = self._parts.get(id(features))
            if entry is None or entry[0] is not features:
                entry = self._parts[id(features)] = (features, {}, next(self._serials))
        return entry

    def of(self, features: PartFeatures) -> MutableMapping[Hashable, ProcessEstimate | MicrofabError]:
        """The estimates of the part ``features`` (the same object; an equal copy starts afresh)."""
        return self._entry(features)[1]

    def lines(self, features: PartFeatures) -> PartLines:
        """The priced lines of the part ``features`` (the same object; an equal copy starts afresh)."""
        return PartLines(self, self._entry(features)[2])


__all__ = ["EstimateMemo", "Identity", "PartLines"]
