"""The float-array alias of ``models``, in a module that imports nothing but numpy (the quote path's models
load without scikit-learn)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

#: a float64 array (vectors of prices and log-ratios, feature matrices)
FloatArray = npt.NDArray[np.float64]

__all__ = ["FloatArray"]
