"""The ops and names of issue 12 against PyTorch 2.13: values, dtypes, shapes, printed text,
``grad_fn`` names, gradients and errors; then gradcheck and gradgradcheck (double backward) of
every differentiable one, in float64.

Each case is an expression run twice on the same numbers, with ``m`` the module (``torch`` on
the CPU, ``autograd_lib`` on the device under test) and ``I([...])`` an index or mask tensor.
Fixed inputs (a seeded generator), so the file runs in seconds.
"""

import math
import sys
import warnings
from dataclasses import dataclass

import numpy as np
import pytest
import torch

import autograd_lib as ag


@dataclass
class Case:
    expr: str
    shapes: dict
    grad_fn_as_torch: bool = True  # False where ours is one node and torch's a composite
    gradgrad: bool = True

    def __str__(self):
        return self.expr


def c(expr, grad_fn_as_torch=True, gradgrad=True, **shapes):
    return Case(expr, shapes or {"x": (3, 4)}, grad_fn_as_torch, gradgrad)


CASES = [
    # scans
    c("x.cumsum(1)"), c("m.cumsum(x, dim=0)"), c("x.cumsum(axis=-1)"),
    c("x.cumprod(0)"), c("m.cumprod(x, 1)"),
    # sorting
    c("x.sort(1)"), c("x.sort(0, descending=True)"), c("m.sort(x)"), c("x.topk(2)"),
    c("x.topk(2, dim=0, largest=False)"), c("m.topk(x, 3, sorted=True)"), c("x.argsort(dim=1)"),
    # indexing
    c("x.gather(1, I([[0, 2], [1, 1], [3, 0]]))"), c("m.gather(x, 0, I([[2, 0, 1, 1]]))"),
    c("x.scatter(0, I([[1, 0, 2, 1]]), y)", x=(3, 4), y=(1, 4)),
    c("x.scatter(1, I([[0], [2], [1]]), 7.0)"),
    c("x.scatter_add(0, I([[1, 0, 1, 2], [0, 0, 2, 2]]), y)", x=(3, 4), y=(2, 4)),
    c("m.scatter_add(x, 1, I([[1, 1], [0, 3], [2, 2]]), y)", x=(3, 4), y=(3, 2)),
    c("x.index_select(1, I([2, 0, 2]))"), c("m.index_select(x, 0, I([1]))"),
    c("x.index_add(0, I([0, 2, 0]), y, alpha=2)", x=(3, 4), y=(3, 4)),
    c("x.masked_fill(x > 0, 0.5)"), c("x.masked_fill(I([True, False, True, False]), y)",
                                      x=(3, 4), y=()),
    # layout
    c("x.split(2)", x=(5, 3)), c("x.split([1, 2], dim=1)", x=(2, 3)), c("x.chunk(3, 1)", x=(2, 5)),
    c("m.chunk(x, 2)"), c("x.unbind(1)"), c("m.unbind(x)"),
    c("x.repeat(2, 1, 3)", x=(2, 3)), c("x.repeat(2, 2)", x=(2, 3)), c("x.tile((2,))", x=(2, 3)),
    c("x.flip(0, 1)"), c("m.flip(x, [1])"), c("x.flip(dims=(0,))"), c("x.tile(2, 2)"),
    c("m.tile(x, dims=(2,))"), c("x.roll(1)"), c("x.roll((1, -1), (0, 1))"),
    c("x.roll(shifts=1, dims=0)"),
    c("m.roll(x, 2, 1)"),
    # linear algebra
    c("m.einsum('ij,jk->ik', x, y)", False, x=(2, 3), y=(3, 4)),
    c("m.einsum('ii', x)", False, x=(3, 3)), c("m.einsum('ii->i', x)", False, x=(3, 3)),
    c("m.einsum('bij,bjk', x, y)", False, x=(2, 2, 3), y=(2, 3, 2)),
    c("m.einsum('i,j->ij', x, y)", False, x=(2,), y=(3,)), c("m.einsum('ij->j', x)", False),
    c("m.einsum('...ij->...ji', x)", False, x=(2, 3, 4)),
    c("m.einsum('ij,ij->', [x, y])", False, x=(2, 3), y=(2, 3)),
    c("m.einsum('ij,jk,kl->il', x, y, z)", False, x=(2, 3), y=(3, 2), z=(2, 2)),
    c("m.einsum('...ij,...jk->...ik', x, y)", False, x=(1, 2, 3), y=(4, 3, 2)),
    c("m.einsum('ij,jk->ik', x, y)", False, x=(2, 1), y=(3, 2)),
    c("m.addmm(b, x, y)", x=(2, 4), y=(4, 3), b=(3,)),
    c("m.addmm(b, x, y, beta=0.5, alpha=2)", x=(2, 4), y=(4, 3), b=(2, 3)),
    c("x.addmm(y, z)", x=(2, 2), y=(2, 3), z=(3, 2)),
    c("x.diag()"), c("x.diag(1)"), c("m.diag(x, -1)", x=(3,)), c("x.diag()", x=(4,)),
    c("x.trace()"), c("x.tril()"), c("x.triu(1)"), c("m.tril(x, -1)", x=(2, 3, 3)),
    c("m.kron(x, y)", False, x=(2, 3), y=(2, 2)), c("m.kron(x, y)", False, x=(2,), y=(2, 3)),
    # reductions and elementwise
    c("x.logsumexp(1)"), c("m.logsumexp(x, dim=(0, 1), keepdim=True)"),
    c("m.logsumexp(x, 0)", x=(3,)),
    c("m.lerp(x, y, 0.3)", x=(2, 3), y=(3,)), c("x.lerp(y, 0.7)", x=(2, 3), y=(2, 3)),
    c("m.lerp(x, y, w)", x=(2, 3), y=(2, 3), w=(3,)),
    c("x.var()"), c("x.var(1)"), c("x.std(0, keepdim=True)"), c("x.var(dim=1, correction=0)"),
    c("x.std(unbiased=False)"), c("m.std(x, axis=1)"), c("m.var(x, (0, 1), True)"),
    c("x.std()", x=(5,)),
    # rounding: their gradient is zero
    c("x.round()"), c("x.round(decimals=1)"), c("x.floor()"), c("x.ceil()"), c("m.trunc(x)"),
    # views
    c("x.H", x=(2, 3)), c("x.mT", x=(2, 2, 3)), c("x.mH", x=(2, 3)),
    # the axis= alias
    c("x.sum(axis=0)"), c("x.mean(axis=1)"), c("x.argmax(axis=1)"), c("m.argmin(x, axis=0)"),
    c("x.max(axis=1)"), c("m.min(x, axis=0)"), c("x.prod(axis=1)"), c("x.amax(axis=0)"),
    c("x.softmax(axis=1)"), c("m.log_softmax(x, axis=0)"), c("x.unsqueeze(axis=0)"),
    c("x.topk(2, axis=0)"), c("x.argsort(axis=0)"), c("x.chunk(2, axis=1)"), c("x.unbind(axis=1)"),
    c("x.index_select(axis=1, index=I([1, 3]))"), c("x.gather(axis=0, index=I([[2, 0, 1, 1]]))"),
    c("x.logsumexp(axis=1)"), c("x.sort(axis=0)"), c("x.cumprod(axis=1)"),
    # truth values
    c("(x > 0).all(dim=1)"), c("m.any(x > 1, axis=0, keepdim=True)"), c("x.all()"),
    c("m.all(x > -5)"), c("(x > 0).any(1)"),
]

