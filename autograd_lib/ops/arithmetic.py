"""Arithmetic: + - * / ** and negation, each forward right below its backward node.

The formulas follow PyTorch's ``tools/autograd/derivatives.yaml`` in the same order of
arithmetic, so float32 results agree with PyTorch bit for bit.

Every op records itself as ``autograd.Function.apply`` does (see ``record`` in
``autograd/graph.py``): 1. the forward, on arrays; 2. the result tensor; 3. does any input
need a gradient?  4. the node, with edges to the inputs' nodes; 5. what its backward formula
needs; 6. ``record``: the node becomes the result's ``grad_fn``. The op computes 1.; steps 2-6
are ``record_binary`` for the ops with two inputs, ``record_unary`` (``_common.py``) for ``neg``
and ``reciprocal``.

Broadcasting: if ``a`` has shape (3, 1) and ``b`` shape (4,), ``a + b`` has shape (3, 4); the
gradient for each input is summed back to that input's shape (``sum_to``).
"""

import math

from ..autograd.graph import Node, record
from ..tensor import Tensor
from ._common import (
    _dual,
    _make,
    _state,
    cast,
    floating,
    forward,
    log,
    operands,
    quiet,
    record_unary,
    sum_to,
    where,
    write_out,
    xp_of,
)


class _Binary(Node):
    """A node of a two-input elementwise op. If the inputs were broadcast to a bigger shape, or
    promoted to a common dtype, it remembers their shapes and dtypes (``shapes``, ``dtypes``;
    ``None`` if not) so that ``reduce`` can give each gradient the shape and dtype of its input
    back."""

    __slots__ = ("shapes", "dtypes")

    def save(self, a, b, out):
        """Keep the inputs ``a``, ``b`` or the result ``out`` if the backward formula needs them
        (``record_binary`` calls it; + and - need none)."""

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


def record_binary(node_cls, input, other, data, dev, promoted, alpha=None):
    """``data``, the result of ``input (op) other`` computed on the arrays (``promoted``: cast
    to a common dtype), as a tensor on ``dev``, recorded if a gradient is needed: a ``node_cls``
    node that keeps what its formula needs. Every two-input elementwise op (+ - * / **) records
    itself here, with the steps of ``record`` in ``autograd/graph.py``."""
    out = _make(data, False, None, dev)  # Tensor._make (speed-up: see _common._make)
    # needs_grad(input, other), spelled out: hot path
    if _state.enabled and (input._requires_grad or
                           isinstance(other, Tensor) and other._requires_grad):
        node = node_cls(input, other)
        # for reduce: the inputs' shapes if broadcasting changed one, their dtypes if promoted
        shape, sa = data.shape, input._data.shape
        sb = other._data.shape if isinstance(other, Tensor) else shape  # a number: no gradient
        node.shapes = None if sa == shape and sb == shape else (sa, sb)
        node.dtypes = None
        if promoted:
            node.dtypes = (input._data.dtype, getattr(other, "_data", other).dtype)
        if alpha is not None:  # add's and sub's alpha
            node.alpha = alpha
        node.save(input, other, out)
        record(node, out)
    if _dual.active:  # forward-mode AD: the result's tangent (autograd/forward_ad.py)
        forward(node_cls, (input, other), out, alpha=alpha)
    return out


# -- addition and subtraction -----------------------------------------------------------------


class AddBackward0(_Binary):
    """z = a + alpha * b:   dz/da = 1,   dz/db = alpha."""

    __slots__ = ("alpha",)
    _saved_alpha = property(lambda self: self.alpha)

    def backward(self, grad):
        fa, fb = self._next  # the inputs' nodes (None: no gradient needed)
        db = None
        if fb is not None:
            db = grad if self.alpha == 1 else grad * self.alpha
        return self.reduce((None if fa is None else grad, db))

    def jvp(self, da, db, a, b, result):
        return da + self.alpha * db


