"""Every op on the GPU against PyTorch on the GPU (issue 16), where both are there.

``test_ops_vs_torch.py`` compares autograd_lib on each device with PyTorch on the CPU (the
oracle this project installs). On a GPU machine whose PyTorch has CUDA (``scripts/gpu_check.sh``)
this file runs the same cases with PyTorch's tensors on the GPU too: values, dtypes, shapes and
gradients of CuPy's kernels against PyTorch's CUDA kernels. Elsewhere it is skipped: the stand-in
for CuPy has no PyTorch CUDA to meet.
"""

import _oracle
import pytest
import torch as pt
from _oracle import FLOAT_DTYPES, OPS, SETTINGS, check_against_torch
from conftest import CUPY
from hypothesis import given, settings
from hypothesis import strategies as st

if CUPY != "real" or not pt.cuda.is_available():
    pytest.skip("needs real CuPy on a GPU and a PyTorch with CUDA (scripts/gpu_check.sh runs "
                "these)", allow_module_level=True)
pytestmark = pytest.mark.cuda


@pytest.fixture
def torch_on_the_gpu(monkeypatch):
    """PyTorch's inputs (and upstream gradients) made on its GPU, the same values as before."""
    make = _oracle.make_inputs

    def make_inputs(m, arrays, grad_flags, device):
        tensors = make(m, arrays, grad_flags, device)
        if m is not pt:
            return tensors
        return [t.detach().cuda().requires_grad_(t.requires_grad) for t in tensors]

    monkeypatch.setattr(_oracle, "make_inputs", make_inputs)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("case", OPS, ids=str)
@settings(SETTINGS, max_examples=3)
@given(data=st.data())
def test_op_matches_torch_cuda(case, dtype, data, torch_on_the_gpu):
    arrays = data.draw(case.arrays(dtype), label="inputs")
    seed = data.draw(st.integers(0, 2**32 - 1), label="seed of the upstream gradient")
    check_against_torch(case, arrays, seed, "cuda")
