"""Elementwise functions (exp, log, tanh, relu, ...) and comparisons, each with its derivative.

Each backward is ``grad * f'(x)``, written the way PyTorch's derivatives.yaml writes it; some
reuse the op's own result (``exp``: d/dx e^x = e^x, so ExpBackward0 saves the output).

Every op records itself as ``autograd.Function.apply`` does (see ``record`` in
``autograd/graph.py``): the forward on arrays, ``Tensor._make`` for the result, then, if a
gradient is needed, the node, what it saves, and ``record(node, out)``. The one-input ops take
these steps in ``record_unary`` (``_common.py``); those that are a NumPy ufunc on floats (exp,
log, sqrt, sin, cos, tanh) are made by ``_float_ufunc``. ``clamp`` (its node keeps two bounds)
and ``where`` (three inputs) take them themselves.

Backward formulas get arrays (a plain backward) or tensors (``create_graph=True``). Where a
formula needs a function that NumPy spells ``np.cos(x)`` and a Tensor ``x.cos()``, it calls the
helper of ``_common`` that takes either: ``either.cos(x)``, ``either.where(mask, grad, 0)``.
"""

from .. import _dtype
from ..autograd.graph import Node, needs_grad, record
from ..tensor import Tensor
from . import _common as either  # backward formulas' helpers: each takes an array or a tensor
from ._common import (
    _dual,
    _state,
    as_tensor,
    floating,
    forward,
    operands,
    quiet,
    record_unary,
    xp_of,
)


def _float_ufunc(ufunc_name, node_cls, save_input=False, save_output=False, silent=False):
    """The op ``ufunc_name(input)``: NumPy's (or CuPy's) ufunc of that name on the input's array
    (in the default dtype for an integer input), recorded by ``record_unary`` with a
    ``node_cls`` node that keeps the input or the result. ``silent``: the ufunc can make inf or
    nan from finite numbers (``log(0)``, ``exp(1000)``), which PyTorch returns without a
    warning."""

    def op(input):
        x = floating(input._data)
        if silent:
            with quiet():
                data = getattr(xp_of(x), ufunc_name)(x)
        else:
            data = getattr(xp_of(x), ufunc_name)(x)
        return record_unary(node_cls, input, data, save_input, save_output)

    op.__name__ = op.__qualname__ = ufunc_name
    return op


def auto_element_wise(node, dx, x, result):
    """The ``jvp`` (forward mode) of a one-input elementwise op, which PyTorch's
    derivatives.yaml writes ``result: auto_element_wise``: output i depends on input i alone, so
    the Jacobian is diagonal and J v is the backward formula with the tangent ``dx`` in place of
    the gradient. The nodes below take it from ``ElementWise``."""
    saved = x if node._saved_names == ("self",) else result
    return node.backward(dx, saved)[0]


class ElementWise(Node):
    """The node of a one-input elementwise op: its ``jvp`` is ``auto_element_wise``."""

    __slots__ = ()
    jvp = auto_element_wise


class ExpBackward0(ElementWise):
    """d/dx e^x = e^x   ->   grad * result."""

    __slots__ = ()
    _saved_names = ("result",)

    def backward(self, grad, result):
        return (grad * result,)


exp = _float_ufunc("exp", ExpBackward0, save_output=True, silent=True)


class LogBackward0(ElementWise):
    """d/dx log x = 1 / x   ->   grad / x."""

    __slots__ = ()
    _saved_names = ("self",)

    def backward(self, grad, x):
        return (grad / x,)


log = _float_ufunc("log", LogBackward0, save_input=True, silent=True)


class SqrtBackward0(ElementWise):
    """d/dx sqrt(x) = 1 / (2 sqrt(x))   ->   grad / (2 * result)."""

    __slots__ = ()
    _saved_names = ("result",)

    def backward(self, grad, result):
        return (grad / (2 * result),)


sqrt = _float_ufunc("sqrt", SqrtBackward0, save_output=True, silent=True)


