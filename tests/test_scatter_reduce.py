"""``scatter_reduce`` / ``scatter_reduce_`` and ``scatter(..., reduce=)`` against PyTorch 2.13:
values (float and integer), dtypes, printed text, ``grad_fn``, gradients, forward-mode
tangents, errors and warnings; gradcheck and double backward of every differentiable case.

Each case is an expression run twice on the same numbers, as in ``test_ops_more.py`` (whose
helpers it uses): ``m`` the module (``torch`` on the CPU, ``autograd_lib`` on the device under
test), ``I([...])`` an index tensor. The indices repeat positions, so every reduction combines
several values somewhere (on the CUDA stand-in that runs the product in rounds).
"""

import warnings

import numpy as np
import pytest
import torch
import torch.autograd.forward_ad as tfw
from test_ops_more import c, check_same, evaluate, host, inputs, same_second_derivatives

import autograd_lib as ag
import autograd_lib.autograd.forward_ad as afw

REDUCES = ["sum", "prod", "mean", "amax", "amin"]
ROWS = "I([[1, 0, 1, 2], [0, 0, 2, 2]])"  # along dim 0 of a (3, 4) input
COLS = "I([[1, 1], [0, 3], [2, 1]])"  # along dim 1 of a (3, 4) input

CASES = [
    case
    for reduce in REDUCES
    for include_self in (True, False)
    for case in (
        c(f"x.scatter_reduce(0, {ROWS}, y, '{reduce}', include_self={include_self})",
          x=(3, 4), y=(2, 4)),
        c(f"m.scatter_reduce(x, 1, {COLS}, y, reduce='{reduce}', include_self={include_self})",
          x=(3, 4), y=(3, 2)),
        c(f"x.scatter_reduce(-1, I([0, 2, 0, 0]), y, '{reduce}', include_self={include_self})",
          x=(3,), y=(4,)),
    )
]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=str)
def test_matches_torch(case, dtype, device):
    rtol = 1e-5 if dtype == "float32" else 1e-12
    ours, theirs = inputs(case, dtype, device, ag), inputs(case, dtype, "cpu", torch)
    mine, expected = evaluate(case, ag, ours, device), evaluate(case, torch, theirs, "cpu")
    if device == "cpu" and dtype == "float32":
        assert repr(mine) == repr(expected).replace("torch.", "autograd_lib.")
    check_same(mine, expected, rtol, "output")
    assert type(mine.grad_fn).__name__ == type(expected.grad_fn).__name__
    assert mine.grad_fn._saved_reduce == expected.grad_fn._saved_reduce
    assert mine.grad_fn._saved_include_self == expected.grad_fn._saved_include_self
    dim = expected.grad_fn._saved_dim  # (torch shows a negative dim as an unsigned number)
    assert mine.grad_fn._saved_dim == (dim - 2**64 if dim >= 2**63 else dim) % expected.dim()
    g = np.random.default_rng(0).standard_normal(tuple(expected.shape))
    (mine * ag.tensor(g, dtype=mine.dtype, device=device)).sum().backward()
    (expected * torch.tensor(g, dtype=expected.dtype)).sum().backward()
    for name in case.shapes:
        check_same(ours[name].grad, theirs[name].grad, rtol, f"gradient of {name}")


@pytest.mark.parametrize("case", CASES, ids=str)
def test_gradcheck(case, device):
    tensors = inputs(case, "float64", device, ag)
    names = list(tensors)
    forward_ad = "'prod'" not in case.expr  # (torch 2.13 gives prod no tangent: see below)

    def fn(*xs):
        return evaluate(case, ag, dict(zip(names, xs)), device)

    assert ag.autograd.gradcheck(fn, tuple(tensors.values()), check_forward_ad=forward_ad)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_double_backward_matches_torch(case, device):
    same_second_derivatives(case, device)


def tangent(m, device, expr, x, y, dx, dy):
    """The forward-mode tangent of ``expr`` (in x and y) for the tangents dx, dy (None if it
    has none)."""
    fw, dev = (afw, device) if m is ag else (tfw, "cpu")
    t = lambda v: m.tensor(v, dtype=m.float64, device=dev)  # noqa: E731
    with fw.dual_level():
        out = eval(expr, {"m": m, "I": lambda v: m.tensor(v, device=dev),
                          "x": fw.make_dual(t(x), t(dx)), "y": fw.make_dual(t(y), t(dy))})
        return fw.unpack_dual(out).tangent


