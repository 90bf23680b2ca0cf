"""Second (and third) derivatives through create_graph=True, compared with torch.

Two ways to get a Hessian-vector product H·v of a scalar loss L(x1, ..., xn):
  * autograd.grad:  g = grad(L, xs, create_graph=True); Hv = grad(sum(g_i · v_i), xs)
  * backward:       L.backward(create_graph=True); g = [x.grad]; clear the grads;
                    sum(g_i · v_i).backward(); Hv = [x.grad]
Also the plain grad of grad with an upstream gradient, for the ops whose second derivative is
not zero, and a third derivative.
"""

import numpy as np
import pytest
import torch
from _oracle import (
    FLOAT_DTYPES,
    OPS,
    SETTINGS,
    ag,
    assert_tensor_matches,
    find,
    make_inputs,
)
from hypothesis import given, note
from hypothesis import strategies as st

# One spelling of each differentiable op; the loss is sum(w * op(inputs) ** 2) so that its
# Hessian is not zero even where the op's own second derivative is (add, relu, sum, ...).
# fmt: off
SECOND_ORDER = [
    find(OPS, expr)
    for expr in [
        "a + b", "a - b", "a * b", "a / b", "a ** b", "-x", "x * 3", "1 / x", "x ** 3",
        "x ** 0.5", "2 ** x",
        "x.exp()", "x.log()", "x.sqrt()", "x.abs()", "x.sin()", "x.cos()", "x.tanh()",
        "x.sigmoid()", "x.relu()", "x.clamp(-0.5, 0.5)", "m.where(c, a, b)",
        "a @ b", "x.sum()", "x.sum(dim=-1)", "x.mean()", "x.mean(0)", "x.prod()",
        "x.norm()", "x.max(dim=1).values",
        "x.softmax(dim=-1)", "x.log_softmax(-1)",
        "x[i] [repeated]", "x[mask]", "x[1:, ::2]", "x.expand(2, 3, 4)", "x.transpose(0, 1)",
        "x.reshape(-1)", "m.cat([a, b])", "m.stack([a, b])",
    ]
]

# Ops with a nonzero second derivative of their own: grad of grad(op(x), x, g) is checked bare.
CURVED = [
    find(OPS, expr)
    for expr in [
        "a * b", "a / b", "a ** b", "1 / x", "x ** 3", "x ** 0.5", "2 ** x",
        "x.exp()", "x.log()", "x.sqrt()", "x.sin()", "x.cos()", "x.tanh()", "x.sigmoid()",
        "a @ b", "x.prod()", "x.norm()", "x.softmax(dim=-1)", "x.log_softmax(-1)",
    ]
]
# fmt: on

# Derivatives of derivatives go through more roundings: 10x the first-order tolerances.
TOL = 10.0


def leaves(m, arrays, case, device):
    return make_inputs(m, arrays, case.grad_flags(), device)


def random_like(rng, arrays, dtype):
    return [np.asarray(rng.standard_normal(a.shape), dtype=dtype) for a in arrays]


def const(m, array, device):
    return torch.tensor(array) if m is torch else m.tensor(array, device=device)


def loss(m, case, inputs, w, device):
    out = case.fn(m, *inputs)
    return (const(m, w, device) * out * out).sum()


def hvp_with_grad(m, case, arrays, w, vs, device):
    inputs = leaves(m, arrays, case, device)
    xs = [t for t in inputs if t.requires_grad]
    grads = m.autograd.grad(loss(m, case, inputs, w, device), xs, create_graph=True)
    dot = sum((g * const(m, v, device)).sum() for g, v in zip(grads, vs))
    return list(grads), list(m.autograd.grad(dot, xs))


def hvp_with_backward(m, case, arrays, w, vs, device):
    inputs = leaves(m, arrays, case, device)
    xs = [t for t in inputs if t.requires_grad]
    loss(m, case, inputs, w, device).backward(create_graph=True)
    grads = [x.grad for x in xs]
    for x in xs:
        x.grad = None
    dot = sum((g * const(m, v, device)).sum() for g, v in zip(grads, vs))
    dot.backward()
    return grads, [x.grad for x in xs]