class AbsBackward0(ElementWise):
    """d/dx |x| = sign(x)   (0 at x = 0, as PyTorch)   ->   grad * sign(x)."""

    __slots__ = ()
    _saved_names = ("self",)

    def backward(self, grad, x):
        return (grad * either.sign(x),)


def abs(input):
    x = input._data
    return record_unary(AbsBackward0, input, xp_of(x).abs(x), save_input=True)


class SinBackward0(ElementWise):
    """d/dx sin x = cos x   ->   grad * cos(x)."""

    __slots__ = ()
    _saved_names = ("self",)

    def backward(self, grad, x):
        return (grad * either.cos(x),)


sin = _float_ufunc("sin", SinBackward0, save_input=True)


class CosBackward0(ElementWise):
    """d/dx cos x = -sin x   ->   grad * -sin(x)."""

    __slots__ = ()
    _saved_names = ("self",)

    def backward(self, grad, x):
        return (grad * -either.sin(x),)


cos = _float_ufunc("cos", CosBackward0, save_input=True)


class TanhBackward0(ElementWise):
    """d/dx tanh x = 1 - tanh(x)^2   ->   grad * (1 - result * result)."""

    __slots__ = ()
    _saved_names = ("result",)

    def backward(self, grad, result):
        return (grad * (1 - result * result),)


tanh = _float_ufunc("tanh", TanhBackward0, save_output=True)


class SigmoidBackward0(ElementWise):
    """d/dx s(x) = s(x) (1 - s(x))   ->   grad * (1 - result) * result."""

    __slots__ = ()
    _saved_names = ("result",)

    def backward(self, grad, result):
        return (grad * (1 - result) * result,)


def sigmoid(input):
    x = floating(input._data)
    xp = xp_of(x)
    with quiet():  # exp(-x) overflows to inf for very negative x: 1 / inf = 0, as wanted
        data = 1 / (1 + xp.exp(-x))
    return record_unary(SigmoidBackward0, input, data, save_output=True)


class ReluBackward0(ElementWise):
    """d/dx max(x, 0) = 1 where the result is positive, else 0   ->   grad where result > 0."""

    __slots__ = ()
    _saved_names = ("result",)

    def backward(self, grad, result):
        positive = result > 0
        if isinstance(grad, Tensor):  # create_graph: recorded as a where() (WhereBackward0)
            return (either.where(positive, grad, 0),)
        # Multiplying by the boolean mask is the same numbers as where(mask, grad, 0) and
        # about 4x faster in NumPy (0.5 ms per step of the 512x784-256-10 MLP benchmark).
        return (grad * positive,)


def relu(input):
    x = input._data
    xp = xp_of(x)
    # max(x, 0) against a row of zeros rather than the number 0: the same numbers, but NumPy 2
    # vectorizes maximum only for two arrays (16 us instead of 40 us on the 512x256 float32
    # activations of the MLP benchmark).
    zero = xp.zeros(x.shape[-1:], dtype=x.dtype) if x.ndim else 0
    return record_unary(ReluBackward0, input, xp.maximum(x, zero), save_output=True)


class ClampBackward1(ElementWise):
    """clamp passes the gradient where min <= x <= max, and 0 where it clipped."""

    __slots__ = ("min", "max")
    _saved_names = ("self",)
    _saved_min = property(lambda self: self.min)
    _saved_max = property(lambda self: self.max)

    def backward(self, grad, x):
        if self.min is None:
            inside = x <= self.max
        elif self.max is None:
            inside = x >= self.min
        else:
            inside = (x >= self.min) & (x <= self.max)
        return (either.where(inside, grad, 0),)


