"""Elementwise functions (exp, log, tanh, relu, ...) and comparisons, each with its derivative.

Each backward is ``grad * f'(x)``, written the way PyTorch's derivatives.yaml writes it; some
reuse the op's own result (``exp``: d/dx e^x = e^x, so ExpBackward0 saves the output).
"""

from ..autograd.graph import Node
from ..tensor import Tensor, _new
from . import _common as either  # helpers that take an array or a tensor
from ._common import _state, as_tensor, make, operands, quiet, record, sum_to, xp_of
from ._common import where as pick


def _floating(data):
    """Integer inputs compute in the default float32, as in PyTorch (``exp(int) -> float``)."""
    return data if data.dtype.kind == "f" else data.astype("float32")


def _unary(node_cls, input, out_data, save_input=False, save_output=False):
    out = _new(out_data, False, None, input._dev)
    if _state.enabled and input._requires_grad:
        node = node_cls(input)
        if save_input:
            node.save_for_backward(input)
        if save_output:
            node.save_output(out)
        out._grad_fn = node  # record(node, out), spelled out: every unary op passes here
        out._requires_grad = True
    return out


class ExpBackward0(Node):
    """d/dx e^x = e^x   ->   grad * result."""

    __slots__ = ()

    def backward(self, grad, result):
        return (grad * result,)


def exp(input):
    x = _floating(input._data)
    with quiet():
        data = xp_of(x).exp(x)
    return _unary(ExpBackward0, input, data, save_output=True)


class LogBackward0(Node):
    """d/dx log x = 1 / x   ->   grad / x."""

    __slots__ = ()

    def backward(self, grad, x):
        return (grad / x,)


def log(input):
    x = _floating(input._data)
    with quiet():
        data = xp_of(x).log(x)
    return _unary(LogBackward0, input, data, save_input=True)


class SqrtBackward0(Node):
    """d/dx sqrt(x) = 1 / (2 sqrt(x))   ->   grad / (2 * result)."""

    __slots__ = ()

    def backward(self, grad, result):
        return (grad / (2 * result),)


def sqrt(input):
    x = _floating(input._data)
    with quiet():
        data = xp_of(x).sqrt(x)
    return _unary(SqrtBackward0, input, data, save_output=True)


class AbsBackward0(Node):
    """d/dx |x| = sign(x)   (0 at x = 0, as PyTorch)."""

    __slots__ = ()

    def backward(self, grad, x):
        return (grad * either.sign(x),)


def abs(input):
    return _unary(AbsBackward0, input, xp_of(input._data).abs(input._data), save_input=True)


class SinBackward0(Node):
    """d/dx sin x = cos x."""

    __slots__ = ()

    def backward(self, grad, x):
        return (grad * either.cos(x),)


def sin(input):
    x = _floating(input._data)
    return _unary(SinBackward0, input, xp_of(x).sin(x), save_input=True)


class CosBackward0(Node):
    """d/dx cos x = -sin x."""

    __slots__ = ()

    def backward(self, grad, x):
        return (grad * -either.sin(x),)


def cos(input):
    x = _floating(input._data)
    return _unary(CosBackward0, input, xp_of(x).cos(x), save_input=True)


class TanhBackward0(Node):
    """d/dx tanh x = 1 - tanh(x)^2   ->   grad * (1 - result * result)."""

    __slots__ = ()

    def backward(self, grad, result):
        return (grad * (1 - result * result),)


def tanh(input):
    x = _floating(input._data)
    return _unary(TanhBackward0, input, xp_of(x).tanh(x), save_output=True)


class SigmoidBackward0(Node):
    """d/dx s(x) = s(x) (1 - s(x))   ->   grad * (1 - result) * result."""

    __slots__ = ()

    def backward(self, grad, result):
        return (grad * (1 - result) * result,)


def sigmoid(input):
    x = _floating(input._data)
    xp = xp_of(x)
    with quiet():  # exp(-x) overflows to inf for very negative x: 1 / inf = 0, as wanted
        data = 1 / (1 + xp.exp(-x))
    return _unary(SigmoidBackward0, input, data, save_output=True)


class ReluBackward0(Node):
    """d/dx max(x, 0) = 1 where the result is positive, else 0."""

    __slots__ = ()

    def backward(self, grad, result):
        if isinstance(grad, Tensor):  # create_graph: a recorded where()
            return (pick(result._data > 0, grad, 0),)
        # Multiplying by the boolean mask is the same numbers as where(mask, grad, 0) and
        # about 4x faster in NumPy (0.5 ms per step of the 512x784-256-10 MLP benchmark).
        return (grad * (result > 0),)


def relu(input):
    x = input._data
    xp = xp_of(x)
    # max(x, 0) against a row of zeros rather than the number 0: the same numbers, but NumPy 2
    # vectorizes maximum only for two arrays (16 us instead of 40 us on the 512x256 float32
    # activations of the MLP benchmark).
    zero = xp.zeros(x.shape[-1:], dtype=x.dtype) if x.ndim else 0
    return _unary(ReluBackward0, input, xp.maximum(x, zero), save_output=True)


