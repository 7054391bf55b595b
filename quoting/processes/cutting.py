"""Cutting physics: removal and finishing rates from cutting data by ISO material group.

The data (``quoting/data/cutting.toml``, each table with its public source) gives per cutting class the
Kienzle constants (kc1.1, mc), cutting speeds and feeds for end mills, drills, taps and turning inserts.
A machine class (``processes.toml``) gives its spindle: power, torque, top speed and efficiency.

Milling roughing: ``rate = min(tool-limited ae x ap x vf, power-limited P x eta x 6e7 / kc(hm))`` with
the mean chip thickness ``hm = fz sqrt(ae / D)`` (side milling) and ``kc = kc1.1 x hm^-mc``; the spindle
speed is capped at the machine's top speed, the power at low speed by its torque.
Milling finishing by face type: planar faces face-milled (stepover x vf), walls side-milled (flute
engagement x vf), freeform faces with a ball mill at the stepover that leaves the scallop height.
Turning (Kienzle): ``Fc = kc1.1 x h^(1-mc) x b`` with h = feed, b = depth of cut; the depth is cut down
to what the spindle torque turns at the bar's radius, the speed to what the power drives and the top
speed allows: ``rate = vc x ap x f``.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from quoting.data_files import read_data
from quoting.errors import NotManufacturableError
from quoting.materials import Material

#: mm3/min per kW at kc = 1 N/mm2: 1 kW = 6e4 J/min = 6e7 N mm/min
_MM3_MIN_PER_KW = 6.0e7


@dataclass(frozen=True)
class CuttingClass:
    """Cutting data of one material class (a row of ``cutting.toml`` [classes])."""

    key: str
    iso_group: str
    description: str
    kc11_n_mm2: float
    mc: float
    mill_vc_m_min: float
    mill_fz_d: float
    rough_ae_d: float
    rough_ap_d: float
    finish_vc_m_min: float
    finish_fz_d: float
    flutes: int
    drill_vc_m_min: float
    drill_feed_factor: float
    tap_vc_m_min: float
    turn_vc_m_min: float
    turn_f_mm: float
    turn_ap_mm: float
    turn_finish_vc_m_min: float
    turn_finish_f_mm: float
    groove_f_mm: float

    def kc_n_mm2(self, chip_mm: float) -> float:
        """Kienzle's specific cutting force at chip thickness ``chip_mm``: kc1.1 x h^-mc."""
        return self.kc11_n_mm2 * math.pow(chip_mm, -self.mc)

    @classmethod
    def from_row(cls, key: str, row: Mapping[str, Any]) -> "CuttingClass":
        return cls(key=key, iso_group=str(row["iso_group"]), description=str(row["description"]),
                   flutes=int(row["flutes"]),
                   **{name: float(row[name]) for name in _FLOAT_FIELDS})


_FLOAT_FIELDS = tuple(name for name in CuttingClass.__dataclass_fields__
                      if name not in ("key", "iso_group", "description", "flutes"))


@dataclass(frozen=True)
class Spindle:
    """A machine's spindle: rated power [kW], torque [Nm], top speed [rpm], mechanical efficiency."""

    power_kw: float
    torque_nm: float
    max_rpm: float
    efficiency: float

    @classmethod
    def from_params(cls, params: Mapping[str, Any], prefix: str = "spindle") -> "Spindle":
        return cls(float(params[f"{prefix}_power_kw"]), float(params[f"{prefix}_torque_nm"]),
                   float(params[f"{prefix}_max_rpm"]), float(params["spindle_efficiency"]))

    def rpm(self, vc_m_min: float, diameter_mm: float) -> float:
        """Spindle speed for cutting speed ``vc_m_min`` on ``diameter_mm``, capped at the top speed."""
        return min(vc_m_min * 1000.0 / (math.pi * diameter_mm), self.max_rpm)

    def cutting_power_kw(self, rpm: float) -> float:
        """Power available at the tool at ``rpm``: rated power, torque-limited at low speed, x efficiency."""
        return self.efficiency * min(self.power_kw, self.torque_nm * 2.0 * math.pi * rpm / 60_000.0)


