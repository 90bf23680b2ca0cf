"""``logspace`` against PyTorch 2.13: values, dtypes, repr and errors.

Integer dtypes and exponents that are whole numbers must match torch exactly. Other floating
results may differ in the last bits: torch's CPU kernel computes the powers with a vectorized
``pow``, ours with NumPy's (in float64, then cast), so they are compared within 2 units in the
last place.
"""

import numpy as np
import pytest
import torch

import autograd_lib as ag

CASES = [  # (start, end, steps, base)
    (0, 2, 3, 10.0), (-3, 0, 4, 10.0), (0, 1, 5, 10.0), (-2, 2, 9, 10.0), (0, 3, 4, 2.0),
    (1, 0, 5, 10.0), (0, 10, 11, 2), (0.5, 3.5, 7, 10.0), (-1, 1, 1, 10.0), (2.5, 1, 1, 10.0),
    (0, 2, 0, 10.0), (0, 5, 6, 3), (0, 1, 100, 10.0), (-10, 10, 21, 10.0), (2, 2, 3, 10.0),
    (0, 3, 4, -2.0), (0, 1, 4, 0.5), (-3, 0, 50, 2.718281828), (0.1, 0.9, 33, 10.0),
    (0, 1, 7, -2.0), (0, 400, 3, 10.0),
]
DTYPES = ["float32", "float64", "float16", "int64", "int32", "int16"]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # torch's own cast of inf to an integer
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", CASES, ids=str)
def test_values_as_torch(case, dtype, device):
    start, end, steps, base = case
    theirs = torch.logspace(start, end, steps, base=base, dtype=getattr(torch, dtype)).numpy()
    ours = ag.logspace(start, end, steps, base=base, dtype=getattr(ag, dtype), device=device)
    assert ours.device.type == device and str(ours.dtype) == f"autograd_lib.{dtype}"
    ours = ours.cpu().numpy()
    assert ours.shape == theirs.shape
    exact = not ours.dtype.kind == "f" or all(float(x).is_integer() for x in (start, end)) and (
        steps < 2 or float((end - start) / (steps - 1)).is_integer())
    if exact:
        np.testing.assert_array_equal(ours, theirs)
    else:
        finite = np.isfinite(theirs)
        np.testing.assert_array_equal(finite, np.isfinite(ours))
        np.testing.assert_array_max_ulp(ours[finite], theirs[finite], maxulp=2)


def test_default_dtype_repr_and_requires_grad():
    """Without ``dtype``: the default dtype, printed as torch prints it; a leaf that may require
    grad."""
    ours = ag.logspace(-3, 0, 4, requires_grad=True)
    theirs = torch.logspace(-3, 0, 4, requires_grad=True)
    assert repr(ours) == repr(theirs).replace("torch", "autograd_lib")
    assert ours.is_leaf and ours.requires_grad
    ours.sum().backward()
    np.testing.assert_array_equal(ours.grad.numpy(), np.ones(4, dtype=np.float32))


@pytest.mark.parametrize("name", ["logspace", "linspace"])
def test_negative_steps_are_refused_as_torch(name):
    with pytest.raises(RuntimeError) as theirs:
        getattr(torch, name)(0, 1, -1)
    with pytest.raises(RuntimeError) as ours:
        getattr(ag, name)(0, 1, -1)
    assert str(ours.value) == str(theirs.value)