DIFFERENTIABLE = [
    case for case in CASES
    if not any(s in case.expr for s in ("argsort", "argmax", "argmin", "all(", "any("))
]


def inputs(case, dtype, device, m):
    rng = np.random.default_rng(sum(map(ord, case.expr)))
    dev = device if m is ag else "cpu"
    return {
        name: m.tensor(rng.standard_normal(shape) * 2, dtype=getattr(m, dtype), device=dev,
                       requires_grad=True)
        for name, shape in case.shapes.items()
    }


def evaluate(case, m, tensors, device):
    dev = device if m is ag else "cpu"
    namespace = {"m": m, "I": lambda values: m.tensor(values, device=dev), **tensors}
    return eval(case.expr, namespace)


def as_list(result):
    return list(result) if isinstance(result, tuple) else [result]


def host(t):
    return np.asarray(t.detach().cpu().numpy() if isinstance(t, torch.Tensor) else t.tolist())


def check_same(mine, theirs, rtol, where):
    assert tuple(mine.shape) == tuple(theirs.shape), where
    assert mine.dtype.name == str(theirs.dtype).removeprefix("torch."), where
    np.testing.assert_allclose(host(mine), host(theirs), rtol=rtol, atol=rtol, err_msg=where)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", CASES, ids=str)
def test_matches_torch(case, dtype, device):
    rtol = 1e-5 if dtype == "float32" else 1e-12
    ours, theirs = inputs(case, dtype, device, ag), inputs(case, dtype, "cpu", torch)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # x.std() of few elements may warn in both
        mine, expected = evaluate(case, ag, ours, device), evaluate(case, torch, theirs, "cpu")
    assert type(mine).__name__ == type(expected).__name__
    # The printed text; float64's names the dtype (longer lines, wrapped elsewhere); torch's
    # composite ops (einsum, kron) add in another order (the last printed digit may differ).
    if device == "cpu" and dtype == "float32" and case.grad_fn_as_torch:
        assert repr(mine) == repr(expected).replace("torch.", "autograd_lib.")
    outs, expected_outs = as_list(mine), as_list(expected)
    assert len(outs) == len(expected_outs)
    rng = np.random.default_rng(0)
    loss_ours = loss_theirs = 0
    for i, (a, b) in enumerate(zip(outs, expected_outs)):
        check_same(a, b, rtol, f"output {i}")
        assert a.requires_grad == b.requires_grad, f"output {i}"
        if case.grad_fn_as_torch:
            assert type(a.grad_fn).__name__ == type(b.grad_fn).__name__, f"output {i}"
        if b.requires_grad:
            g = rng.standard_normal(tuple(b.shape))
            loss_ours = loss_ours + (a * ag.tensor(g, dtype=a.dtype, device=device)).sum()
            loss_theirs = loss_theirs + (b * torch.tensor(g, dtype=b.dtype)).sum()
    if isinstance(loss_theirs, torch.Tensor):
        loss_ours.backward()
        loss_theirs.backward()
        for name in case.shapes:
            a, b = ours[name].grad, theirs[name].grad
            assert (a is None) == (b is None), name
            if b is not None:
                check_same(a, b, rtol, f"gradient of {name}")


