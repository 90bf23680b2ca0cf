"""Arithmetic: + - * / ** and negation, each forward right below its backward node.

The formulas follow PyTorch's ``tools/autograd/derivatives.yaml`` in the same order of
arithmetic, so float32 results agree with PyTorch bit for bit.

Every op records itself as ``autograd.Function.apply`` does (see ``record`` in
``autograd/graph.py``): 1. the forward, on arrays; 2. the result tensor; 3. does any input
need a gradient?  4. the node, with edges to the inputs' nodes; 5. what its backward formula
needs; 6. ``record``: the node becomes the result's ``grad_fn``.

Broadcasting: if ``a`` has shape (3, 1) and ``b`` shape (4,), ``a + b`` has shape (3, 4); the
gradient for each input is summed back to that input's shape (``sum_to``).
"""

import math

from ..autograd.graph import Node, record
from ..tensor import Tensor
from ._common import _state, cast, log, operands, quiet, sum_to, where, xp_of


class _Binary(Node):
    """A node of a two-input elementwise op. If the inputs were broadcast to a bigger shape, or
    promoted to a common dtype, it remembers their shapes and dtypes (``shapes``, ``dtypes``;
    ``None`` if not) so that ``reduce`` can give each gradient the shape and dtype of its input
    back."""

    __slots__ = ("shapes", "dtypes")

    def reduce(self, grads):
        """Sum each gradient back to its input's shape (and dtype)."""
        if self.shapes is None and self.dtypes is None:
            return grads  # no broadcasting, no promotion: nothing to undo (the common case)
        da, db = grads
        if self.shapes is not None:
            sa, sb = self.shapes
            if da is not None and da.shape != sa:
                da = sum_to(da, sa)
            if db is not None and db.shape != sb:
                db = sum_to(db, sb)
        if self.dtypes is not None:
            da = None if da is None else cast(da, self.dtypes[0])
            db = None if db is None else cast(db, self.dtypes[1])
        return da, db


def _undo_info(a, b, data, promoted):
    """``(shapes, dtypes)`` of a ``_Binary`` node for ``a (op) b`` with result ``data``: the
    inputs' shapes if broadcasting changed one, their dtypes if they were promoted (else
    ``None``). Bookkeeping only: it records nothing."""
    shape = data.shape
    sa = a._data.shape
    sb = b._data.shape if isinstance(b, Tensor) else shape  # a number gets no gradient
    shapes = None if sa == shape and sb == shape else (sa, sb)
    dtypes = (a._data.dtype, getattr(b, "_data", b).dtype) if promoted else None
    return shapes, dtypes


# -- addition and subtraction -----------------------------------------------------------------


class AddBackward0(_Binary):
    """z = a + alpha * b:   dz/da = 1,   dz/db = alpha."""

    __slots__ = ("alpha",)

    def backward(self, grad):
        fa, fb = self._next  # the inputs' nodes (None: no gradient needed)
        db = None
        if fb is not None:
            db = grad if self.alpha == 1 else grad * self.alpha
        return self.reduce((None if fa is None else grad, db))


def add(input, other, *, alpha=1):
    """``input + alpha * other``, with broadcasting."""
    if not isinstance(input, Tensor):
        return add(other, input, alpha=1) if alpha == 1 else add(other * alpha, input)
    a, b, dev, promoted = operands(input, other)
    data = a + b if alpha == 1 else a + alpha * b
    out = Tensor._make(data, False, None, dev)
    # needs_grad(input, other), spelled out: hot path
    if _state.enabled and (input._requires_grad or
                           isinstance(other, Tensor) and other._requires_grad):
        node = AddBackward0(input, other)
        node.shapes, node.dtypes = _undo_info(input, other, data, promoted)
        node.alpha = alpha
        record(node, out)
    return out


class SubBackward0(AddBackward0):
    """z = a - alpha * b:   dz/da = 1,   dz/db = -alpha."""

    __slots__ = ()

    def backward(self, grad):
        fa, fb = self._next
        db = None
        if fb is not None:
            db = -grad if self.alpha == 1 else -grad * self.alpha
        return self.reduce((None if fa is None else grad, db))


def sub(input, other, *, alpha=1):
    """``input - alpha * other``, with broadcasting."""
    if not isinstance(input, Tensor):
        return rsub(other, input, alpha=alpha)
    if input.dtype.name == "bool" and getattr(other, "dtype", None) is input.dtype:
        raise RuntimeError(
            "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` "
            "or `logical_xor()` operator instead."
        )
    a, b, dev, promoted = operands(input, other)
    data = a - b if alpha == 1 else a - alpha * b
    out = Tensor._make(data, False, None, dev)
    # needs_grad(input, other), spelled out: hot path
    if _state.enabled and (input._requires_grad or
                           isinstance(other, Tensor) and other._requires_grad):
        node = SubBackward0(input, other)
        node.shapes, node.dtypes = _undo_info(input, other, data, promoted)
        node.alpha = alpha
        record(node, out)
    return out


