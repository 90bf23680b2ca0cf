"""Reading and writing at positions that an index tensor names: index_select, gather, scatter,
scatter_add, index_add, masked_fill.

Their gradients are each other: ``gather`` reads ``x[i][index[i][j]]``, so its backward adds
each gradient back at the position it was read from (``scatter_add`` into zeros);
``scatter_add``'s backward for the values it added reads them back (``gather``);
``index_select`` and ``index_add`` are the same pair along one dimension. Because each backward
is written with the others, calling them on tensors under ``create_graph=True`` records a
graph: double backward works.

Every op records itself as ``autograd.Function.apply`` does (see ``record`` in
``autograd/graph.py``), in ``record_op`` (``_common.py``): the result tensor, then, if a
gradient is needed, the node, the dimension and index it keeps, ``record``. The index is a
constant of the graph.
"""

import numpy as np

from ..autograd.graph import Node
from ..backend import device_of
from ..tensor import Tensor
from ._common import as_tensor, data_of, normalize_dims, record_op, xp_of
from .shape import index_put_zeros


def _index_tensor(array):
    """A saved index (or mask) array as the tensor ``grad_fn._saved_index`` shows."""
    return Tensor._make(array, False, None, device_of(array))


def _positions(index, d):
    """The NumPy index that names, for each element of ``index`` (an array), the element of
    the input it points at: ``index`` itself along ``d``, its own position along the others.

    For a 2-D ``index`` and ``d = 0`` it is ``(index, [[0, 1, 2, ...]])``: element (i, j)
    names ``x[index[i, j], j]``.
    """
    xp = xp_of(index)
    n = index.ndim
    return tuple(
        index if i == d else xp.arange(size).reshape([-1 if j == i else 1 for j in range(n)])
        for i, size in enumerate(index.shape)
    )


def _index_of(index, input, op, dtypes):
    """``index``'s array as int64, checked as PyTorch checks it (``dtypes``: the message's
    words for the dtypes it accepts)."""
    idx = index._data
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"{op}(): Expected dtype {dtypes} for index")
    if op != "index_select" and idx.ndim != input._data.ndim and idx.size:
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    return idx.astype(np.int64, copy=False)


def _check_bounds(idx, size, d):
    if idx.size and (int(idx.max()) >= size or int(idx.min()) < -size):
        bad = int(idx.max()) if int(idx.max()) >= size else int(idx.min())
        raise RuntimeError(f"index {bad} is out of bounds for dimension {d} with size {size}")


def _like(array_or_tensor, data):
    """``data`` (an array) as what ``array_or_tensor`` is: an array, or a constant tensor."""
    if isinstance(array_or_tensor, Tensor):
        return Tensor._make(data, False, None, array_or_tensor._dev)
    return data


class _Indexed(Node):
    """A node of an op that reads or writes along dimension ``dim`` at the positions of
    ``index`` (an array, a constant of the graph), shown as ``_saved_dim``, ``_saved_index``."""

    __slots__ = ("dim", "index")
    _saved_dim = property(lambda self: self.dim)
    _saved_index = property(lambda self: _index_tensor(self.index))


# -- gather and scatter_add: one is the other's gradient ---------------------------------------


class GatherBackward0(_Indexed):
    """z = x.gather(d, index):  dx = zeros with each dz added where it was read."""

    __slots__ = ("shape",)

    def backward(self, grad):
        zeros = _like(grad, xp_of(self.index).zeros(self.shape, dtype=data_of(grad).dtype))
        return (_scatter_add_any(zeros, self.dim, self.index, grad),)

    def jvp(self, dx, x, result):  # linear: the same gather of the tangent
        return _gather_any(dx, self.dim, self.index)


