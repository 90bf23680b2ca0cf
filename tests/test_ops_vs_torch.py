"""Every op of autograd_lib against PyTorch: forward values, dtype, shape and the gradient of
every input, in float32 and float64, on every available device.

The list of ops is `_oracle.OPS`; each entry is one test here per dtype and device.
"""

import itertools
import operator
import warnings

import numpy as np
import pytest
import torch
from _oracle import (
    FLOAT_DTYPES,
    OPS,
    SETTINGS,
    ag,
    assert_tensor_matches,
    check_against_torch,
    make_inputs,
)
from hypothesis import given
from hypothesis import strategies as st


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("case", OPS, ids=str)
@SETTINGS
@given(data=st.data())
def test_op_matches_torch(case, dtype, device, data):
    arrays = data.draw(case.arrays(dtype), label="inputs")
    seed = data.draw(st.integers(0, 2**32 - 1), label="seed of the upstream gradient")
    check_against_torch(case, arrays, seed, device)


# ----------------------------------------------------------------------------------------------
# Type promotion: the result dtype of a binary op for every pair of operand kinds, as torch's.
# A 0-d tensor takes part like a python scalar: it only wins over a dimensioned tensor of a
# lower category (bool < int < float).
# ----------------------------------------------------------------------------------------------

OPERANDS = {
    "f32[3]": np.array([1.5, -2.0, 3.0], dtype=np.float32),
    "f64[3]": np.array([0.5, 2.0, -4.0], dtype=np.float64),
    "i64[3]": np.array([1, 2, 3], dtype=np.int64),
    "bool[3]": np.array([True, False, True]),
    "f32[]": np.array(2.0, dtype=np.float32),
    "f64[]": np.array(-0.5, dtype=np.float64),
    "i64[]": np.array(2, dtype=np.int64),
    "bool[]": np.array(True),
    "2": 2,
    "2.5": 2.5,
    "True": True,
}

BINARY = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "**": operator.pow,
    "<": operator.lt,
    "==": operator.eq,
}


def operand(m, value, device):
    if not isinstance(value, np.ndarray):
        return value
    return torch.tensor(value) if m is torch else m.tensor(value, device=device)


@pytest.mark.parametrize("op", BINARY)
def test_type_promotion(op, device):
    """All pairs of operands (not both python scalars); mismatches are listed together."""
    fn = BINARY[op]
    mismatches = []
    for (lname, lhs), (rname, rhs) in itertools.product(OPERANDS.items(), repeat=2):
        if not (isinstance(lhs, np.ndarray) or isinstance(rhs, np.ndarray)):
            continue
        try:
            expected = fn(operand(torch, lhs, device), operand(torch, rhs, device))
        except RuntimeError:  # e.g. bool - bool: torch refuses, nothing to compare
            continue
        where = f"{lname} {op} {rname}"
        try:
            actual = fn(operand(ag, lhs, device), operand(ag, rhs, device))
            assert_tensor_matches(actual, expected, device, where, tol=10, precision="float32")
        except Exception as error:  # collect them all: the table is the report
            message = str(error) if isinstance(error, AssertionError) else repr(error)
            if not message.startswith(where):
                message = f"{where}: {message}"
            mismatches.append(message.splitlines()[0])
    assert not mismatches, "\n".join(mismatches)


PROMOTED_GRADS = [
    ("a + b", "float32", "float64"),
    ("a - b", "float64", "float32"),
    ("a * b", "float64", "float32"),
    ("a / b", "float32", "float64"),
    ("a ** b", "float64", "float32"),
    ("m.where(a > 1, a, b)", "float32", "float64"),
]