def clamp(input, min=None, max=None):
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        raise NotImplementedError("clamp with tensor bounds is not supported; use where()")
    x = input._data
    if x.dtype.kind != "f" and (isinstance(min, float) or isinstance(max, float)):
        x = x.astype(_dtype.result_type(input, *[b for b in (min, max) if b is not None]).np)
    data = xp_of(x).clip(x, min, max).astype(x.dtype, copy=False)  # (ints: float bounds promote)
    out = Tensor._make(data, False, None, input._dev)
    if _state.enabled and input._requires_grad:  # needs_grad(input), spelled out: hot path
        node = ClampBackward1(input)
        node.min = min
        node.max = max
        node.save_for_backward(input)
        record(node, out)
    if _dual.active:  # forward-mode AD: the result's tangent (autograd/forward_ad.py)
        forward(ClampBackward1, (input,), out, min=min, max=max)
    return out


clip = clamp


class WhereBackward0(Node):
    """z = where(c, a, b):  dz/da = grad where c (else 0),  dz/db = grad where not c (else 0)."""

    __slots__ = ("shapes", "dtypes")

    def backward(self, grad, cond):
        _, need_a, need_b = self.needs_input_grad
        da = either.sum_to(either.where(cond, grad, 0), self.shapes[0]) if need_a else None
        db = either.sum_to(either.where(cond, 0, grad), self.shapes[1]) if need_b else None
        if self.dtypes is not None:  # the inputs were promoted: give each its own dtype back
            da = None if da is None else either.cast(da, self.dtypes[0])
            db = None if db is None else either.cast(db, self.dtypes[1])
        return (None, da, db)

    def jvp(self, dcond, da, db, cond, a, b, result):
        return either.where(cond, da, db)


def where(condition, input=None, other=None):
    """Elementwise ``input if condition else other`` (broadcasting all three)."""
    if input is None and other is None:
        indices = xp_of(condition._data).nonzero(condition._data)
        return tuple(Tensor._make(i, False, None, condition._dev) for i in indices)
    like = input if isinstance(input, Tensor) else other
    cond = as_tensor(condition, like)
    a, b, dev, promoted = operands(as_tensor(input, like), other)
    out = Tensor._make(xp_of(a).where(cond._data, a, b), False, None, dev)
    if needs_grad(input, other):
        node = WhereBackward0(cond, input, other)
        node.shapes = (getattr(a, "shape", ()), getattr(b, "shape", ()))
        node.dtypes = None
        if promoted:
            node.dtypes = tuple(
                x._data.dtype if isinstance(x, Tensor) else None for x in (input, other))
        node.save_for_backward(cond._data)
        record(node, out)
    if _dual.active:  # forward-mode AD: the result's tangent (autograd/forward_ad.py)
        forward(WhereBackward0, (cond, input, other), out)
    return out


# -- comparisons, logic and bits: results are never part of a graph ---------------------------


def _nondifferentiable(ufunc_name):
    """The op ``input <ufunc> other`` (NumPy's ``ufunc_name``), with no gradient: its result is a
    bool tensor (an integer one for bitwise ops on integers), a constant of any graph."""

    def op(input, other):
        a, b, dev, _ = operands(input, other)
        return Tensor._make(getattr(xp_of(a), ufunc_name)(a, b), False, None, dev)

    op.__name__ = ufunc_name
    return op


eq, ne, lt, le, gt, ge = map(_nondifferentiable, (
    "equal", "not_equal", "less", "less_equal", "greater", "greater_equal"))
logical_and, logical_or, logical_xor = map(_nondifferentiable, (
    "logical_and", "logical_or", "logical_xor"))
bitwise_and, bitwise_or, bitwise_xor = map(_nondifferentiable, (
    "bitwise_and", "bitwise_or", "bitwise_xor"))


def logical_not(input):
    return Tensor._make(xp_of(input._data).logical_not(input._data), False, None, input._dev)


def bitwise_not(input):
    x = input._data
    return Tensor._make(xp_of(x).logical_not(x) if x.dtype == bool else ~x, False, None,
                        input._dev)


def equal(input, other):
    """True if both tensors have the same shape and elements."""
    return input.shape == other.shape and bool(xp_of(input._data).all(input._data == other._data))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return bool(xp_of(input._data).allclose(input._data, other._data, rtol, atol, equal_nan))


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    a, b, dev, _ = operands(input, other)
    return Tensor._make(xp_of(a).isclose(a, b, rtol, atol, equal_nan), False, None, dev)


