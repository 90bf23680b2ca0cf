"""Parts of a matrix: diag, trace, tril, triu; and kron, the block product of two tensors.

Each backward puts the gradient back where the elements came from: ``diag`` of a matrix reads
its diagonal, so the gradient is a zero matrix with the gradient on that diagonal (and ``diag``
of a vector builds such a matrix, so its gradient reads the diagonal back: each is the other's
backward); ``trace`` sums the diagonal, so every diagonal element gets the gradient; ``tril``
keeps the lower triangle, so only that part of the gradient flows back.

The ops record themselves as ``autograd.Function.apply`` does (see ``record`` in
``autograd/graph.py``): ``record_unary`` (``_common.py``) for tril and triu, ``record_op``
(``_common.py``) for diag and trace (whose nodes keep a shape or an offset). ``kron`` is made of
recorded reshapes and a product, so it needs no node of its own.
"""

import numpy as np

from ..autograd.graph import Node
from ..tensor import Tensor
from . import _common as either
from ._common import as_tensor, record_op, record_unary, xp_of
from .shape import index_put_zeros


def _diagonal_positions(shape, k, xp):
    """(rows, cols): the positions of the ``k``-th diagonal of a matrix of ``shape``, as
    arrays of the array module ``xp``."""
    n, m = shape
    start = max(-k, 0)
    rows = xp.arange(start, max(min(n, m - k), start))
    return rows, rows + k


# -- diag -------------------------------------------------------------------------------------


class DiagEmbedBackward0(Node):
    """Z = diag(v, k) (a matrix with v on its k-th diagonal):   dv = the k-th diagonal of dZ."""

    __slots__ = ("offset",)

    def backward(self, grad):
        if isinstance(grad, Tensor):
            return (diag(grad, self.offset),)
        rows, cols = _diagonal_positions(grad.shape, self.offset, xp_of(grad))
        return (grad[rows, cols],)

    def jvp(self, dv, v, result):  # linear: the tangent on the same diagonal
        return diag(dv, self.offset)


class DiagonalBackward0_copy(Node):  # noqa: N801  (PyTorch's name for it)
    """z = diag(X, k) (the k-th diagonal of X):   dX = zeros of X's shape with dz on that
    diagonal."""

    __slots__ = ("offset", "shape")

    def backward(self, grad):
        xp = xp_of(either.data_of(grad))
        rows, cols = _diagonal_positions(self.shape, self.offset, xp)
        if isinstance(grad, Tensor):
            return (index_put_zeros(grad, self.shape, (rows, cols), False),)
        out = xp.zeros(self.shape, dtype=grad.dtype)
        out[rows, cols] = grad
        return (out,)

    def jvp(self, dx, x, result):
        return diag(dx, self.offset)


def diag(input, diagonal=0):
    """A vector's elements on the ``diagonal``-th diagonal of a square matrix, or a matrix's
    ``diagonal``-th diagonal as a vector (0: the main one, > 0 above it, < 0 below).

        >>> autograd_lib.diag(autograd_lib.tensor([1, 2]))
        tensor([[1, 0],
                [0, 2]])
    """
    x = input._data
    if x.ndim == 1:
        n = x.shape[0] + abs(diagonal)
        out = xp_of(x).zeros((n, n), dtype=x.dtype)
        rows, cols = _diagonal_positions((n, n), diagonal, xp_of(x))
        out[rows, cols] = x
        out = Tensor._make(out, False, None, input._dev)
        return record_op(DiagEmbedBackward0, (input,), out, offset=diagonal)
    if x.ndim != 2:
        raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {x.ndim}D")
    rows, cols = _diagonal_positions(x.shape, diagonal, xp_of(x))
    out = Tensor._make(x[rows, cols], False, None, input._dev)
    return record_op(DiagonalBackward0_copy, (input,), out, offset=diagonal, shape=x.shape)


class TraceBackward0(Node):
    """z = trace(X) = sum of X's diagonal:   dX = dz on the diagonal, 0 elsewhere."""

    __slots__ = ("shape",)
    _saved_self_sym_sizes = property(lambda self: self.shape)

    def backward(self, grad):
        data = either.data_of(grad)
        eye = xp_of(data).eye(*self.shape, dtype=data.dtype)  # on grad's device
        return (grad * as_tensor(eye, grad) if isinstance(grad, Tensor) else grad * eye,)

    def jvp(self, dx, x, result):
        return trace(dx)


def trace(input):
    """The sum of a matrix's main diagonal (int64 for integers, as ``sum``)."""
    x = input._data
    if x.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {x.ndim}")
    data = x.trace(dtype=np.int64 if x.dtype.kind in "biu" else x.dtype)
    out = Tensor._make(data, False, None, input._dev)
    return record_op(TraceBackward0, (input,), out, shape=x.shape)


# -- triangles --------------------------------------------------------------------------------


class TrilBackward0(Node):
    """Z = tril(X, k):   dX = tril(dZ, k)   (the gradient of the kept triangle only)."""

    __slots__ = ("number",)
    _saved_diagonal = property(lambda self: self.number)
    op = "tril"

    def backward(self, grad):
        if isinstance(grad, Tensor):
            return (getattr(grad, self.op)(self.number),)
        return (getattr(xp_of(grad), self.op)(grad, self.number),)

    def jvp(self, dx, x, result):
        return getattr(dx, self.op)(self.number)


class TriuBackward0(TrilBackward0):
    """Z = triu(X, k):   dX = triu(dZ, k)."""

    __slots__ = ()
    op = "triu"


def _triangle(input, diagonal, which, node_cls):
    x = input._data
    if x.ndim < 2:
        raise RuntimeError(f"{which}: input tensor must have at least 2 dimensions")
    data = getattr(xp_of(x), which)(x, diagonal)
    return record_unary(node_cls, input, data, number=diagonal)


def tril(input, diagonal=0):
    """The lower triangle of each matrix (on and below the ``diagonal``-th diagonal); zeros
    above."""
    return _triangle(input, diagonal, "tril", TrilBackward0)


def triu(input, diagonal=0):
    """The upper triangle of each matrix (on and above the ``diagonal``-th diagonal)."""
    return _triangle(input, diagonal, "triu", TriuBackward0)


# -- kron -------------------------------------------------------------------------------------


def kron(input, other):
    """The Kronecker product: a block matrix whose block (i, j) is ``input[i, j] * other``
    (in any number of dimensions).

    Made of recorded ops: ``input`` with a size-1 dimension after each of its own, ``other``
    with one before each, multiplied (broadcast), then reshaped to the blocks' layout.
    """
    n = max(input.ndim, other.ndim)
    a_shape = (1,) * (n - input.ndim) + tuple(input.shape)
    b_shape = (1,) * (n - other.ndim) + tuple(other.shape)
    a = input.reshape(tuple(s for d in a_shape for s in (d, 1)))
    b = other.reshape(tuple(s for d in b_shape for s in (1, d)))
    return (a * b).reshape(tuple(p * q for p, q in zip(a_shape, b_shape)))