@pytest.mark.parametrize(("expr", "ldtype", "rdtype"), PROMOTED_GRADS, ids=str)
@pytest.mark.parametrize("b_shape", [(3, 3), ()], ids=["b matrix", "b 0-d"])
def test_grad_dtype_follows_input_under_promotion(expr, ldtype, rdtype, b_shape, device):
    """float32 with float64 computes in float64 (unless the float64 one is 0-d: then float32),
    but each gradient has the dtype of its own input."""
    rng = np.random.default_rng(0)
    a_np = rng.uniform(0.5, 2.0, size=(3, 3)).astype(ldtype)
    b_np = rng.uniform(0.5, 2.0, size=b_shape).astype(rdtype)

    def run(m):
        a, b = make_inputs(m, (a_np, b_np), (True, True), device)
        out = eval(expr, {"m": m, "a": a, "b": b})
        out.sum().backward()
        return out, a.grad, b.grad

    for what, actual, expected in zip(("output", "grad of a", "grad of b"), run(ag), run(torch)):
        where = f"{expr}: {what}"
        assert_tensor_matches(actual, expected, device, where, tol=10, precision="float32")


@pytest.mark.parametrize(
    "expr",
    [
        "T([True, False, True]).sum()",
        "T([1, 2, 3]).sum()",
        "T([[1, 2], [3, 4]]).sum(dim=0)",
        "T([[1, 2], [3, 4]]).sum(dim=1, keepdim=True)",
        "T([1, 2, 3]).max()",
        "T([[1, 5], [3, 4]]).max(dim=1).values",
        "T([[1, 5], [3, 4]]).min(dim=0).indices",
        "T([1, 2, 3]).prod()",
        "T([1, 2, 3]) / 2",
        "T([1, 2, 3]) / T([2, 2, 2])",
        "T([1, 2, 3]) * 2",
        "T([1, 2, 3]) ** 2",
        "-T([1, 2, 3])",
        "T([1, -2, 3]).abs()",
        "T([1, 2, 3]).exp()",
        "T([1, 2, 3]).sqrt()",
        "T([1, 2, 3]).sigmoid()",
        "T([1, 2, 3]) @ T([1, 2, 3])",
        "T([True, False]) * 1.5",
        "T([1, 2]) + T([True, False])",
        "m.where(T([True, False]), T([1, 2]), T([1.5, 2.5]))",
        "m.where(T([True, False]), T([1, 2]), 0.5)",
        "m.cat([T([1, 2]), T([0.5])])",
    ],
)
def test_integer_and_bool_operands(expr, device):
    """Ops on int64/bool tensors give torch's values and dtypes (sum of bool is int64, exp of
    int64 is float32, true division is float32, int with float tensor is float32...)."""

    def env(m):
        return {"m": m, "T": lambda v: m.tensor(v) if m is torch else m.tensor(v, device=device)}

    expected = eval(expr, env(torch))
    actual = eval(expr, env(ag))
    assert_tensor_matches(actual, expected, device, expr)


@pytest.mark.parametrize(
    "expr",
    [
        "x / 0",
        "1 / (x - x)",
        "(x - 1).log()",
        "(x - 2).sqrt()",
        "(x - 2) ** 0.5",
        "(x - 2) ** 1.5",
        "(x - 2) ** (x - 0.5)",
        "x ** -1",
        "(x * 1000).exp()",
        "(x * 1000).sigmoid()",
        "(-x * 1000).sigmoid()",
        "(x - x).norm()",
    ],
)
def test_inf_and_nan_like_torch_without_warnings(expr, device):
    """Division by zero, log of 0, overflow...: torch returns inf/nan silently; so must we,
    in the forward values and in the gradients, without numpy's RuntimeWarnings."""
    values = np.array([0.0, 1.0, 3.0])

    def run(m):
        (x,) = make_inputs(m, [values], [True], device)
        out = eval(expr, {"x": x})
        out.sum().backward()
        return out, x.grad

    expected = run(torch)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        actual = run(ag)
    for what, a, t in zip(("output", "grad"), actual, expected):
        assert_tensor_matches(a, t, device, f"{expr}: {what}")