def gather(input, dim=None, index=None, *, sparse_grad=False, axis=None):
    """``out[i][j] = input[index[i][j]][j]`` for ``dim=0`` (``input[i][index[i][j]]`` for 1).

        >>> x = autograd_lib.tensor([[1.0, 2.0], [3.0, 4.0]])
        >>> x.gather(1, autograd_lib.tensor([[0, 0], [1, 0]]))
        tensor([[1., 1.],
                [4., 3.]])
    """
    x = input._data
    (d,) = normalize_dims(dim if axis is None else axis, x.ndim)
    idx = _index_of(index, input, "gather", "int64")  # (int32 is accepted too, as in torch)
    _check_bounds(idx, x.shape[d] if x.ndim else 1, d)
    data = x[_positions(idx, d)] if x.ndim else x.copy()
    out = Tensor._make(data, False, None, input._dev)
    return record_op(GatherBackward0, (input,), out, dim=d, index=idx, shape=x.shape)


def _gather_any(x, d, idx):
    """``gather`` on an array (not recorded) or a tensor (recorded)."""
    if isinstance(x, Tensor):
        return gather(x, d, Tensor._make(idx, False, None, x._dev))
    return x[_positions(idx, d)]


def _src_grad(grad, d, idx, src_shape):
    """The gradient of scatter's ``src``: ``grad.gather(d, idx)``, in a zero tensor of ``src``'s
    shape where ``src`` is larger than the index (its other elements were not used)."""
    picked = _gather_any(grad, d, idx)
    if tuple(picked.shape) == tuple(src_shape):
        return picked
    key = tuple(slice(0, n) for n in idx.shape)
    if isinstance(picked, Tensor):
        return index_put_zeros(picked, src_shape, key, True)
    out = xp_of(picked).zeros(src_shape, dtype=picked.dtype)
    out[key] = picked
    return out


class ScatterAddBackward0(_Indexed):
    """z = x.scatter_add(d, index, src):  dx = dz,  dsrc = dz.gather(d, index)."""

    __slots__ = ("src_shape",)

    def backward(self, grad):
        need_x, need_src = self.needs_input_grad
        return (grad if need_x else None,
                _src_grad(grad, self.dim, self.index, self.src_shape) if need_src else None)

    def jvp(self, dx, dsrc, x, src, result):  # linear: the same scatter_add of the tangents
        return scatter_add(dx, self.dim, _like(dx, self.index), dsrc)


def scatter_add(input, dim, index, src):
    """``input`` with ``src[i][j]`` added at ``[index[i][j]][j]`` (``dim=0``), summing repeats."""
    return _scatter(input, dim, index, src, "scatter_add")


def _scatter_add_any(x, d, idx, src):
    """``scatter_add`` on arrays (not recorded) or tensors (recorded)."""
    if isinstance(src, Tensor):
        return scatter_add(as_tensor(x, src), d, Tensor._make(idx, False, None, src._dev), src)
    out = x.copy()
    xp_of(out).add.at(out, _positions(idx, d), src[tuple(slice(0, n) for n in idx.shape)])
    return out


# -- scatter: write, rather than add --------------------------------------------------------------


class ScatterBackward0(_Indexed):
    """z = x.scatter(d, index, src):  dx = dz with zeros where src was written,
    dsrc = dz.gather(d, index)."""

    __slots__ = ("src_shape",)

    def backward(self, grad):
        need_x, need_src = self.needs_input_grad
        return (_scatter_any(grad, self.dim, self.index, 0.0) if need_x else None,
                _src_grad(grad, self.dim, self.index, self.src_shape) if need_src else None)

    def jvp(self, dx, dsrc, x, src, result):
        return scatter(dx, self.dim, _like(dx, self.index), dsrc)


class ScatterBackward1(_Indexed):
    """z = x.scatter(d, index, value):  dx = dz with zeros where the value was written."""

    __slots__ = ()

    def backward(self, grad):
        return (_scatter_any(grad, self.dim, self.index, 0.0),)

    def jvp(self, dx, x, result):
        return _scatter_any(dx, self.dim, self.index, 0.0)


def scatter(input, dim, index, src=None, *, value=None):
    """``input`` with ``src[i][j]`` (or the number ``value``) written at ``[index[i][j]][j]``
    (``dim=0``); where an index repeats, which write wins is not defined (as in PyTorch)."""
    src = value if src is None else src
    return _scatter(input, dim, index, src, "scatter")


