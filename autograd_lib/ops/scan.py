"""Running sums and products along a dimension: cumsum, cumprod.

``y = x.cumsum(0)`` makes ``y_k = x_0 + ... + x_k``: each ``x_i`` is in every ``y_k`` with
``k >= i``, so its gradient is the sum of the gradients of ``y_i, y_i+1, ...``: a cumsum run
backwards (flip, cumsum, flip). ``cumprod`` is the same with each term scaled by the product of
the other factors.

Both record themselves as ``autograd.Function.apply`` does (see ``record`` in
``autograd/graph.py``) in ``record_op`` (``_common.py``): the result, then, if a gradient is
needed, the node, the dimension, what the formula needs, ``record``. The backward formulas use
``flip`` and ``cumsum`` on arrays or, under ``create_graph=True``, on tensors (recorded: double
backward).
"""

import numpy as np

from ..autograd.graph import Node
from ..tensor import Tensor
from ._common import normalize_dims, record_op, xp_of


def _reverse_cumsum(g, d):
    """``sum_{k >= i} g_k`` along ``d``, on an array or (recorded) a tensor."""
    if isinstance(g, Tensor):
        return g.flip(d).cumsum(d).flip(d)
    xp = xp_of(g)
    return xp.flip(xp.cumsum(xp.flip(g, d), d), d)


def _scan_input(name, input, dim, dtype, axis):
    """``(array, d)``: the input's array in the result's dtype (int64 for integers and bools,
    as in PyTorch) and ``dim`` as an axis."""
    x = input._data
    if dtype is not None:
        x = x.astype(dtype.np)
    elif x.dtype.kind in "biu":
        x = x.astype(np.int64)
    dim = dim if axis is None else axis
    if dim is None:
        raise TypeError(f'{name}() missing 1 required positional arguments: "dim"')
    (d,) = normalize_dims(dim, x.ndim)
    return x, d


class CumsumBackward0(Node):
    """y = x.cumsum(d):   dx_i = sum of dy_k for k >= i   (a cumsum run backwards)."""

    __slots__ = ("dim",)
    _saved_dim = property(lambda self: self.dim)

    def backward(self, grad):
        return (_reverse_cumsum(grad, self.dim) if grad.ndim else grad,)

    def jvp(self, dx, x, result):  # linear: the running sums of the tangent
        return dx.cumsum(self.dim) if dx.ndim else dx.clone()


def cumsum(input, dim=None, *, dtype=None, axis=None):
    """Running sums along ``dim``: ``[1, 2, 3] -> [1, 3, 6]``.

        >>> autograd_lib.tensor([1.0, 2.0, 3.0]).cumsum(0)
        tensor([1., 3., 6.])
    """
    x, d = _scan_input("cumsum", input, dim, dtype, axis)
    data = xp_of(x).cumsum(x, axis=d) if x.ndim else x.copy()
    out = Tensor._make(data.astype(x.dtype, copy=False), False, None, input._dev)
    return record_op(CumsumBackward0, (input,), out, dim=d)


class CumprodBackward0(Node):
    """y = x.cumprod(d):   dx_i = sum over k >= i of dy_k * (y_k / x_i)   (without zeros in x;
    with zeros, y_k / x_i is the product of the other factors, computed directly)."""

    __slots__ = ("dim",)
    _saved_names = ("self", "result")
    _saved_dim = property(lambda self: self.dim)

    def backward(self, grad, x, result):
        if not x.ndim:
            return (grad,)
        if not (x == 0).any():
            return (_reverse_cumsum(grad * result, self.dim) / x,)
        if isinstance(x, Tensor):
            raise NotImplementedError(
                "create_graph through cumprod() of a tensor containing zeros is not supported")
        return (_cumprod_grad_with_zeros(grad, x, self.dim),)

    def jvp(self, dx, x, result):  # dy_k = sum_{i <= k} dx_i prod_{j <= k, j != i} x_j
        if not x.ndim:
            return dx.clone()
        if not (x == 0).any():
            return result * (dx / x).cumsum(self.dim)
        # with zeros (on arrays: this tangent is not differentiable again)
        return Tensor._make(_cumprod_jvp_with_zeros(dx._data, x._data, self.dim), False, None,
                            dx._dev)


def _cumprod_grad_with_zeros(grad, x, d):
    """dx_i = sum_{k >= i} dy_k * prod_{j <= k, j != i} x_j, one position i at a time."""
    xp = xp_of(x)
    out = xp.zeros_like(grad)
    n = x.shape[d]
    for i in range(n):
        others = x.copy()
        others[(slice(None),) * d + (i,)] = 1  # x_i left out of the product
        terms = grad * xp.cumprod(others, axis=d)
        tail = terms[(slice(None),) * d + (slice(i, None),)]
        out[(slice(None),) * d + (i,)] = tail.sum(axis=d)
    return out


def _cumprod_jvp_with_zeros(dx, x, d):
    """dy_k = sum_{i <= k} dx_i * prod_{j <= k, j != i} x_j, one position i at a time."""
    xp = xp_of(x)
    out = xp.zeros(x.shape, dtype=xp.result_type(dx, x))
    for i in range(x.shape[d]):
        others = x.copy()
        others[(slice(None),) * d + (i,)] = 1  # x_i left out of the product
        term = xp.cumprod(others, axis=d) * dx[(slice(None),) * d + (slice(i, i + 1),)]
        term[(slice(None),) * d + (slice(0, i),)] = 0  # y_k for k < i does not contain x_i
        out += term
    return out


def cumprod(input, dim=None, *, dtype=None, axis=None):
    """Running products along ``dim``: ``[1, 2, 3] -> [1, 2, 6]``."""
    x, d = _scan_input("cumprod", input, dim, dtype, axis)
    data = xp_of(x).cumprod(x, axis=d) if x.ndim else x.copy()
    out = Tensor._make(data.astype(x.dtype, copy=False), False, None, input._dev)
    return record_op(CumprodBackward0, (input,), out, save_inputs=True, save_output=True,
                     dim=d)
