"""Shared fixtures: every op test runs on every available device."""

import pytest
from hypothesis import HealthCheck, settings

import autograd_lib

# No per-example deadline (timing is not what these tests check; CI machines are slow), and
# a "quick" profile for `make test-quick`.
settings.register_profile(
    "default", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.register_profile("quick", parent=settings.get_profile("default"), max_examples=10)
settings.load_profile("default")


def _devices():
    yield "cpu"
    yield pytest.param(
        "cuda",
        marks=[
            pytest.mark.cuda,
            pytest.mark.skipif(
                not autograd_lib.cuda.is_available(),
                reason="no CUDA GPU (or CuPy not installed): scripts/gpu_check.sh runs these",
            ),
        ],
    )


@pytest.fixture(params=list(_devices()))
def device(request):
    """'cpu', and 'cuda' where CuPy sees a GPU (skipped cleanly elsewhere)."""
    return request.param