def _scatter_any(x, d, idx, value):
    """``scatter`` of a number on an array (not recorded) or a tensor (recorded)."""
    if isinstance(x, Tensor):
        return scatter(x, d, Tensor._make(idx, False, None, x._dev), value)
    out = x.copy()
    out[_positions(idx, d)] = value
    return out


def _scatter(input, dim, index, src, op):
    """``scatter`` or ``scatter_add`` (``op``) of ``src`` (a tensor or a number) into a copy of
    ``input``, recorded with ScatterBackward0/1 or ScatterAddBackward0."""
    x = input._data
    (d,) = normalize_dims(dim, x.ndim)
    idx = _index_of(index, input, op, "int32/int64")
    _check_bounds(idx, x.shape[d] if x.ndim else 1, d)
    if isinstance(src, Tensor) and src._data.dtype != x.dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    out_data = x.copy()
    where = _positions(idx, d)
    if isinstance(src, Tensor):
        values = src._data[tuple(slice(0, n) for n in idx.shape)]
    else:
        values = src
    if op == "scatter_add":
        xp_of(out_data).add.at(out_data, where, values)
    else:
        out_data[where] = values
    out = Tensor._make(out_data, False, None, input._dev)
    if op == "scatter_add":
        return record_op(ScatterAddBackward0, (input, src), out, dim=d, index=idx,
                       src_shape=src._data.shape)
    if isinstance(src, Tensor):
        return record_op(ScatterBackward0, (input, src), out, dim=d, index=idx,
                       src_shape=src._data.shape)
    return record_op(ScatterBackward1, (input,), out, dim=d, index=idx)


# -- index_select and index_add: along one dimension --------------------------------------------


def _along(d, idx):
    """The NumPy index of the slices ``idx`` along dimension ``d``: ``(:, :, idx)`` for d = 2."""
    return (slice(None),) * d + (idx,)


class IndexSelectBackward0(_Indexed):
    """z = x.index_select(d, index):  dx = zeros with each slice of dz added where it was read."""

    __slots__ = ("shape",)
    _saved_self_sym_sizes = property(lambda self: self.shape)

    def backward(self, grad):
        zeros = _like(grad, xp_of(self.index).zeros(self.shape, dtype=data_of(grad).dtype))
        if isinstance(grad, Tensor):
            return (index_add(zeros, self.dim, Tensor._make(self.index, False, None, grad._dev),
                              grad),)
        xp_of(zeros).add.at(zeros, _along(self.dim, self.index), grad)
        return (zeros,)

    def jvp(self, dx, x, result):
        return index_select(dx, self.dim, _like(dx, self.index))


def index_select(input, dim=None, index=None, *, axis=None):
    """The slices of ``input`` along ``dim`` at the positions in ``index`` (a 1-D int tensor).

        >>> x = autograd_lib.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        >>> x.index_select(1, autograd_lib.tensor([2, 0]))
        tensor([[3., 1.],
                [6., 4.]])
    """
    x = input._data
    (d,) = normalize_dims(dim if axis is None else axis, x.ndim)
    idx = index._data
    if idx.dtype.kind not in "iu":
        raise RuntimeError("index_select(): Expected dtype int32 or int64 for index")
    if idx.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    idx = idx.reshape(-1).astype(np.int64, copy=False)
    _check_bounds(idx, x.shape[d] if x.ndim else 1, d)
    data = x[_along(d, idx)] if x.ndim else x.copy()
    out = Tensor._make(data, False, None, input._dev)
    return record_op(IndexSelectBackward0, (input,), out, dim=d, index=idx, shape=x.shape)


class IndexAddBackward0(_Indexed):
    """z = x.index_add(d, index, source, alpha):  dx = dz,
    dsource = alpha * dz.index_select(d, index)."""

    __slots__ = ("alpha",)
    _saved_alpha = property(lambda self: self.alpha)

    def backward(self, grad):
        need_x, need_source = self.needs_input_grad
        dsource = None
        if need_source:
            if isinstance(grad, Tensor):
                picked = index_select(grad, self.dim, Tensor._make(self.index, False, None,
                                                                   grad._dev))
            else:
                picked = grad[_along(self.dim, self.index)]
            dsource = picked if self.alpha == 1 else picked * self.alpha
        return (grad if need_x else None, dsource)

    def jvp(self, dx, dsource, x, source, result):
        return index_add(dx, self.dim, _like(dx, self.index), dsource, alpha=self.alpha)