@dataclass(frozen=True)
class RemovalRate:
    """A roughing removal rate and where it comes from."""

    tool_limited_mm3_min: float
    power_limited_mm3_min: float
    tool_mm: float
    rpm: float
    feed_mm_min: float
    ae_mm: float
    ap_mm: float
    kc_n_mm2: float

    @property
    def rate_mm3_min(self) -> float:
        return min(self.tool_limited_mm3_min, self.power_limited_mm3_min)

    @property
    def limit(self) -> str:
        return "power" if self.power_limited_mm3_min < self.tool_limited_mm3_min else "tool"

    def inputs(self) -> dict[str, Any]:
        return {"tool_mm": self.tool_mm, "rpm": round(self.rpm), "feed_mm_min": round(self.feed_mm_min, 1),
                "ae_mm": round(self.ae_mm, 2), "ap_mm": round(self.ap_mm, 2), "kc_n_mm2": round(self.kc_n_mm2),
                "tool_limited_mm3_min": round(self.tool_limited_mm3_min),
                "power_limited_mm3_min": round(self.power_limited_mm3_min), "limited_by": self.limit}


def milling_removal(cut: CuttingClass, spindle: Spindle, tool_mm: float) -> RemovalRate:
    """Roughing with a ``tool_mm`` end mill: min(tool-limited ae ap vf, power-limited P eta / kc(hm))."""
    rpm = spindle.rpm(cut.mill_vc_m_min, tool_mm)
    fz = cut.mill_fz_d * tool_mm
    vf = fz * cut.flutes * rpm
    ae, ap = cut.rough_ae_d * tool_mm, cut.rough_ap_d * tool_mm
    kc = cut.kc_n_mm2(fz * math.sqrt(cut.rough_ae_d))
    power = spindle.cutting_power_kw(rpm) * _MM3_MIN_PER_KW / kc
    return RemovalRate(ae * ap * vf, power, tool_mm, rpm, vf, ae, ap, kc)


@dataclass(frozen=True)
class FinishingRates:
    """Finishing rates [mm2/min] by face type, before path efficiency and passes."""

    face_mm2_min: float
    side_mm2_min: float
    scallop_mm2_min: float
    stepover_ball_mm: float


def finishing_rates(cut: CuttingClass, spindle: Spindle, params: Mapping[str, Any]) -> FinishingRates:
    """Planar faces face-milled, walls side-milled, freeform faces at the scallop height's stepover."""
    def feed(tool_mm: float) -> float:
        return cut.finish_fz_d * tool_mm * cut.flutes * spindle.rpm(cut.finish_vc_m_min, tool_mm)

    face_tool = float(params["face_tool_mm"])
    side_tool = float(params["finishing_reference_tool_mm"])
    ball = float(params["ball_tool_mm"])
    scallop = float(params["scallop_height_mm"])
    radius = ball / 2.0
    stepover = 2.0 * math.sqrt(max(2.0 * radius * scallop - scallop * scallop, 0.0))
    return FinishingRates(
        face_mm2_min=float(params["face_stepover_d"]) * face_tool * feed(face_tool),
        side_mm2_min=float(params["side_engagement_d"]) * side_tool * feed(side_tool),
        scallop_mm2_min=stepover * feed(ball),
        stepover_ball_mm=stepover,
    )


# --- holes ------------------------------------------------------------------------------------------------------


def drill_feed_mm_rev(cut: CuttingClass, diameter_mm: float) -> float:
    """Feed per revolution of a drill of ``diameter_mm``: the by-diameter table x the class's factor."""
    rows = _drill_feeds()
    i = bisect.bisect_left([d for d, _ in rows], diameter_mm)
    return rows[min(i, len(rows) - 1)][1] * cut.drill_feed_factor


def drill_feed_mm_min(cut: CuttingClass, diameter_mm: float, spindle: Spindle | None = None) -> float:
    """Penetration rate [mm/min]: rpm (vc, capped by the spindle) x feed per rev."""
    rpm = cut.drill_vc_m_min * 1000.0 / (math.pi * diameter_mm)
    if spindle is not None:
        rpm = min(rpm, spindle.max_rpm)
    return rpm * drill_feed_mm_rev(cut, diameter_mm)


@cache
def _drill_feeds() -> tuple[tuple[float, float], ...]:
    return tuple(sorted((float(d), float(f)) for d, f in read_data("cutting.toml")["drilling"]["feed_mm_rev"]))


