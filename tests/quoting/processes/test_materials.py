"""The materials table: size, sources per figure, laser tables, existing keys."""

from __future__ import annotations

import pytest

from quoting.data_files import read_data
from quoting.materials import materials
from quoting.process_kinds import Process

KEPT = ("al6061", "al7075", "al5083", "s235", "c45", "ss304", "ss316l", "brass", "ti6al4v", "pom", "pa6")


def test_table_size_and_kept_keys():
    table = materials()
    assert len(table) >= 20
    assert set(KEPT) <= set(table)


def test_every_process_has_materials():
    for process in Process:
        assert any(m.accepts(process.value) for m in materials().values()), process


@pytest.mark.parametrize("key", sorted(read_data("materials.toml")["materials"]))
def test_every_figure_has_a_source(key):
    row = read_data("materials.toml")["materials"][key]
    known = read_data("materials.toml")["sources"]
    sources = row["sources"]
    for figure in ("density", "price", "co2"):
        assert sources[figure] in known
    if "removal_rate_mm3_min" in row:
        assert sources["removal"] in known
    if "laser_speed_mm_min" in row:
        assert sources["laser"] in known and sources["bend"] in known
    m = materials()[key]
    assert m.density_kg_m3 > 0 and m.price_eur_kg > 0 and m.co2_kg_per_kg > 0
    assert m.iso_group in ("P", "M", "N", "S", "O")
    if m.accepts("sheet_metal"):
        assert m.laser_speed_table and m.k_factor and m.min_bend_radius_t is not None
    if m.accepts("cnc_milling"):
        assert m.removal_rate_mm3_min and m.finishing_rate_mm2_min


def test_laser_speed_never_rises_with_thickness():
    for m in materials().values():
        speeds = [m.laser_speed_mm_min(t / 10) for t in range(5, 200)]
        known = [s for s in speeds if s is not None]
        assert known == sorted(known, reverse=True)
