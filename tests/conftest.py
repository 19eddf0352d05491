"""Hypothesis profiles: `dev` (default, random) and `ci` (derandomized), chosen by
HYPOTHESIS_PROFILE. Deadlines are off: timing belongs in benchmarks/, not in tests."""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "dev", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "ci", max_examples=40, deadline=None, derandomize=True, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))
