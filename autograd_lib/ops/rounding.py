"""Rounding: round, floor, ceil, trunc. Each is a staircase, flat between its steps, so its
derivative is 0 everywhere it exists: the nodes give a zero gradient (as PyTorch records them:
``RoundBackward0`` ...), and a gradient through them is all zeros rather than missing.

Each records itself through ``record_unary`` (``_common.py``).
"""

from ..autograd.graph import Node
from ._common import record_unary, xp_of


class _Flat(Node):
    """A step function:   dz/dx = 0."""

    __slots__ = ()

    def backward(self, grad):
        return (grad * 0,)

    def jvp(self, dx, x, result):  # a zero tangent (of the result's dtype)
        return (dx * 0).to(result.dtype)


class RoundBackward0(_Flat):
    """z = round(x) (to the nearest integer, halves to even):   dz/dx = 0."""

    __slots__ = ()


class RoundBackward1(_Flat):
    """z = round(x, decimals):   dz/dx = 0."""

    __slots__ = ()


class FloorBackward0(_Flat):
    """z = floor(x):   dz/dx = 0."""

    __slots__ = ()


class CeilBackward0(_Flat):
    """z = ceil(x):   dz/dx = 0."""

    __slots__ = ()


class TruncBackward0(_Flat):
    """z = trunc(x) (towards zero):   dz/dx = 0."""

    __slots__ = ()


def round(input, *, decimals=0):
    """The nearest integer (halves to the even one, as PyTorch); ``decimals``: to that many
    decimal places.

        >>> autograd_lib.tensor([0.5, 1.5, 2.7]).round()
        tensor([0., 2., 3.])
    """
    x = input._data
    if x.dtype.kind != "f":
        return record_unary(RoundBackward0, input, x.copy())
    if decimals:
        return record_unary(RoundBackward1, input, xp_of(x).round(x, decimals))
    return record_unary(RoundBackward0, input, xp_of(x).round(x))


def _step(ufunc_name, node_cls):
    """The op ``ufunc_name(input)`` (NumPy's floor, ceil, trunc), recorded with a zero
    gradient; integers are returned as they are (copied)."""

    def op(input):
        x = input._data
        data = getattr(xp_of(x), ufunc_name)(x) if x.dtype.kind == "f" else x.copy()
        return record_unary(node_cls, input, data)

    op.__name__ = op.__qualname__ = ufunc_name
    return op


floor = _step("floor", FloorBackward0)
ceil = _step("ceil", CeilBackward0)
trunc = _step("trunc", TruncBackward0)
