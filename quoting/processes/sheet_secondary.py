"""Secondary machining of a laser-cut part: what a laser cannot cut, made on the workshop's mill after it.

A laser cuts through the whole thickness only. Blind holes, counterbores, countersinks and pockets
on a plate are what a job shop drills and mills afterwards, on a mill, from the laser-cut blank:
the sheet-metal estimate carries them as ``Operation.secondary`` operations, priced apart at the
workshop's mill rate (``quoting.secondary``); a workshop without a mill cannot make the part.

Minutes from simple cutting rates per feature (processes.toml [sheet_metal.secondary], the
material's cutting data):

- per batch: programming, and a setup (the blank in a vise or on a fixture plate, zero, first part)
- per part: loading and unloading the blank on the mill
- blind hole: position + depth / drill feed (vf = rpm x feed per rev by diameter from the cutting class, ``cutting.drill_feed_mm_min``),
  plus a peck retract per ``peck_step_diameters`` of depth past the peck ratio (processes.toml [holes],
  as milling drills)
- counterbore or countersink: position + [holes]' time per mouth (the through part is laser-cut)
- pocket or step: position + its volume / the material's milling removal rate (roughing), plus a finishing
  pass per recess; the volume is the plate's measured recesses (floor area x depth, ``SheetMetal.recess_*``,
  the holes' own volumes taken out), else the recognised pockets' opening x depth x fill
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from geometry.features import Hole, HoleKind, PartFeatures, Pocket
from quoting.materials import Material
from quoting.processes.base import Operation
from quoting.processes.common import hole_params
from quoting.processes.cutting import cutting_class, drill_feed_mm_min


@dataclass(frozen=True)
class MachinedFeatures:
    """The features of a plate a laser cannot cut."""

    blind: tuple[Hole, ...]
    #: through holes with a counterbored or countersunk mouth
    stepped: tuple[Hole, ...]
    pockets: tuple[Pocket, ...]
    #: pockets and steps milled from the plate's recesses (``SheetMetal.recess_*``), holes' own volumes taken out
    recesses: int = 0
    #: volume those recesses remove [mm3]; 0 when the geometry measured none (then the pockets' openings count)
    recess_volume_mm3: float = 0.0
    recess_face_ids: tuple[int, ...] = ()

    @classmethod
    def of(cls, features: PartFeatures) -> MachinedFeatures:
        holes = features.holes or []
        blind = tuple(h for h in holes if not h.through)
        stepped = tuple(h for h in holes if h.through and h.kind is not HoleKind.PLAIN)
        pockets = tuple(features.pockets or [])
        sheet = features.sheet_metal
        if sheet is None or sheet.recess_volume_mm3 <= 0:
            return cls(blind, stepped, pockets)
        # a recess floor is also the flat bottom of a blind hole or a counterbore's seat: those are priced as holes
        in_holes = sum(math.pi / 4 * h.diameter_mm**2 * h.depth_mm for h in blind) + sum(
            math.pi / 4 * (h.counterbore_diameter_mm**2 - h.diameter_mm**2) * h.counterbore_depth_mm
            for h in stepped if h.counterbore_diameter_mm and h.counterbore_depth_mm)
        volume = max(0.0, sheet.recess_volume_mm3 - in_holes)
        count = max(len(pockets), sheet.recesses - len(blind) - len(stepped)) if volume > 0 else 0
        return cls(blind, stepped, pockets, count, volume, sheet.recess_face_ids if count else ())

    def __bool__(self) -> bool:
        return bool(self.blind or self.stepped or self.pockets or self.recesses)

    @property
    def milled(self) -> int:
        """Pockets and steps to mill: the recesses measured, else the pockets recognised."""
        return self.recesses if self.recess_volume_mm3 > 0 else len(self.pockets)

    @property
    def face_ids(self) -> tuple[int, ...]:
        ids = {i for h in (*self.blind, *self.stepped) for i in h.face_ids}
        ids |= {i for p in self.pockets for i in p.face_ids} | set(self.recess_face_ids)
        return tuple(sorted(ids))

    def describe(self) -> str:
        """"2 blind holes, 1 pocket": what is there, for messages."""
        recess = ("pocket or step", "pockets or steps") if self.recess_volume_mm3 > 0 else ("pocket", "pockets")
        what = ((len(self.blind), ("blind hole", "blind holes")),
                (len(self.stepped), ("counterbored/countersunk hole", "counterbored/countersunk holes")),
                (self.milled, recess))
        return ", ".join(f"{n} {names[n > 1]}" for n, names in what if n)


def secondary_operations(features: MachinedFeatures, material: Material,
                         params: Mapping[str, Any]) -> list[Operation]:
    """The mill's operations for ``features`` (none when there are none); ``params``: [sheet_metal.secondary]."""
    if not features:
        return []
    p, holes = params, hole_params()
    position = float(holes["position_min"])
    ops = [
        Operation("secondary_programming", float(p["programming_min"]), per_batch=True,
                  inputs={"per": "batch"}, secondary=True),
        Operation("secondary_setup", float(p["setup_min"]), per_batch=True,
                  inputs={"per": "batch", "features": features.describe()}, secondary=True),
        Operation("secondary_loading", float(p["load_min_per_part"]), inputs={}, secondary=True),
    ]
    if features.blind:
        cut = cutting_class(material)
        feeds = [drill_feed_mm_min(cut, h.diameter_mm) for h in features.blind]
        minutes = sum(_drill_min(h, feed, holes) for h, feed in zip(features.blind, feeds, strict=True))
        ops.append(Operation("secondary_drilling", minutes, secondary=True, inputs={
            "holes": len(features.blind), "depth_mm": [round(h.depth_mm, 2) for h in features.blind],
            "feed_mm_min": [round(f, 1) for f in feeds]}))
    mouths = [h for h in (*features.blind, *features.stepped) if h.kind is not HoleKind.PLAIN]
    if mouths:
        minutes = sum(position + float(holes["counterbore_min" if h.kind is HoleKind.COUNTERBORE
                                            else "countersink_min"]) for h in mouths)
        ops.append(Operation("secondary_counterboring", minutes, secondary=True, inputs={"holes": len(mouths)}))
    if features.milled:
        rate = float(material.removal_rate_mm3_min or p["default_removal_rate_mm3_min"])
        volume = features.recess_volume_mm3 or sum(
            k.opening_mm[0] * k.opening_mm[1] * k.depth_mm * float(p["pocket_fill"]) for k in features.pockets)
        minutes = features.milled * (position + float(p["pocket_finish_min"])) + volume / rate
        ops.append(Operation("secondary_pocketing", minutes, secondary=True, inputs={
            "recesses": features.milled, "volume_mm3": round(volume, 1), "removal_rate_mm3_min": rate}))
    return ops


def _drill_min(hole: Hole, feed_mm_min: float, holes: Mapping[str, Any]) -> float:
    """One blind hole: position, feed to depth, peck retracts past the peck ratio ([holes])."""
    d, depth = hole.diameter_mm, hole.depth_mm
    minutes = float(holes["position_min"]) + depth / feed_mm_min
    if d > 0 and depth / d > float(holes["peck_above_depth_to_diameter"]):
        minutes += math.ceil(depth / (float(holes["peck_step_diameters"]) * d)) * float(holes["peck_retract_min"])
    return minutes


__all__ = ["MachinedFeatures", "secondary_operations"]