def float_outputs(result):
    outs = [o for o in as_list(result) if o.dtype.is_floating_point and o.requires_grad]
    return outs[0] if len(outs) == 1 else tuple(outs)


@pytest.mark.parametrize("case", DIFFERENTIABLE, ids=str)
def test_gradcheck(case, device):
    tensors = inputs(case, "float64", device, ag)
    names = list(tensors)

    def fn(*xs):
        return float_outputs(evaluate(case, ag, dict(zip(names, xs)), device))

    assert ag.autograd.gradcheck(fn, tuple(tensors.values()))


def second_derivatives(case, m, device):
    """The gradient, with respect to the inputs and to the upstream gradient ``v``, of
    ``sum(w * grad(outputs, inputs, v, create_graph=True))``: what double backward computes
    (torch's gradgradcheck differentiates with respect to both too)."""
    tensors = inputs(case, "float64", device, m)
    dev = device if m is ag else "cpu"
    outs = as_list(float_outputs(evaluate(case, m, tensors, device)))
    rng = np.random.default_rng(1)
    vs = [m.tensor(rng.standard_normal(tuple(o.shape)), dtype=m.float64, device=dev,
                   requires_grad=True) for o in outs]
    xs = list(tensors.values())
    firsts = m.autograd.grad(outs, xs, vs, create_graph=True, allow_unused=True)
    total = 0
    for x, g in zip(xs, firsts):
        if g is not None and g.requires_grad:
            w = m.tensor(rng.standard_normal(tuple(x.shape)), dtype=m.float64, device=dev)
            total = total + (g * w).sum()
    if not isinstance(total, (ag.Tensor, torch.Tensor)):
        return [None] * (len(xs) + len(vs))
    seconds = m.autograd.grad(total, xs + vs, allow_unused=True)
    return [None if s is None or not np.any(host(s)) else host(s) for s in seconds]


