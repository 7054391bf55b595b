"""Exact analysis of a STEP part's B-rep (OCP): the only place that looks inside shapes.

One module per concept: ``topology`` (one indexing pass), ``axes`` (axis lines and
directions), ``planar`` (a planar face's smallest rectangle), ``standards`` (standard
drill and tap sizes), ``faces`` (mass
properties, box, face statistics), ``holes``, ``pockets`` (pockets and internal
radii), ``turning``, ``sheet`` (sheet metal and flat pattern), ``solids``
(multi-solid files).
"""

from geometry.brep.analyze import brep_features
from geometry.brep.solids import split_solids

__all__ = ["brep_features", "split_solids"]
