"""Shared fixtures: every op test runs on every available device."""

import pytest

import autograd_lib


def _devices():
    yield "cpu"
    yield pytest.param(
        "cuda",
        marks=[
            pytest.mark.cuda,
            pytest.mark.skipif(
                not autograd_lib.cuda.is_available(),
                reason="no CUDA GPU (or CuPy not installed): CUDA cases run in scripts/gpu_check.sh",
            ),
        ],
    )


@pytest.fixture(params=list(_devices()))
def device(request):
    """'cpu', and 'cuda' where CuPy sees a GPU (skipped cleanly elsewhere)."""
    return request.param