@pytest.mark.parametrize("case", CASES, ids=str)
def test_forward_ad_matches_torch(case, device):
    rng = np.random.default_rng(3)
    x, y, dx, dy = (rng.standard_normal(case.shapes[n]) for n in ("x", "y", "x", "y"))
    mine = tangent(ag, device, case.expr, x, y, dx, dy)
    theirs = tangent(torch, "cpu", case.expr, x, y, dx, dy)
    assert (mine is None) == (theirs is None)  # prod: no tangent in either
    if theirs is not None:
        np.testing.assert_allclose(host(mine), host(theirs), rtol=1e-12, atol=1e-12)


# -- cases random inputs would not reach: ties, zeros, integers ---------------------------------

TIES = [  # x, index, src: results equal to several values at once
    ([[1.0, 5.0, 3.0]], [[0, 0, 1, 2, 2]], [[1.0, 1.0, 5.0, 3.0, 2.0]]),
    ([[2.0, -1.0, 4.0]], [[1, 1, 1, 0, 2]], [[-1.0, 3.0, -1.0, 2.0, 4.0]]),
]
ZEROS = [  # a single zero and two zeros at one position, in x and in src
    ([[0.0, 2.0, 3.0]], [[0, 1, 1, 2, 2]], [[4.0, 0.0, 5.0, 0.0, 0.0]]),
    ([[1.5, 0.0, -2.0]], [[0, 0, 1, 2, 1]], [[0.0, 3.0, 2.0, 0.5, -1.0]]),
]


@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("reduce, values", [(r, v) for r in ("amax", "amin") for v in TIES]
                         + [("prod", v) for v in ZEROS] + [("mean", v) for v in TIES])
def test_ties_and_zeros_match_torch(reduce, values, include_self, device):
    x, index, src = values
    expr = f"x.scatter_reduce(1, I({index}), y, '{reduce}', include_self={include_self})"

    def run(m, dev):
        xs = m.tensor(x, dtype=m.float64, device=dev, requires_grad=True)
        ys = m.tensor(src, dtype=m.float64, device=dev, requires_grad=True)
        out = eval(expr, {"x": xs, "y": ys, "I": lambda v: m.tensor(v, device=dev)})
        (out * m.tensor([[1.0, -2.0, 3.0]], dtype=m.float64, device=dev)).sum().backward()
        return [host(t) for t in (out, xs.grad, ys.grad)]

    for mine, theirs in zip(run(ag, device), run(torch, "cpu")):
        np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=0)
    if reduce != "prod":
        rng = np.random.default_rng(5)
        dx, dy = rng.standard_normal(np.shape(x)), rng.standard_normal(np.shape(src))
        np.testing.assert_allclose(host(tangent(ag, device, expr, x, src, dx, dy)),
                                   host(tangent(torch, "cpu", expr, x, src, dx, dy)), rtol=1e-12)


@pytest.mark.parametrize("dtype", ["int64", "int32"])
@pytest.mark.parametrize("reduce", REDUCES)
def test_integers_as_torch(reduce, dtype, device):
    x, src = [[1, -7, 3, 0], [4, 5, -6, 2]], [[10, -3, 30], [-40, 9, 7]]
    index = [[0, 0, 3], [2, 2, 2]]
    for include_self in (True, False):
        mine = ag.tensor(x, dtype=getattr(ag, dtype), device=device).scatter_reduce(
            1, ag.tensor(index, device=device), ag.tensor(src, dtype=getattr(ag, dtype),
                                                          device=device),
            reduce, include_self=include_self)
        theirs = torch.tensor(x, dtype=getattr(torch, dtype)).scatter_reduce(
            1, torch.tensor(index), torch.tensor(src, dtype=getattr(torch, dtype)), reduce,
            include_self=include_self)
        assert repr(mine.cpu()) == repr(theirs).replace("torch.", "autograd_lib."), (
            reduce, include_self)


def test_zero_dim_and_empty_index_as_torch():
    for expr in ("m.tensor(2.0).scatter_reduce(0, m.tensor(0), m.tensor(3.0), 'prod')",
                 "m.tensor(2.0).scatter_reduce(0, m.tensor(0), m.tensor(3.0), 'mean')",
                 "m.ones(2, 3).scatter_reduce(0, m.zeros(0, 3, dtype=m.long), m.ones(2, 3), "
                 "'amax', include_self=False)"):
        mine, theirs = eval(expr, {"m": ag}), eval(expr, {"m": torch})
        assert repr(mine) == repr(theirs).replace("torch.", "autograd_lib."), expr