def compare(case, device, expected, actual):
    (t_grads, t_hvps), (a_grads, a_hvps) = expected, actual
    for i, (a, t) in enumerate(zip(a_grads, t_grads)):
        what = f"{case}: gradient {i}"
        assert a.requires_grad, f"{what} does not require grad after create_graph=True"
        assert_tensor_matches(a, t, device, what, tol=TOL)
    for i, (a, t) in enumerate(zip(a_hvps, t_hvps)):
        assert_tensor_matches(a, t, device, f"{case}: Hessian-vector product {i}", tol=TOL)


def draw(case, dtype, data):
    arrays = data.draw(case.arrays(dtype), label="inputs")
    for name, array in zip(case.inputs, arrays):
        note(f"{name} = np.{array!r}")
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="seed"))
    with torch.no_grad():
        inputs = leaves(torch, arrays, case, "cpu")
        out_shape = tuple(case.fn(torch, *inputs).shape)
    w = np.asarray(rng.standard_normal(out_shape), dtype=dtype)
    vs = random_like(rng, [a for a, flag in zip(arrays, case.grad_flags()) if flag], dtype)
    return arrays, w, vs


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("case", SECOND_ORDER, ids=str)
@SETTINGS
@given(data=st.data())
def test_hessian_vector_product_autograd_grad(case, dtype, device, data):
    arrays, w, vs = draw(case, dtype, data)
    expected = hvp_with_grad(torch, case, arrays, w, vs, "cpu")
    actual = hvp_with_grad(ag, case, arrays, w, vs, device)
    compare(case, device, expected, actual)


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")  # torch's
@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("case", SECOND_ORDER, ids=str)
@SETTINGS
@given(data=st.data())
def test_hessian_vector_product_backward(case, dtype, device, data):
    arrays, w, vs = draw(case, dtype, data)
    expected = hvp_with_backward(torch, case, arrays, w, vs, "cpu")
    actual = hvp_with_backward(ag, case, arrays, w, vs, device)
    compare(case, device, expected, actual)


def grad_of_grad(m, case, arrays, g, vs, device):
    """d/dx <grad(op(x), x, g), v>: the op's own second derivative, applied to g and v."""
    inputs = leaves(m, arrays, case, device)
    xs = [t for t in inputs if t.requires_grad]
    out = case.fn(m, *inputs)
    grads = m.autograd.grad(out, xs, grad_outputs=const(m, g, device), create_graph=True)
    dot = sum((gx * const(m, v, device)).sum() for gx, v in zip(grads, vs))
    return list(grads), list(m.autograd.grad(dot, xs))


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("case", CURVED, ids=str)
@SETTINGS
@given(data=st.data())
def test_grad_of_grad(case, dtype, device, data):
    arrays, g, vs = draw(case, dtype, data)
    expected = grad_of_grad(torch, case, arrays, g, vs, "cpu")
    actual = grad_of_grad(ag, case, arrays, g, vs, device)
    compare(case, device, expected, actual)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
def test_third_derivative_of_cube(dtype, device):
    """d/dx x**3 = 3x**2, d2 = 6x, d3 = 6, elementwise."""
    values = np.array([-1.5, 0.5, 2.0], dtype=dtype)
    x = ag.tensor(values, device=device, requires_grad=True)
    (d1,) = ag.autograd.grad((x**3).sum(), x, create_graph=True)
    (d2,) = ag.autograd.grad(d1.sum(), x, create_graph=True)
    (d3,) = ag.autograd.grad(d2.sum(), x)
    for what, actual, expected in [
        ("d1", d1, 3 * values**2),
        ("d2", d2, 6 * values),
        ("d3", d3, np.full(3, 6.0, dtype=dtype)),
    ]:
        assert actual.dtype == getattr(ag, dtype), what
        np.testing.assert_allclose(
            actual.detach().cpu().numpy(), expected, rtol=1e-6, err_msg=what, strict=True
        )


def test_third_derivative_of_cube_via_backward(device):
    x = ag.tensor(0.5, dtype=ag.float64, device=device, requires_grad=True)
    (x**3).backward(create_graph=True)
    d1 = x.grad
    x.grad = None
    d1.backward(create_graph=True)
    d2 = x.grad
    x.grad = None
    d2.backward()
    d3 = x.grad
    assert [float(d.item()) for d in (d1, d2, d3)] == [0.75, 3.0, 6.0]
