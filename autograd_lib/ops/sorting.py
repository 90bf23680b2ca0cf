"""Sorting: sort, argsort, topk.

``sort`` returns the values in order and where each came from (``indices``): the values are
``x.gather(dim, indices)``, so the gradient goes back the way ``gather``'s does, each value's
gradient to the position it came from (``SortBackward0``, ``TopkBackward0``: ``gather``'s
formula, in ``indexing.py``). Ties keep their order (a stable sort), as PyTorch's CPU sort does.
"""

import numpy as np

from ..tensor import Tensor
from ._common import normalize_dims, record_op, xp_of
from .indexing import GatherBackward0, _index_tensor
from .reduction import _ReturnType


class sort_return(_ReturnType):
    pass


class topk_return(_ReturnType):
    pass


sort_return.__name__, topk_return.__name__ = "sort", "topk"  # autograd_lib.return_types.sort


def _order(x, d, descending):
    """The indices that sort ``x`` along ``d`` (stable: equal values keep their order)."""
    xp = xp_of(x)
    if not descending:
        return xp.argsort(x, axis=d, kind="stable")
    # descending and stable: sort the reversed array, then map positions back
    n = x.shape[d]
    return n - 1 - xp.flip(xp.argsort(xp.flip(x, d), axis=d, kind="stable"), d)


def _pick(input, d, idx, node_cls, ret):
    """The values of ``input`` at ``idx`` along ``d``, recorded with ``gather``'s formula."""
    x = input._data
    values = xp_of(x).take_along_axis(x, idx, axis=d)
    out = Tensor._make(values, False, None, input._dev)
    record_op(node_cls, (input,), out, dim=d, index=idx, shape=x.shape)
    return ret(out, Tensor._make(idx.astype(np.int64, copy=False), False, None, input._dev))


class SortBackward0(GatherBackward0):
    """(y, indices) = x.sort(d):   dx = zeros with each dy put back where it came from."""

    __slots__ = ()
    _saved_indices = property(lambda self: _index_tensor(self.index))
    _saved_self_sym_sizes = property(lambda self: self.shape)


def sort(input, dim=-1, descending=False, *, stable=False, axis=None):
    """The elements along ``dim`` in order, and the indices they came from.

        >>> autograd_lib.tensor([3.0, 1.0, 2.0]).sort()
        autograd_lib.return_types.sort(
        values=tensor([1., 2., 3.]),
        indices=tensor([1, 2, 0]))
    """
    x = input._data
    if x.ndim == 0:  # one element: sorted as a 1-element vector
        values, indices = sort(input.reshape(1), 0, descending)
        return sort_return(values.reshape(()), indices.reshape(()))
    (d,) = normalize_dims(dim if axis is None else axis, x.ndim)
    return _pick(input, d, _order(x, d, descending), SortBackward0, sort_return)


def argsort(input, dim=-1, descending=False, *, stable=False, axis=None):
    """The indices that sort ``input`` along ``dim`` (``sort(...).indices``)."""
    x = input._data
    (d,) = normalize_dims(dim if axis is None else axis, x.ndim)
    idx = _order(x, d, descending) if x.ndim else xp_of(x).zeros((), dtype=np.int64)
    return Tensor._make(idx.astype(np.int64, copy=False), False, None, input._dev)


class TopkBackward0(GatherBackward0):
    """(y, indices) = x.topk(k, d):   dx = zeros with each dy put back where it came from."""

    __slots__ = ()
    _saved_indices = property(lambda self: _index_tensor(self.index))
    _saved_self_sym_sizes = property(lambda self: self.shape)


def topk(input, k, dim=-1, largest=True, sorted=True, *, axis=None):
    """The ``k`` largest (``largest=False``: smallest) elements along ``dim``, in order, and
    their indices.

        >>> autograd_lib.tensor([1.0, 5.0, 3.0]).topk(2)
        autograd_lib.return_types.topk(
        values=tensor([5., 3.]),
        indices=tensor([1, 2]))
    """
    x = input._data
    if x.ndim == 0:  # one element: as a 1-element vector
        values, indices = topk(input.reshape(1), k, 0, largest, sorted)
        return topk_return(values.reshape(()), indices.reshape(()))
    (d,) = normalize_dims(dim if axis is None else axis, x.ndim)
    if not 0 <= k <= x.shape[d]:
        raise RuntimeError("selected index k out of range")
    idx = _order(x, d, largest)[(slice(None),) * d + (slice(0, k),)]
    return _pick(input, d, idx, TopkBackward0, topk_return)