def index_add(input, dim, index, source, *, alpha=1):
    """``input`` with ``alpha * source``'s slices along ``dim`` added at the positions in
    ``index`` (summed where a position repeats)."""
    x = input._data
    (d,) = normalize_dims(dim, x.ndim)
    idx = index._data.reshape(-1).astype(np.int64, copy=False)
    _check_bounds(idx, x.shape[d] if x.ndim else 1, d)
    out_data = x.copy()
    src = source._data if alpha == 1 else source._data * alpha
    xp_of(out_data).add.at(out_data, _along(d, idx), src.astype(x.dtype, copy=False))
    out = Tensor._make(out_data, False, None, input._dev)
    return record_op(IndexAddBackward0, (input, source), out, dim=d, index=idx, alpha=alpha)


# -- masked_fill ----------------------------------------------------------------------------------


class MaskedFillBackward0(Node):
    """z = x.masked_fill(mask, number):  dx = dz with zeros where mask is True."""

    __slots__ = ("mask",)
    _saved_mask = property(lambda self: _index_tensor(self.mask))

    def backward(self, grad):
        return (_zero_where(self.mask, grad), None)

    def jvp(self, dx, dmask, x, mask, result):
        return _zero_where(self.mask, dx)


class MaskedFillBackward1(Node):
    """z = x.masked_fill(mask, value) (value a 0-d tensor):  dx = dz with zeros where mask is
    True,  dvalue = the sum of dz where mask is True."""

    __slots__ = ("mask",)
    _saved_mask = property(lambda self: _index_tensor(self.mask))

    def backward(self, grad):
        need_x, _, need_value = self.needs_input_grad
        dvalue = None
        if need_value:
            dvalue = (grad - _zero_where(self.mask, grad)).sum()
        return (_zero_where(self.mask, grad) if need_x else None, None, dvalue)

    def jvp(self, dx, dmask, dvalue, x, mask, value, result):
        return masked_fill(dx, _like(dx, self.mask), dvalue)


def _zero_where(mask, grad):
    """``grad`` with zeros where ``mask`` (an array) is True; recorded if ``grad`` is a tensor."""
    if isinstance(grad, Tensor):
        return masked_fill(grad, Tensor._make(mask, False, None, grad._dev), 0.0)
    return xp_of(grad).where(mask, grad.dtype.type(0), grad)


def masked_fill(input, mask, value):
    """``input`` with ``value`` (a number or a 0-d tensor) where ``mask`` (bool, broadcast to
    ``input``'s shape) is True.

        >>> x = autograd_lib.tensor([1.0, -2.0, 3.0])
        >>> x.masked_fill(x < 0, 0.0)
        tensor([1., 0., 3.])
    """
    if mask.dtype.name != "bool":
        raise RuntimeError(
            "masked_fill_ only supports boolean masks, but got mask with dtype "
            f"{mask.dtype.cpp_type}")
    if isinstance(value, Tensor) and value.ndim:
        raise RuntimeError(
            "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
            f"{value.ndim} dimension(s).")
    x, m = input._data, mask._data
    xp = xp_of(x)
    try:
        full_mask = xp.broadcast_to(m, x.shape)
    except ValueError:
        raise RuntimeError(
            f"The size of tensor a ({m.shape[-1]}) must match the size of tensor b "
            f"({x.shape[-1]}) at non-singleton dimension {x.ndim - 1}") from None
    fill = value._data if isinstance(value, Tensor) else value
    data = xp.where(full_mask, xp.asarray(fill).astype(x.dtype), x)
    if data.ndim == 0 and input._dev.type == "cpu":
        data = data[()]
    out = Tensor._make(data, False, None, input._dev)
    if isinstance(value, Tensor):
        return record_op(MaskedFillBackward1, (input, mask, value), out, mask=full_mask)
    return record_op(MaskedFillBackward0, (input, mask), out, mask=full_mask)
