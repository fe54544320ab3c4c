"""Hypothesis profiles for the property tests.

- ``ci``: deterministic (derandomize, no example database), 100 examples, no deadline, prints
  the reproduction blob of a failure. The default when the ``CI`` environment variable is set.
- ``dev``: 200 random examples; the default elsewhere.
- ``thorough``: 5000 examples for a long local run.

``HYPOTHESIS_PROFILE=<name>`` chooses a profile explicitly, e.g.
``HYPOTHESIS_PROFILE=thorough pytest tests/test_properties.py``.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    max_examples=100,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "dev",
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    max_examples=5000,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)

_DEFAULT_PROFILE = "ci" if os.environ.get("CI") else "dev"
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or _DEFAULT_PROFILE)