@pytest.mark.parametrize("reduce", REDUCES)
def test_in_place_form_as_torch(reduce, device):
    def run(m, dev):
        x = m.tensor([[0.5, -1.25, 2.0], [3.5, 1.0, -2.75]], dtype=m.float64, device=dev,
                     requires_grad=True)
        src = m.tensor([[2.0, 3.0, -1.0], [1.5, -2.0, 4.0]], dtype=m.float64, device=dev,
                       requires_grad=True)
        z = x * 1
        same = z.scatter_reduce_(0, m.tensor([[1, 0, 1], [1, 1, 0]], device=dev), src, reduce)
        assert same is z
        (z * m.tensor([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]], dtype=m.float64,
                      device=dev)).sum().backward()
        return type(z.grad_fn).__name__, [host(t) for t in (z, x.grad, src.grad)]

    (name, mine), (their_name, theirs) = run(ag, device), run(torch, "cpu")
    assert name == their_name
    for a, b in zip(mine, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-12)


# -- scatter(..., reduce=): PyTorch's deprecated form, without a gradient --------------------------

LEGACY = [
    "x.scatter(0, I([[1, 0, 1], [1, 1, 0]]), y, reduce='add')",
    "x.scatter(0, I([[1, 0, 1], [1, 1, 0]]), y, reduce='multiply')",
    "m.scatter(x, 1, I([[0, 0], [2, 2]]), y[:, :2], reduce='multiply')",
    "x.scatter(1, I([[0, 0], [2, 2]]), 2.0, reduce='add')",
    "m.scatter(x, 1, I([[0, 0], [2, 2]]), value=3.0, reduce='multiply')",
]


def legacy_inputs(m, dtype, dev, requires_grad):
    x = m.tensor([[0.5, -1.25, 2.0], [3.5, 1.0, -2.75]], dtype=getattr(m, dtype), device=dev,
                 requires_grad=requires_grad)
    y = m.tensor([[2.0, 3.0, -1.0], [1.5, -2.0, 4.0]], dtype=getattr(m, dtype), device=dev,
                 requires_grad=requires_grad)
    return {"x": x, "y": y, "m": m, "I": lambda v: m.tensor(v, device=dev)}


@pytest.mark.parametrize("dtype", ["float32", "int64"])
@pytest.mark.parametrize("expr", LEGACY)
def test_scatter_with_reduce_as_torch(expr, dtype, device):
    grad = dtype == "float32"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (tested below)
        mine = eval(expr, legacy_inputs(ag, dtype, device, grad))
        theirs = eval(expr, legacy_inputs(torch, dtype, "cpu", grad))
    if device == "cpu":
        assert repr(mine) == repr(theirs).replace("torch.", "autograd_lib.")
    check_same(mine, theirs, 1e-6, "result")
    if grad:  # recorded, but without a derivative: backward raises torch's error
        assert mine.grad_fn.name() == "NotImplemented"
        with pytest.raises(RuntimeError) as ours:
            mine.sum().backward()
        with pytest.raises(RuntimeError) as expected:
            theirs.sum().backward()
        assert str(ours.value) == str(expected.value) == (
            "derivative for aten::scatter is not implemented")


def test_scatter_with_reduce_in_place_and_forward_ad_as_torch():
    for m, fw in ((ag, afw), (torch, tfw)):
        z = m.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True) * 1
        assert z.scatter_(0, m.tensor([[1, 1]]), 2.0, reduce="multiply") is z
        assert z.tolist() == [[1.0, 2.0], [6.0, 8.0]]
        assert "grad_fn=<NotImplemented>" in repr(z)
        with fw.dual_level():
            d = fw.make_dual(m.ones(2), m.ones(2))
            with pytest.raises(NotImplementedError, match="^Trying to use forward AD with "
                               "aten::scatter that does not support it.$"):
                d.scatter(0, m.tensor([0, 0]), m.ones(2), reduce="add")


def test_scatter_with_reduce_warns_as_torch():
    def message(m):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            m.ones(2).scatter(0, m.tensor([0, 0]), m.ones(2), reduce="add")
            m.ones(2).scatter(0, m.tensor([0, 0]), 2.0, reduce="add")  # a number: no warning
        assert [w.category for w in caught] == [UserWarning]
        return str(caught[0].message)

    torch.set_warn_always(True)  # (torch warns once a process otherwise)
    try:
        theirs = message(torch)
    finally:
        torch.set_warn_always(False)
    expected = theirs.replace("torch.", "autograd_lib.").split(" (Triggered internally")[0]
    assert message(ag) == expected


