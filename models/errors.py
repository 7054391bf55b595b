"""Errors of the learned cost models (extending ``geometry.errors.MicrofabError``)."""

from __future__ import annotations

from geometry.errors import MicrofabError


class ModelError(MicrofabError):
    """A saved learned model cannot be used (wrong versions, features, corrupt)."""

    code = "model_unusable"