class RsubBackward1(Node):
    """z = c - alpha * a (c a number):   dz/da = -alpha."""

    __slots__ = ("alpha",)

    def backward(self, grad):
        return (-grad if self.alpha == 1 else -grad * self.alpha,)


def rsub(input, other, *, alpha=1):
    """``other - alpha * input`` (what ``3 - x`` calls)."""
    if isinstance(other, Tensor):
        return sub(other, input, alpha=alpha)
    a, b, dev, _ = operands(input, other)
    out = Tensor._make(b - a if alpha == 1 else b - alpha * a, False, None, dev)
    if _state.enabled and input._requires_grad:  # needs_grad(input), spelled out: hot path
        node = RsubBackward1(input)
        node.alpha = alpha
        record(node, out)
    return out


# -- multiplication and division ----------------------------------------------------------


class MulBackward0(_Binary):
    """z = a * b:   dz/da = b,   dz/db = a."""

    __slots__ = ()

    def backward(self, grad, a, b):
        # ``a`` is saved only if b needs a gradient, ``b`` only if a does.
        return self.reduce((None if b is None else grad * b, None if a is None else grad * a))


def mul(input, other):
    """``input * other``, with broadcasting."""
    if not isinstance(input, Tensor):
        return mul(other, input)
    a, b, dev, promoted = operands(input, other)
    data = a * b
    out = Tensor._make(data, False, None, dev)
    # needs_grad(input, other), spelled out: hot path
    if _state.enabled and (input._requires_grad or
                           isinstance(other, Tensor) and other._requires_grad):
        node = MulBackward0(input, other)
        node.shapes, node.dtypes = _undo_info(input, other, data, promoted)
        # b is needed only if a needs a gradient, and a only if b does (as in PyTorch)
        fa, fb = node._next
        node.save_for_backward(input if fb is not None else None,
                               other if fa is not None else None)
        record(node, out)
    return out


class DivBackward0(_Binary):
    """z = a / b:   dz/da = 1 / b,   dz/db = -a / b**2  (computed as -grad * ((a / b) / b))."""

    __slots__ = ()

    def backward(self, grad, a, b):
        # ``a`` is saved only if b needs a gradient.
        return self.reduce((
            None if self._next[0] is None else grad / b,
            None if a is None else -grad * ((a / b) / b),
        ))


def div(input, other, *, rounding_mode=None):
    """``input / other`` (true division; integers give float32, as in PyTorch)."""
    if rounding_mode is not None:
        return _div_rounding(input, other, rounding_mode)
    if not isinstance(input, Tensor):
        return reciprocal(other) * input
    a, b, dev, promoted = operands(input, other)
    if a.dtype.kind != "f":  # integer / integer: true division gives the default float32
        a = a.astype("float32")
        b = b.astype("float32") if hasattr(b, "astype") else b
        promoted = True
    if isinstance(b, float) and b != 0.0 or isinstance(b, int) and b != 0:
        data = a / b  # a nonzero number: nothing to silence (the common ``x / n``)
    else:
        with quiet():
            data = a / b
    out = Tensor._make(data, False, None, dev)
    # needs_grad(input, other), spelled out: hot path
    if _state.enabled and (input._requires_grad or
                           isinstance(other, Tensor) and other._requires_grad):
        node = DivBackward0(input, other)
        node.shapes, node.dtypes = _undo_info(input, other, data, promoted)
        node.save_for_backward(input if node._next[1] is not None else None, other)
        record(node, out)
    return out


def _div_rounding(input, other, mode):
    """``div(..., rounding_mode='floor'|'trunc')``: integer-valued results, no gradient."""
    a, b, dev, _ = operands(input, other)
    xp = xp_of(a)
    if mode == "floor":
        data = xp.floor_divide(a, b)
    elif mode == "trunc":
        data = xp.trunc(xp.true_divide(a, b)).astype(a.dtype)
    else:
        raise ValueError(
            "div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
            f"'{mode}'"
        )
    return Tensor._make(data, False, None, dev)


class ReciprocalBackward0(Node):
    """z = 1 / a:   dz/da = -1 / a**2   (computed as -grad * (z * z))."""

    __slots__ = ()

    def backward(self, grad, result):
        return (-grad * (result * result),)