def add(input, other, *, alpha=1, out=None):
    """``input + alpha * other``, with broadcasting (``out``: written into that tensor)."""
    if out is not None:
        return write_out("add", out, add(input, other, alpha=alpha))
    if not isinstance(input, Tensor):
        return add(other, input, alpha=1) if alpha == 1 else add(other * alpha, input)
    a, b, dev, promoted = operands(input, other)
    data = a + b if alpha == 1 else a + alpha * b
    return record_binary(AddBackward0, input, other, data, dev, promoted, alpha)


class SubBackward0(AddBackward0):
    """z = a - alpha * b:   dz/da = 1,   dz/db = -alpha."""

    __slots__ = ()

    def backward(self, grad):
        fa, fb = self._next
        db = None
        if fb is not None:
            db = -grad if self.alpha == 1 else -grad * self.alpha
        return self.reduce((None if fa is None else grad, db))

    def jvp(self, da, db, a, b, result):
        return da - self.alpha * db


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
    return record_binary(SubBackward0, input, other, data, dev, promoted, alpha)


class RsubBackward1(Node):
    """z = c - alpha * a (c a number):   dz/da = -alpha   (alpha kept as ``number``)."""

    __slots__ = ("number",)
    _saved_alpha = property(lambda self: self.number)

    def backward(self, grad):
        alpha = self.number
        return (-grad if alpha == 1 else -grad * alpha,)

    def jvp(self, da, a, result):
        return -self.number * da


def rsub(input, other, *, alpha=1):
    """``other - alpha * input`` (what ``3 - x`` calls)."""
    if isinstance(other, Tensor):
        return sub(other, input, alpha=alpha)
    a, b, _, _ = operands(input, other)
    return record_unary(RsubBackward1, input, b - a if alpha == 1 else b - alpha * a, number=alpha)


# -- multiplication and division ----------------------------------------------------------


class MulBackward0(_Binary):
    """z = a * b:   dz/da = b,   dz/db = a."""

    __slots__ = ()
    _saved_names = ("other", "self")  # PyTorch's order: saved-tensor hooks see b, then a

    def save(self, a, b, out):
        # b is needed only if a needs a gradient, and a only if b does (as in PyTorch)
        fa, fb = self._next
        self.save_for_backward(b if fa is not None else None, a if fb is not None else None)

    def backward(self, grad, b, a):
        # ``a`` is saved only if b needs a gradient, ``b`` only if a does.
        return self.reduce((None if b is None else grad * b, None if a is None else grad * a))

    def jvp(self, da, db, a, b, result):  # the product rule
        return da * b + a * db


def mul(input, other, *, out=None):
    """``input * other``, with broadcasting (``out``: written into that tensor)."""
    if out is not None:
        return write_out("mul", out, mul(input, other))
    if not isinstance(input, Tensor):
        return mul(other, input)
    a, b, dev, promoted = operands(input, other)
    return record_binary(MulBackward0, input, other, a * b, dev, promoted)


class DivBackward0(_Binary):
    """z = a / b:   dz/da = 1 / b,   dz/db = -a / b**2  (computed as -grad * ((a / b) / b))."""

    __slots__ = ()
    _saved_names = ("self", "other")

    def save(self, a, b, out):
        # a is needed only if b needs a gradient; b always
        self.save_for_backward(a if self._next[1] is not None else None, b)

    def backward(self, grad, a, b):
        # ``a`` is saved only if b needs a gradient.
        return self.reduce((
            None if self._next[0] is None else grad / b,
            None if a is None else -grad * ((a / b) / b),
        ))

    def jvp(self, da, db, a, b, result):  # (da - z db) / b
        return (da - result * db) / b


def div(input, other, *, rounding_mode=None):
    """``input / other`` (true division; integers give the default dtype, float32, as in
    PyTorch)."""
    if rounding_mode is not None:
        return _div_rounding(input, other, rounding_mode)
    if not isinstance(input, Tensor):
        return reciprocal(other) * input
    a, b, dev, promoted = operands(input, other)
    if a.dtype.kind != "f":  # integer / integer: true division gives the default dtype
        a, b = floating(a), floating(b) if hasattr(b, "astype") else b
        promoted = True
    if isinstance(b, float) and b != 0.0 or isinstance(b, int) and b != 0:
        data = a / b  # a nonzero number: nothing to silence (the common ``x / n``)
    else:
        with quiet():
            data = a / b
    return record_binary(DivBackward0, input, other, data, dev, promoted)


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
    _saved_names = ("result",)

    def backward(self, grad, result):
        return (-grad * (result * result),)

    def jvp(self, da, a, result):
        return -da * (result * result)