def same_second_derivatives(case, device):
    """The second derivatives of ``case`` on ``device`` are torch's (None where torch's are)."""
    mine, theirs = second_derivatives(case, ag, device), second_derivatives(case, torch, "cpu")
    for i, (a, b) in enumerate(zip(mine, theirs)):
        assert (a is None) == (b is None), f"second derivative {i}"
        if b is not None:
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("case", [c for c in DIFFERENTIABLE if c.gradgrad], ids=str)
def test_double_backward_matches_torch(case, device):
    same_second_derivatives(case, device)


# -- cases gradcheck's random inputs would not reach ---------------------------------------------


def test_cumprod_with_zeros_matches_torch(device):
    values = [[2.0, 0.0, 3.0, 0.0], [1.5, -1.0, 0.0, 2.0]]
    x = ag.tensor(values, dtype=ag.float64, device=device, requires_grad=True)
    t = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    x.cumprod(1).sum().backward()
    t.cumprod(1).sum().backward()
    np.testing.assert_allclose(host(x.grad), t.grad.numpy())
    assert ag.autograd.gradcheck(lambda a: a.cumprod(1), (x.detach().requires_grad_(),))


def test_sort_keeps_ties_in_order_as_torch():
    # (torch's topk does not promise an order among ties, and its CPU kernel picks another
    # one than a stable sort for [2, 2, 5, 2]: ties in topk are not compared here)
    values = [[3.0, 1.0, 1.0, 2.0], [2.0, 2.0, 5.0, 2.0]]
    x, t = ag.tensor(values), torch.tensor(values)
    for expr in ("x.sort(1)", "x.sort(1, descending=True)", "x.argsort(1)", "x.sort(0)",
                 "x.argsort(0, descending=True)", "x.topk(1)"):
        mine, theirs = eval(expr, {"x": x}), eval(expr, {"x": t})
        assert repr(mine) == repr(theirs).replace("torch.", "autograd_lib."), expr


def test_round_halves_to_even_and_floor_of_integers_as_torch():
    values = [0.5, 1.5, 2.5, -0.5, -1.5, 1.25]
    for expr in ("x.round()", "x.round(decimals=1)", "x.floor()", "x.ceil()", "x.trunc()"):
        mine = eval(expr, {"x": ag.tensor(values)})
        assert repr(mine) == repr(eval(expr, {"x": torch.tensor(values)})), expr
    assert repr(ag.tensor([1, -2]).floor()) == repr(torch.tensor([1, -2]).floor())


@pytest.mark.parametrize("expr", [
    "x.masked_fill_(x > 0, 2.0)", "x.scatter_(0, I([[1, 0, 1]]), 5.0)",
    "x.scatter_add_(1, I([[0], [2]]), x[:, :1].clone())",
    "x.index_add_(1, I([0, 0]), x[:, :2].clone())", "x.round_()", "x.floor_()", "x.ceil_()",
    "x.trunc_()"])
def test_in_place_forms_as_torch(expr):
    values = [[0.5, -1.25, 2.0], [3.5, 1.0, -2.75]]
    mine, theirs = ag.tensor(values), torch.tensor(values)
    assert eval(expr, {"x": mine, "I": ag.tensor}) is mine
    assert eval(expr, {"x": theirs, "I": torch.tensor}) is theirs
    assert repr(mine) == repr(theirs)


# -- errors, in PyTorch's words --------------------------------------------------------------------

