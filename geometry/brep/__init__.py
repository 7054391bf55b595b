"""Exact analysis of a STEP part's B-rep (OCP): the only place that looks inside shapes."""

from geometry.brep.analyze import brep_features

__all__ = ["brep_features"]
