"""Numba kernels on flat triangle arrays (see STYLE.md, "Numeric kernels")."""

__all__: list[str] = []