ERRORS = [
    "x.gather(0, I([0, 1]))", "x.gather(0, I([[5]]))", "x.scatter(0, I([[0.0]]), x)",
    "x.scatter_add(0, I([[0]]), x.double())", "x.index_select(0, I([[0]]))",
    "x.index_select(1, I([0.0]))", "x.masked_fill(I([[1, 0, 1, 0]]), 0.0)",
    "x.masked_fill(x > 0, I([1.0, 2.0]))", "x.split(0)", "x.split([1, 1])", "x.chunk(0)",
    "x.repeat(2)", "x.roll((1, 2), 0)", "x.topk(5)", "x.cumsum()", "x.logsumexp()", "m.trace(x[0])",
    "m.tril(x[0])", "m.diag(x[None])", "m.lerp(x, x.double(), 0.5)", "x[0].H", "x[0].mT",
    "m.einsum('ij,jk->ik', x, x)", "m.var(I([1, 2]))", "m.ones(2, dtype=m.long).unbind()[0]"
    ".unbind()",
    # softmax of integers: torch has no integer kernel (dtype= converts first)
    "I([1, 2]).softmax(0)", "m.softmax(I([[1, 2]]), 0)", "m.log_softmax(I([[1, 2]]), -1)",
    "m.nn.functional.log_softmax(I([[1, 2]]), dim=0)",
]


def error_of(m, expr):
    x = m.tensor([[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0], [0.0, 1.0, 2.0, 3.0]])
    try:
        eval(expr, {"m": m, "x": x, "I": m.tensor})
    except Exception as exc:  # noqa: BLE001  (the point is which one)
        return type(exc).__name__, str(exc).replace("torch.", "autograd_lib.")
    return None


@pytest.mark.parametrize("expr", ERRORS)
def test_errors_as_torchs(expr):
    expected = error_of(torch, expr)
    assert expected is not None, "torch accepts it: not an error case"
    assert error_of(ag, expr) == expected


@pytest.mark.parametrize("expr", [
    "m.clamp(I([1, 2, 3]), 0.5)", "I([1, 2, 3]).clamp(min=0.5, max=2.5)",
    "I([1, 2, 3]).clamp(max=1.5)", "m.clamp(I([1, 2, 3]), 1, 2)", "m.clamp(I([True, False]), 0.5)",
    "m.clamp(I([1, 2, 3], dtype=m.int32), 1, 2.5)", "I([1.0, 2.0], dtype=m.float16).clamp(0.5)",
    "I([1, 2]).softmax(0, dtype=m.float64)", "m.log_softmax(I([1, 2]), 0, dtype=m.float32)",
])
def test_integer_inputs_promote_as_torch(expr):
    """clamp with a float bound gives a floating result (torch's type promotion), softmax of
    integers with dtype= computes in that dtype."""
    ours, theirs = (eval(expr, {"m": m, "I": m.tensor}) for m in (ag, torch))
    assert repr(ours).replace("autograd_lib.", "torch.") == repr(theirs)


# -- legacy constructors, defaults, out=, warnings ----------------------------------------------

LEGACY = ["m.LongTensor([1, 2])", "m.FloatTensor(2, 3).shape", "m.DoubleTensor([1.5])",
          "m.IntTensor([1.7, -2.2])", "m.BoolTensor([1, 0])", "m.FloatTensor()",
          "m.LongTensor(2).dtype", "m.ByteTensor([3])", "m.FloatTensor", "m.LongTensor",
          "isinstance(m.FloatTensor([1.0]), m.FloatTensor)",
          "isinstance(m.LongTensor([1]), m.FloatTensor)", "isinstance(m.ones(2), m.FloatTensor)",
          "m.tensor([[1.0, 2.0], [3.0, 4.0]]).t().stride()", "m.ones(2, 3).stride(1)",
          "m.ones(2, 3).t().is_contiguous()", "m.ones(2, 3).t().contiguous().is_contiguous()",
          "m.ones(3, 1).expand(3, 4).stride()", "m.tensor(2.0).stride()",
          "m.ones(2, dtype=m.float64).new_zeros(2, 3)", "m.ones(2).new_ones((2,))",
          "m.ones(2).new_full((2,), 3)", "m.ones(2, dtype=m.long).new_ones(2)",
          "m.ones(2).new_empty(3).shape", "m.ones(2).new_tensor([1, 2])",
          "m.ones(2).new_zeros(2, requires_grad=True)",
          "m.tensor([1.5, 2.5]).type(m.LongTensor)", "m.tensor([1.5, 2.5]).type('torch.IntTensor')",
          "m.tensor([1, 2]).type(m.DoubleTensor)"]


@pytest.mark.parametrize("expr", LEGACY)
def test_legacy_and_new_as_torch(expr):
    ours, theirs = eval(expr, {"m": ag}), eval(expr, {"m": torch})
    assert repr(ours) == repr(theirs).replace("torch.", "autograd_lib."), expr