def isnan(input):
    return Tensor._make(xp_of(input._data).isnan(input._data), False, None, input._dev)


def isfinite(input):
    return Tensor._make(xp_of(input._data).isfinite(input._data), False, None, input._dev)


class SignBackward0(Node):
    """d/dx sign(x) = 0 wherever it is differentiable   ->   grad * 0."""

    __slots__ = ()

    def backward(self, grad):
        return (grad * 0,)

    def jvp(self, dx, x, result):
        return dx * 0


def sign(input):
    x = input._data
    return record_unary(SignBackward0, input, xp_of(x).sign(x))


# -- lerp -----------------------------------------------------------------------------------


class LerpBackward0(Node):
    """z = start + w (end - start), w a number:   dstart = (1 - w) grad,   dend = w grad."""

    __slots__ = ("weight", "shapes")
    _saved_weight = property(lambda self: self.weight)

    def backward(self, grad):
        need_start, need_end = self.needs_input_grad
        w = self.weight
        return (either.sum_to(grad * (1 - w), self.shapes[0]) if need_start else None,
                either.sum_to(grad * w, self.shapes[1]) if need_end else None)

    def jvp(self, dstart, dend, start, end, result):
        return dstart * (1 - self.weight) + dend * self.weight


class LerpBackward1(Node):
    """z = start + w (end - start), w a tensor:   dstart = (1 - w) grad,   dend = w grad,
    dw = (end - start) grad."""

    __slots__ = ("shapes",)
    _saved_names = ("self", "end", "weight")

    def backward(self, grad, start, end, weight):
        need_start, need_end, need_weight = self.needs_input_grad
        return (either.sum_to(grad * (1 - weight), self.shapes[0]) if need_start else None,
                either.sum_to(grad * weight, self.shapes[1]) if need_end else None,
                either.sum_to(grad * (end - start), self.shapes[2]) if need_weight else None)

    def jvp(self, dstart, dend, dweight, start, end, weight, result):
        return dstart * (1 - weight) + dend * weight + dweight * (end - start)


def lerp(input, end, weight):
    """Linear interpolation ``input + weight * (end - input)`` (``weight`` a number or a
    tensor), computed from the nearer end as PyTorch does.

        >>> start, end = autograd_lib.tensor([0.0, 10.0]), autograd_lib.tensor([1.0, 20.0])
        >>> autograd_lib.lerp(start, end, 0.5)
        tensor([ 0.5000, 15.0000])
    """
    for name, t in (("end", end), ("weight", weight)):
        if isinstance(t, Tensor) and t._data.dtype != input._data.dtype:
            raise RuntimeError(f"expected dtype {input.dtype.cpp_type} for `{name}` but got "
                               f"dtype {t.dtype.cpp_type}")
    a, b = input._data, end._data
    w = weight._data if isinstance(weight, Tensor) else weight
    xp = xp_of(a)
    small = xp.abs(w) < 0.5
    data = xp.where(small, a + w * (b - a), b - (b - a) * (1 - w)).astype(a.dtype, copy=False)
    out = Tensor._make(data, False, None, input._dev)
    if isinstance(weight, Tensor):
        if needs_grad(input, end, weight):
            node = LerpBackward1(input, end, weight)
            node.shapes = (a.shape, b.shape, w.shape)
            node.save_for_backward(input, end, weight)
            record(node, out)
        if _dual.active:  # forward-mode AD: the result's tangent (autograd/forward_ad.py)
            forward(LerpBackward1, (input, end, weight), out)
    else:
        if needs_grad(input, end):
            node = LerpBackward0(input, end)
            node.weight, node.shapes = weight, (a.shape, b.shape)
            record(node, out)
        if _dual.active:
            forward(LerpBackward0, (input, end), out, weight=weight)
    return out