def reciprocal(input):
    x = floating(input._data)
    with quiet():
        data = 1 / x
    return record_unary(ReciprocalBackward0, input, data, save_output=True)


class NegBackward0(Node):
    """z = -a:   dz/da = -1."""

    __slots__ = ()

    def backward(self, grad):
        return (-grad,)

    def jvp(self, da, a, result):
        return -da


def neg(input):
    if input.dtype.name == "bool":
        raise RuntimeError(
            "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
            "invert a mask, use the `~` or `logical_not()` operator instead."
        )
    return record_unary(NegBackward0, input, -input._data)


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
    """z = a ** c (c a number, kept as ``number``):   dz/da = c * a ** (c - 1)."""

    __slots__ = ("number",)
    _saved_names = ("self",)
    _saved_exponent = property(lambda self: self.number)

    def backward(self, grad, a):
        c = self.number
        if c == 0:
            return (grad * 0,)
        if c == 2:  # a ** 1 is a itself: skip that power (same bits, one op fewer)
            return (grad * (2.0 * a),)
        return (grad * (c * a ** (c - 1)),)

    def jvp(self, da, a, result):
        c = self.number
        return da * 0 if c == 0 else da * (c * a ** (c - 1))


def pow(input, exponent):
    """``input ** exponent``; either may be a Python number (``2 ** x``)."""
    if not isinstance(input, Tensor):  # number ** tensor
        return _pow_number_tensor(input, exponent)
    if isinstance(exponent, Tensor):
        return _pow_tensors(input, exponent)
    a, b, _, _ = operands(input, exponent)
    return record_unary(PowBackward0, input, _power(a, b), save_input=True, number=exponent)


class PowBackward1(_Binary):
    """z = a ** b (both tensors):   dz/da = b * a ** (b - 1),   dz/db = z * log(a)."""

    __slots__ = ()
    _saved_names = ("self", "exponent", "result")

    def save(self, a, b, out):
        self.save_for_backward(a, b)
        self.save_output(out)

    def backward(self, grad, a, b, result):
        da = db = None
        if self._next[0] is not None:
            da = grad * where(b == 0, 0.0, b * a ** (b - 1))
        if self._next[1] is not None:
            db = grad * where((a == 0) & (b >= 0), 0.0, result * log(a))
        return self.reduce((da, db))

    def jvp(self, da, db, a, b, result):  # b a^(b-1) da + z log(a) db
        return (da * where(b == 0, 0.0, b * a ** (b - 1))
                + db * where((a == 0) & (b >= 0), 0.0, result * log(a)))


def _pow_tensors(input, exponent):
    """``input ** exponent``, both tensors (``pow`` calls it)."""
    a, b, dev, promoted = operands(input, exponent)
    return record_binary(PowBackward1, input, exponent, _power(a, b), dev, promoted)


class PowBackward2(Node):
    """z = c ** b (c a number, kept as ``number``):   dz/db = z * log(c)."""

    __slots__ = ("number",)
    _saved_self = property(lambda self: self.number)  # the base, a number
    _saved_names = ("result",)

    def backward(self, grad, result):
        c = self.number
        if c == 0:
            return (grad * where(result == 0, 0.0, result * 0),)
        return (grad * (result * math.log(c)),)

    def jvp(self, db, b, result):
        c = self.number
        return db * where(result == 0, 0.0, result * 0) if c == 0 else db * (result * math.log(c))


def _pow_number_tensor(base, exponent):
    """``base ** exponent``, ``base`` a number (``pow`` calls it: what ``2 ** x`` does)."""
    e, c, _, _ = operands(exponent, base)
    return record_unary(PowBackward2, exponent, c ** e, save_output=True, number=base)


def square(input):
    return pow(input, 2)
