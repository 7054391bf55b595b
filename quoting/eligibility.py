"""Eligibility rules that depend on a machine: envelope, build volume, sheet size and thickness,
press-brake length and tonnage, lathe diameter and length.

Each failed rule is a (code, message) pair; the engine turns them into the
workshop's reasons. Coefficients (bending force) live in ``quoting/data/pricing.toml``.
"""

from __future__ import annotations

from collections.abc import Sequence

from geometry.features import PartFeatures
from quoting.data_files import read_data
from quoting.materials import Material
from quoting.process_kinds import Process
from quoting.ratecard import Machine


def machine_limits(process: Process, machine: Machine, features: PartFeatures,
                   material: Material) -> list[tuple[str, str]]:
    """The machine limits the part breaks, as (code, message); empty when it fits."""
    fails: list[tuple[str, str]] = []
    sheet = features.sheet_metal
    if process is Process.SHEET_METAL:
        if sheet is not None:
            max_t = machine.max_thickness_mm_by_family.get(material.family, machine.max_thickness_mm)
            if max_t is not None and sheet.thickness_mm > max_t:
                fails.append(("sheet_too_thick", f"sheet {sheet.thickness_mm:.1f} mm is thicker than the "
                                                 f"{max_t:.1f} mm the machine cuts in {material.family}"))
            if machine.max_sheet_mm is not None and not fits(sheet.flat_bbox_mm, machine.max_sheet_mm):
                fails.append(("sheet_too_large", f"flat pattern {dims(sheet.flat_bbox_mm)} mm is larger than the "
                                                 f"{dims(machine.max_sheet_mm)} mm sheet"))
            if sheet.bends:
                longest = max(b.length_mm for b in sheet.bends)
                if machine.brake_length_mm is not None and longest > machine.brake_length_mm:
                    fails.append(("brake_too_short", f"bend {longest:.0f} mm is longer than the "
                                                     f"{machine.brake_length_mm:.0f} mm press brake"))
                if machine.brake_tonnage_t is not None:
                    need_t = bending_tonnage_t(sheet.thickness_mm, longest, material)
                    if need_t > machine.brake_tonnage_t:
                        fails.append(("brake_tonnage", f"bending {sheet.thickness_mm:.1f} mm over {longest:.0f} mm "
                                                       f"needs about {need_t:.0f} t, the press brake has "
                                                       f"{machine.brake_tonnage_t:.0f} t"))
        elif machine.max_sheet_mm is not None and not fits(sorted(features.bbox_mm)[1:], machine.max_sheet_mm):
            fails.append(("sheet_too_large", f"part {dims(features.bbox_mm)} mm is larger than the "
                                             f"{dims(machine.max_sheet_mm)} mm sheet"))
        return fails
    if process is Process.CNC_TURNING and features.turning is not None:
        t = features.turning
        if machine.max_diameter_mm is not None and t.max_diameter_mm > machine.max_diameter_mm:
            fails.append(("diameter_too_large", f"diameter {t.max_diameter_mm:.1f} mm is over the lathe's "
                                                f"{machine.max_diameter_mm:.0f} mm"))
        if machine.max_length_mm is not None and t.length_mm > machine.max_length_mm:
            fails.append(("outside_envelope", f"length {t.length_mm:.1f} mm is over the lathe's "
                                              f"{machine.max_length_mm:.0f} mm"))
    box = machine.build_volume_mm or machine.envelope_mm
    if box is not None and not fits(features.bbox_mm, box):
        what = "build volume" if machine.build_volume_mm else "machine envelope"
        fails.append(("outside_envelope", f"part {dims(features.bbox_mm)} mm is outside the {what} "
                                          f"{dims(box)} mm"))
    return fails


def bending_tonnage_t(thickness_mm: float, length_mm: float, material: Material) -> float:
    """Air-bending force [t] over a die opening of ``die_opening_factor`` x thickness (pricing.toml [bending])."""
    b = read_data("pricing.toml")["bending"]
    uts = float(material.get("tensile_strength_mpa") or b["tensile_strength_mpa"].get(material.family,
                                                                                     b["default_tensile_mpa"]))
    v_mm = float(b["die_opening_factor"]) * thickness_mm
    kn_per_m = float(b["force_coefficient"]) * uts * thickness_mm ** 2 / v_mm
    return kn_per_m / 9.80665 * length_mm / 1000.0


def fits(part_mm: Sequence[float], envelope_mm: Sequence[float]) -> bool:
    """Whether a box fits the envelope in some axis-aligned orientation."""
    return all(p <= e for p, e in zip(sorted(part_mm), sorted(envelope_mm), strict=True))


def dims(d: Sequence[float]) -> str:
    return " x ".join(f"{x:.0f}" for x in d)

