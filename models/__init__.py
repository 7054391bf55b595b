"""Learned cost models: featurize, fit, predict with intervals, save/load, evaluate.

Not built yet: offers carry the rule-based price and an uncalibrated band
(see quoting/data/pricing.toml) until a workshop is calibrated.
"""

__all__: list[str] = []