# --- turning ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TurningRate:
    """Rough turning on a bar of ``diameter_mm``: Kienzle force, and what limits speed and depth."""

    rate_mm3_min: float
    vc_m_min: float
    ap_mm: float
    feed_mm: float
    force_n: float
    limited_by: str

    def inputs(self) -> dict[str, Any]:
        return {"vc_m_min": round(self.vc_m_min, 1), "ap_mm": round(self.ap_mm, 2), "feed_mm_rev": self.feed_mm,
                "cutting_force_n": round(self.force_n), "removal_rate_mm3_min": round(self.rate_mm3_min),
                "limited_by": self.limited_by}


def turning_force_n(cut: CuttingClass, feed_mm: float, depth_mm: float) -> float:
    """Kienzle's main cutting force Fc = kc1.1 x h^(1-mc) x b [N], h = feed, b = depth (entering angle 90)."""
    return cut.kc11_n_mm2 * math.pow(feed_mm, 1.0 - cut.mc) * depth_mm


def turning_removal(cut: CuttingClass, spindle: Spindle, diameter_mm: float) -> TurningRate:
    """Rough turning: depth cut to the torque at the radius, speed to the power and the top speed."""
    f = cut.turn_f_mm
    ap = cut.turn_ap_mm
    limited = "tool"
    torque_force = spindle.efficiency * spindle.torque_nm * 2000.0 / diameter_mm
    if turning_force_n(cut, f, ap) > torque_force:
        ap = torque_force / turning_force_n(cut, f, 1.0)
        limited = "torque"
    force = turning_force_n(cut, f, ap)
    vc = cut.turn_vc_m_min
    vc_power = spindle.efficiency * spindle.power_kw * 60_000.0 / force
    vc_rpm = math.pi * diameter_mm * spindle.max_rpm / 1000.0
    if vc_power < vc:
        vc, limited = vc_power, "power"
    if vc_rpm < vc:
        vc, limited = vc_rpm, "spindle speed"
    return TurningRate(vc * 1000.0 * ap * f, vc, ap, f, force, limited)


def turning_finish_mm2_min(cut: CuttingClass, spindle: Spindle, diameter_mm: float) -> float:
    """Surface a finishing pass turns per minute: vc x feed, vc capped by the top speed at the diameter."""
    vc = min(cut.turn_finish_vc_m_min, math.pi * diameter_mm * spindle.max_rpm / 1000.0)
    return vc * 1000.0 * cut.turn_finish_f_mm


def parting_min(cut: CuttingClass, spindle: Spindle, diameter_mm: float) -> float:
    """Grooving/parting a bar to its centre: radius / (feed per rev x rpm at the mean radius)."""
    rpm = spindle.rpm(cut.turn_vc_m_min, diameter_mm / 2.0)
    return diameter_mm / 2.0 / (cut.groove_f_mm * rpm)


# --- lookups ----------------------------------------------------------------------------------------------------


@cache
def cutting_classes() -> dict[str, CuttingClass]:
    """Every cutting class of ``cutting.toml``, by key."""
    return {k: CuttingClass.from_row(k, row) for k, row in read_data("cutting.toml")["classes"].items()}


def cutting_class(material: Material) -> CuttingClass:
    """The cutting class of a material (``cutting.toml`` [materials])."""
    key = read_data("cutting.toml")["materials"].get(material.key)
    if key is None:
        raise NotManufacturableError(f"no cutting data for {material.name}: add it to cutting.toml [materials]")
    return cutting_classes()[key]


def group_order() -> tuple[tuple[str, CuttingClass], ...]:
    """The ISO groups from easiest to hardest to cut, each with its reference class."""
    groups = read_data("cutting.toml")["groups"]
    return tuple((g, cutting_classes()[groups["reference"][g]]) for g in groups["order"])


__all__ = [
    "CuttingClass",
    "FinishingRates",
    "RemovalRate",
    "Spindle",
    "TurningRate",
    "cutting_class",
    "cutting_classes",
    "drill_feed_mm_min",
    "drill_feed_mm_rev",
    "finishing_rates",
    "group_order",
    "milling_removal",
    "parting_min",
    "turning_finish_mm2_min",
    "turning_force_n",
    "turning_removal",
]