def test_set_default_device_and_tensor_type():
    assert repr(ag.get_default_device()) == repr(torch.get_default_device())
    ag.set_default_device("cpu")
    try:
        assert ag.zeros(2).device.type == "cpu"
    finally:
        ag.set_default_device(None)
    for m in (ag, torch):
        with pytest.warns(UserWarning, match=r"set_default_tensor_type\(\) is deprecated as of "
                          r"PyTorch 2.1, please use torch.set_default_dtype\(\) and "
                          r"torch.set_default_device\(\) as alternatives"):
            m.set_default_tensor_type(m.FloatTensor)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with pytest.raises(TypeError, match="only floating-point types are supported as the "
                               "default type"):
                m.set_default_tensor_type(m.LongTensor)
    for m in (ag, torch):  # a float type sets the default dtype (tests/test_default_dtype.py)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                m.set_default_tensor_type(m.DoubleTensor)
                assert m.get_default_dtype() is m.float64
            finally:
                m.set_default_dtype(m.float32)


@pytest.mark.parametrize("expr", ["m.add(a, b, out=o)", "m.mul(a, 3, out=o)",
                                  "m.matmul(a.reshape(2, 1), b.reshape(1, 2), out=o)",
                                  "m.add(a, b, alpha=2, out=m.empty(0, device=a.device))",
                                  "m.addmm(a, a.reshape(2, 1), b.reshape(1, 2), out=o)"])
def test_out_writes_into_the_tensor_as_torch(expr, device):
    results = []
    for m, dev in ((ag, device), (torch, "cpu")):
        a = m.tensor([1.0, 2.0], device=dev)
        b = m.tensor([3.0, -1.0], device=dev)
        o = m.empty(2, 2, device=dev) if "matmul" in expr or "addmm" in expr else m.empty(
            2, device=dev)
        result = eval(expr, {"m": m, "a": a, "b": b, "o": o})
        assert result is o or "out=o" not in expr
        results.append(host(result))
    np.testing.assert_array_equal(*results)


def test_out_errors_and_resize_warning_as_torch():
    for m in (ag, torch):
        with pytest.raises(RuntimeError, match=r"add\(\): functions with out=\.\.\. arguments "
                           "don't support automatic differentiation, but one of the arguments "
                           "requires grad."):
            m.add(m.ones(2, requires_grad=True), 1, out=m.empty(2))
        with pytest.raises(RuntimeError, match="result type Float can't be cast to the desired "
                           "output type Long"):
            m.add(m.ones(2), 1, out=m.empty(2, dtype=m.long))
        with pytest.warns(UserWarning, match=r"An output with one or more elements was resized "
                          r"since it had shape \[3\], which does not match the required output "
                          r"shape \[2\]"):
            m.mul(m.ones(2), 2, out=m.empty(3))
        with m.no_grad():
            assert m.add(m.ones(2, requires_grad=True), 1, out=m.empty(2)).tolist() == [2.0, 2.0]


def test_float_of_a_tensor_requiring_grad_warns_once_as_torch(monkeypatch):
    monkeypatch.setitem(sys.modules["autograd_lib.tensor"]._warned, "float", False)
    x = ag.tensor(2.0, requires_grad=True)
    with pytest.warns(UserWarning, match=r"Converting a tensor with requires_grad=True to a "
                      r"scalar may lead to unexpected behavior.\nConsider using tensor.detach\(\) "
                      "first."):
        assert float(x * 3) == 6.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        float(x)  # once per process, as torch's
        int(x)
        f"{x:.2f}"
        with ag.no_grad():
            float(x)
    assert math.isclose(float(ag.tensor(0.5)), 0.5)


# -- grad_fn._saved_self, _saved_other, _saved_result ... ------------------------------------------