class ClampBackward1(Node):
    """clamp passes the gradient where min <= x <= max, and 0 where it clipped."""

    __slots__ = ("min", "max")

    def backward(self, grad, x):
        xd = x._data if isinstance(x, Tensor) else x
        mask = xp_of(xd).ones(xd.shape, dtype=bool)
        if self.min is not None:
            mask &= xd >= self.min
        if self.max is not None:
            mask &= xd <= self.max
        return (pick(mask, grad, 0),)


def clamp(input, min=None, max=None):
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        raise NotImplementedError("clamp with tensor bounds is not supported; use where()")
    x = input._data
    data = xp_of(x).clip(x, min, max)
    out = make(data.astype(x.dtype, copy=False), input._dev)
    if _state.enabled and input._requires_grad:
        node = ClampBackward1(input)
        node.min, node.max = min, max
        node.save_for_backward(input)
        record(node, out)
    return out


clip = clamp


class WhereBackward0(Node):
    """where(c, a, b): the gradient goes to ``a`` where c is true, to ``b`` elsewhere."""

    __slots__ = ("shapes", "dtypes")

    def backward(self, grad, cond):
        na, nb = self._next[1] is not None, self._next[2] is not None
        da = sum_to(pick(cond, grad, 0), self.shapes[0]) if na else None
        db = sum_to(pick(cond, 0, grad), self.shapes[1]) if nb else None
        if self.dtypes is not None:  # the inputs were promoted: give each its own dtype back
            da = None if da is None else either.cast(da, self.dtypes[0])
            db = None if db is None else either.cast(db, self.dtypes[1])
        return (None, da, db)


def where(condition, input=None, other=None):
    """Elementwise ``input if condition else other`` (broadcasting all three)."""
    if input is None and other is None:
        indices = xp_of(condition._data).nonzero(condition._data)
        return tuple(make(i, condition._dev) for i in indices)
    like = input if isinstance(input, Tensor) else other
    cond = as_tensor(condition, like)
    a, b, dev, promoted = operands(
        as_tensor(input, like) if not isinstance(input, Tensor) else input, other)
    data = xp_of(a).where(cond._data, a, b)
    out = make(data, dev)
    if _state.enabled and (
        getattr(input, "_requires_grad", False) or getattr(other, "_requires_grad", False)
    ):
        node = WhereBackward0(cond, input, other)
        node.shapes = (getattr(a, "shape", ()), getattr(b, "shape", ()))
        node.dtypes = None
        if promoted:
            node.dtypes = tuple(
                x._data.dtype if isinstance(x, Tensor) else None for x in (input, other))
        node.save_for_backward(cond._data)
        record(node, out)
    return out


# -- comparisons and logic: results are bool tensors, never part of a graph -------------------


def _compare(ufunc_name):
    def compare(input, other):
        a, b, dev, _ = operands(input, other)
        return make(getattr(xp_of(a), ufunc_name)(a, b), dev)

    compare.__name__ = ufunc_name
    return compare


eq = _compare("equal")
ne = _compare("not_equal")
lt = _compare("less")
le = _compare("less_equal")
gt = _compare("greater")
ge = _compare("greater_equal")
logical_and = _compare("logical_and")
logical_or = _compare("logical_or")
logical_xor = _compare("logical_xor")


def _bitwise(ufunc_name):
    def op(input, other):
        a, b, dev, _ = operands(input, other)
        return make(getattr(xp_of(a), ufunc_name)(a, b), dev)

    op.__name__ = ufunc_name
    return op


bitwise_and = _bitwise("bitwise_and")
bitwise_or = _bitwise("bitwise_or")
bitwise_xor = _bitwise("bitwise_xor")


def logical_not(input):
    return make(xp_of(input._data).logical_not(input._data), input._dev)


def bitwise_not(input):
    x = input._data
    return make(xp_of(x).logical_not(x) if x.dtype == bool else ~x, input._dev)


def equal(input, other):
    """True if both tensors have the same shape and elements."""
    return input.shape == other.shape and bool(xp_of(input._data).all(input._data == other._data))


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return bool(xp_of(input._data).allclose(input._data, other._data, rtol, atol, equal_nan))


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    a, b, dev, _ = operands(input, other)
    return make(xp_of(a).isclose(a, b, rtol, atol, equal_nan), dev)


def isnan(input):
    return make(xp_of(input._data).isnan(input._data), input._dev)


def isfinite(input):
    return make(xp_of(input._data).isfinite(input._data), input._dev)


class SignBackward0(Node):
    """sign(x) is flat wherever it is differentiable: the gradient is 0."""

    __slots__ = ()

    def backward(self, grad):
        return (grad * 0,)


def sign(input):
    return _unary(SignBackward0, input, xp_of(input._data).sign(input._data))