def reciprocal(input):
    x = input._data if input.is_floating_point() else input._data.astype("float32")
    with quiet():
        data = 1 / x
    out = Tensor._make(data, False, None, input._dev)
    if _state.enabled and input._requires_grad:  # needs_grad(input), spelled out: hot path
        node = ReciprocalBackward0(input)
        node.save_output(out)
        record(node, out)
    return out


class NegBackward0(Node):
    """z = -a:   dz/da = -1."""

    __slots__ = ()

    def backward(self, grad):
        return (-grad,)


def neg(input):
    if input.dtype.name == "bool":
        raise RuntimeError(
            "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
            "invert a mask, use the `~` or `logical_not()` operator instead."
        )
    out = Tensor._make(-input._data, False, None, input._dev)
    if _state.enabled and input._requires_grad:  # needs_grad(input), spelled out: hot path
        node = NegBackward0(input)
        record(node, out)
    return out


# -- powers -----------------------------------------------------------------------------------


def _power(a, b):
    """a ** b on arrays, keeping bool ** bool a bool as PyTorch does (NumPy would give int8)."""
    if isinstance(b, (int, float)) and b >= 0 and float(b).is_integer():
        r = a ** b  # x ** 2 and friends: no inf or nan from finite numbers
    else:  # 0 ** -1 is inf and (-1) ** 0.5 is nan: silently, as in PyTorch
        with quiet():
            r = a ** b
    return r.astype(bool) if a.dtype.kind == "b" and r.dtype.kind != "b" else r


class PowBackward0(Node):
    """z = a ** c (c a number):   dz/da = c * a ** (c - 1)."""

    __slots__ = ("exponent",)

    def backward(self, grad, a):
        c = self.exponent
        if c == 0:
            return (grad * 0,)
        if c == 2:  # a ** 1 is a itself: skip that power (same bits, one op fewer)
            return (grad * (2.0 * a),)
        return (grad * (c * a ** (c - 1)),)


def pow(input, exponent):
    """``input ** exponent``; either may be a Python number (``2 ** x``)."""
    if not isinstance(input, Tensor):  # number ** tensor
        return _pow_number_tensor(input, exponent)
    if isinstance(exponent, Tensor):
        return _pow_tensors(input, exponent)
    a, b, dev, _ = operands(input, exponent)
    out = Tensor._make(_power(a, b), False, None, dev)
    if _state.enabled and input._requires_grad:  # needs_grad(input), spelled out: hot path
        node = PowBackward0(input)
        node.exponent = exponent
        node.save_for_backward(input)
        record(node, out)
    return out


class PowBackward1(_Binary):
    """z = a ** b (both tensors):   dz/da = b * a ** (b - 1),   dz/db = z * log(a)."""

    __slots__ = ()

    def backward(self, grad, a, b, result):
        da = db = None
        if self._next[0] is not None:
            da = grad * where(b == 0, 0.0, b * a ** (b - 1))
        if self._next[1] is not None:
            db = grad * where((a == 0) & (b >= 0), 0.0, result * log(a))
        return self.reduce((da, db))


def _pow_tensors(input, exponent):
    """``input ** exponent``, both tensors (``pow`` calls it)."""
    a, b, dev, promoted = operands(input, exponent)
    data = _power(a, b)
    out = Tensor._make(data, False, None, dev)
    # needs_grad(input, exponent), spelled out: hot path
    if _state.enabled and (input._requires_grad or exponent._requires_grad):
        node = PowBackward1(input, exponent)
        node.shapes, node.dtypes = _undo_info(input, exponent, data, promoted)
        node.save_for_backward(input, exponent)
        node.save_output(out)
        record(node, out)
    return out


class PowBackward2(Node):
    """z = c ** b (c a number):   dz/db = z * log(c)."""

    __slots__ = ("base",)

    def backward(self, grad, result):
        if self.base == 0:
            return (grad * where(result == 0, 0.0, result * 0),)
        return (grad * (result * math.log(self.base)),)


def _pow_number_tensor(base, exponent):
    """``base ** exponent``, ``base`` a number (``pow`` calls it: what ``2 ** x`` does)."""
    e, c, dev, _ = operands(exponent, base)
    out = Tensor._make(c ** e, False, None, dev)
    if _state.enabled and exponent._requires_grad:  # needs_grad(exponent), spelled out: hot path
        node = PowBackward2(exponent)
        node.base = base
        node.save_output(out)
        record(node, out)
    return out


def square(input):
    return pow(input, 2)