ERRORS = [
    "x.scatter_reduce(0, I([[0]]), x, 'add')", "x.scatter_reduce(0, I([[0]]), x, 'maximum')",
    "x.scatter_reduce(0, I([[0.0]]), x, 'sum')", "x.scatter_reduce(0, I([[0]]), x.double(), "
    "'sum')", "x.scatter_reduce(0, I([[5]]), x, 'prod')", "x.scatter_reduce(0, I([0]), x, 'sum')",
    "x.scatter(0, I([[0]]), x, reduce='sum')", "x.scatter(0, I([[0]]), 1.0, reduce='mean')",
    "x.scatter(0, I([[0]]), x.double(), reduce='add')",
    "x.requires_grad_().scatter_reduce(0, I([[0, 1]]), x * 2, 'sum').sum().backward()",
    "x.scatter_add(0, I([0]), x)", "x.scatter(0, I([0]), x)", "x.gather(0, I([0]))",
    "x.requires_grad_().scatter_reduce(0, I([[1, 1, 1]]), x[:1] * 2, 'max').sum().backward()",
    "x.requires_grad_().scatter_reduce(0, I([[1, 1, 1]]), x[:1] * 2, 'min').sum().backward()",
]


@pytest.mark.parametrize("expr", ERRORS)
def test_errors_as_torchs(expr):
    def error_of(m):
        x = m.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        try:
            eval(expr, {"m": m, "x": x, "I": m.tensor})
        except Exception as exc:  # noqa: BLE001  (the point is which one)
            return type(exc).__name__, str(exc).replace("torch.", "autograd_lib.")
        return None

    expected = error_of(torch)
    assert expected is not None, "torch accepts it: not an error case"
    assert error_of(ag) == expected


@pytest.mark.parametrize("reduce", ["max", "min"])
def test_max_and_min_as_torch(reduce, device):
    """PyTorch also takes "max" and "min" (amax and amin's values), without a tangent; their
    backward raises (tested with the errors above)."""
    x, index, src = TIES[0]
    for include_self in (True, False):
        expr = f"x.scatter_reduce(1, I({index}), y, '{reduce}', include_self={include_self})"
        mine = eval(expr, {"x": ag.tensor(x, device=device), "y": ag.tensor(src, device=device),
                           "I": lambda v: ag.tensor(v, device=device)})
        theirs = eval(expr, {"x": torch.tensor(x), "y": torch.tensor(src), "I": torch.tensor})
        check_same(mine, theirs, 0, reduce)
    assert tangent(ag, device, expr, x, src, x, src) is None
    assert tangent(torch, "cpu", expr, x, src, x, src) is None


def test_double_backward_of_prod_with_two_zeros_at_one_position_is_refused_as_torch():
    def run(m):
        x = m.tensor([[1.5, 2.0, 3.0]], dtype=m.float64, requires_grad=True)
        src = m.tensor([[0.0, 0.0, 2.0]], dtype=m.float64, requires_grad=True)
        out = x.scatter_reduce(1, m.tensor([[0, 0, 1]]), src, "prod")
        dx, dsrc = m.autograd.grad(out.sum(), (x, src), create_graph=True)
        with pytest.raises(RuntimeError) as caught:
            dsrc.sum().backward()
        dx.sum().backward()  # (through x's gradient it works)
        return [host(t) for t in (dx, dsrc, x.grad, src.grad)], str(caught.value), \
            type(dsrc.grad_fn).__name__

    (mine, my_error, my_node), (theirs, their_error, their_node) = run(ag), run(torch)
    for a, b in zip(mine, theirs):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    assert my_error == their_error
    assert my_node == their_node == "Error"


@pytest.mark.parametrize("reduce", ["sum", "mean", "amax", "amin"])
def test_in_place_form_carries_the_tangent_as_torch(reduce, device):
    def run(m, fw, dev):
        t = lambda v: m.tensor(v, dtype=m.float64, device=dev)  # noqa: E731
        old = t([1.0, 2.0, 3.0])
        with fw.dual_level():
            d = fw.make_dual(t([1.0, 5.0, 3.0]), old)
            d.scatter_reduce_(0, m.tensor([0, 0, 2], device=dev),
                              fw.make_dual(t([4.0, 1.0, 2.0]), t([10.0, 20.0, 30.0])), reduce)
            return [host(x) for x in (d, fw.unpack_dual(d).tangent, old)]

    for a, b in zip(run(ag, afw, device), run(torch, tfw, "cpu")):
        np.testing.assert_allclose(a, b, rtol=1e-12)
