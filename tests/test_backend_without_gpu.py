"""Without CuPy, or with CuPy and no GPU, asking for CUDA says what happened and what to do.

``make test`` runs with a CuPy (the stand-in, or the real one on a GPU machine), so these tests
take it away for their duration: ``sys.modules["cupy"] = None`` makes ``import cupy`` fail, as
on a machine where it is not installed.
"""

import sys
import types

import pytest

import autograd_lib as ag
from autograd_lib import backend


@pytest.fixture
def cupy_as(monkeypatch):
    """Make ``import cupy`` give ``module`` (None: not installed) for one test."""

    def use(module):
        monkeypatch.setattr(backend, "_cupy", None)
        monkeypatch.setitem(sys.modules, "cupy", module)

    return use


def test_without_cupy_cuda_says_how_to_install_it(cupy_as):
    cupy_as(None)
    assert not ag.cuda.is_available() and ag.cuda.device_count() == 0
    for make in (lambda: ag.ones(2, device="cuda"), lambda: ag.ones(2).cuda(),
                 lambda: ag.ones(2).to("cuda:1"), ag.cuda.current_device):
        with pytest.raises(RuntimeError, match=r"^CUDA is not available: .* CuPy, which is not "
                           r"installed\. Install it with `pip install 'autograd-course\[gpu\]'`"):
            make()
    ag.cuda.synchronize()  # returns: nothing to wait for
    assert ag.ones(2).to("cpu").device == ag.device("cpu")


def test_cupy_without_a_gpu_says_use_the_cpu(cupy_as):
    def no_device():
        raise RuntimeError("cudaErrorNoDevice: no CUDA-capable device is detected")

    cupy_as(types.SimpleNamespace(cuda=types.SimpleNamespace(
        runtime=types.SimpleNamespace(getDeviceCount=no_device))))
    assert not ag.cuda.is_available()
    with pytest.raises(RuntimeError, match=r"CuPy is installed but found no NVIDIA GPU or driver "
                       r"\(cudaErrorNoDevice: .*\)\. Use device='cpu'\."):
        ag.zeros(1, device="cuda")