SAVED = [
    ("x * y", "self other"), ("x * y.detach()", "self other"), ("x / y", "self other"),
    ("x ** 2", "self exponent"), ("x ** y", "self exponent result"), ("2 ** x", "self result"),
    ("x.reciprocal()", "result"), ("x + y", "alpha"), ("m.add(x, y, alpha=2)", "alpha"),
    ("x - y", "alpha"), ("1 - x", "alpha"), ("x.exp()", "result"), ("x.log()", "self"),
    ("x.sqrt()", "result"), ("x.abs()", "self"), ("x.sin()", "self"), ("x.cos()", "self"),
    ("x.tanh()", "result"), ("x.sigmoid()", "result"), ("x.relu()", "result"),
    ("x.clamp(-1, 1)", "self min max"), ("x.sum()", "self_sym_sizes"),
    ("x.sum(0)", "self_sym_sizes"), ("x.mean()", "self_sym_sizes"), ("x.max()", "self result"),
    ("x.prod()", "self result"), ("x.prod(1)", "self result"), ("x.amax(0)", "self result"),
    ("x.logsumexp(1)", "self result"), ("x.var()", "self"), ("x.std(0)", "self result"),
    ("x.norm()", "self result ord"), ("x.softmax(1)", "result dim"),
    ("x.log_softmax(0)", "result dim"), ("x @ y.t()", "self mat2"), ("x[0] @ y[0]", "self tensor"),
    ("x @ y[0]", "self vec"), ("m.addmm(y[0], x, y.t(), beta=2, alpha=3)", "mat1 mat2 alpha beta"),
    ("m.lerp(x, y, 0.25)", "weight"), ("m.lerp(x, y, y)", "self end weight"),
    ("x.cumsum(1)", "dim"), ("x.cumprod(0)", "self result dim"),
    ("x.reshape(-1)", "self_sym_sizes"), ("x[0].expand(3, 3)", "self_sym_sizes"),
    ("x.tril(1)", "diagonal"), ("x.gather(1, m.tensor([[0], [1], [2]]))", "dim index"),
    ("x.index_select(1, m.tensor([2, 0]))", "dim index self_sym_sizes"),
    ("x.sort(1)[0]", "dim indices self_sym_sizes"), ("x.topk(2)[0]", "indices self_sym_sizes"),
    ("x.masked_fill(x > 1, 0.0)", "mask"), ("x.flip(0)", "dims"), ("x.roll(1, 0)", "dims shifts"),
    ("x.roll(1)", "dims shifts"), ("x.repeat(2, 1)", "repeats self_sym_sizes"),
    ("x.transpose(0, 1)", "dim0 dim1"), ("m.cat([x, y], 1)", "dim"),
    ("x.trace()", "self_sym_sizes"), ("x.var(1)", "dim keepdim"),
    ("x.logsumexp(1)", "dim keepdim"), ("x.scatter_add(0, m.tensor([[0, 1, 2]]), y[:1])",
                                        "dim index"),
    ("x.index_add(0, m.tensor([0, 1, 2]), y)", "dim index alpha"),
]


def saved_values(m, expr, names):
    rng = np.random.default_rng(3)
    x = m.tensor(rng.uniform(0.5, 2.0, (3, 3)), requires_grad=True)
    y = m.tensor(rng.uniform(0.5, 2.0, (3, 3)), requires_grad=True)
    fn = eval(expr, {"m": m, "x": x, "y": y}).grad_fn
    values = {}
    for name in names.split():
        v = getattr(fn, "_saved_" + name)
        values[name] = host(v).tolist() if isinstance(v, (ag.Tensor, torch.Tensor)) else v
    return values


@pytest.mark.parametrize(("expr", "names"), SAVED)
def test_saved_values_under_torchs_names(expr, names):
    mine, theirs = saved_values(ag, expr, names), saved_values(torch, expr, names)
    for name in names.split():
        a, b = mine[name], theirs[name]
        if isinstance(b, list):
            np.testing.assert_allclose(np.asarray(a, float), np.asarray(b, float), rtol=1e-6,
                                       err_msg=name)
        else:
            assert a == b or (a is None and b is None) or tuple(a) == tuple(b), name


def test_saved_values_are_freed_after_backward_as_torch():
    for m in (ag, torch):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x * x
        y.sum().backward()
        with pytest.raises(RuntimeError, match="Trying to backward through the graph a second "
                           "time"):
            _ = y.grad_fn._saved_self
