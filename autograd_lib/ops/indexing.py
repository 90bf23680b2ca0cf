"""Reading and writing at positions that an index tensor names: index_select, gather, scatter,
scatter_add, scatter_reduce, index_add, masked_fill.

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

import warnings

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
        raise RuntimeError("Index tensor must have the same number of dimensions as "
                           f"{'input' if op == 'gather' else 'self'} tensor")
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


def scatter(input, dim, index, src=None, *, value=None, reduce=None):
    """``input`` with ``src[i][j]`` (or the number ``value``) written at ``[index[i][j]][j]``
    (``dim=0``); where an index repeats, which write wins is not defined (as in PyTorch).

    ``reduce='add'`` or ``'multiply'`` combines instead of writing (PyTorch's deprecated form
    of ``scatter_reduce``, without a gradient: see ``_scatter_with_reduce``).
    """
    src = value if src is None else src
    if reduce is not None:
        return _scatter_with_reduce(input, dim, index, src, reduce)
    return _scatter(input, dim, index, src, "scatter")


def _scatter_any(x, d, idx, value):
    """``scatter`` of a number on an array (not recorded) or a tensor (recorded)."""
    if isinstance(x, Tensor):
        return scatter(x, d, Tensor._make(idx, False, None, x._dev), value)
    out = x.copy()
    out[_positions(idx, d)] = value
    return out


def _scatter_args(input, dim, index, src, op):
    """What every scatter checks first, in PyTorch's words: ``(x, d, idx)``, ``input``'s array,
    ``dim`` as an axis, and the index as int64 within bounds; a tensor ``src`` of x's dtype."""
    x = input._data
    (d,) = normalize_dims(dim, x.ndim)
    idx = _index_of(index, input, op, "int32/int64")
    _check_bounds(idx, x.shape[d] if x.ndim else 1, d)
    if isinstance(src, Tensor) and src._data.dtype != x.dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    return x, d, idx


def _scatter(input, dim, index, src, op):
    """``scatter`` or ``scatter_add`` (``op``) of ``src`` (a tensor or a number) into a copy of
    ``input``, recorded with ScatterBackward0/1 or ScatterAddBackward0."""
    x, d, idx = _scatter_args(input, dim, index, src, op)
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


# -- scatter_reduce: combine, rather than write ---------------------------------------------------

# Each reduction and the ufunc that combines with it. PyTorch also takes "max" and "min" (its
# error message names only the five others), and has no gradient nor tangent for them.
_REDUCES = {"sum": "add", "prod": "multiply", "mean": "add", "amax": "maximum", "amin": "minimum",
            "max": "maximum", "min": "minimum"}


def _reduce_at(out, where, values, ufunc):
    """``out[where] = ufunc(out[where], values)``, a repeated position taking every value in
    turn (NumPy's ``ufunc.at``). CuPy has ``at`` for add, maximum and minimum but not for
    multiply: there the product goes in rounds, each round multiplying in one value for every
    position that still has some."""
    xp = xp_of(out)
    if xp is np or ufunc != "multiply":
        getattr(xp, ufunc).at(out, where, values)
        return
    shape = np.broadcast_shapes(*(w.shape for w in where))
    flat = xp.zeros(shape, dtype=np.int64)  # the position of each value in out, flattened
    step = 1
    for axis in reversed(range(out.ndim)):
        flat = flat + where[axis] * step
        step *= out.shape[axis]
    flat, values = flat.reshape(-1), xp.broadcast_to(values, shape).reshape(-1)
    flat_out, owner = out.reshape(-1), xp.empty(out.size, dtype=np.int64)
    pending = xp.arange(flat.size)
    while pending.size:
        owner[flat[pending]] = pending  # one value of each position wins the write ...
        first = owner[flat[pending]] == pending  # ... and is this round's
        flat_out[flat[pending[first]]] *= values[pending[first]]
        pending = pending[~first]


def _identity(reduce, dtype):
    """The value that ``reduce`` leaves unchanged: where ``include_self=False`` starts from."""
    if reduce in ("sum", "mean"):
        return 0
    if reduce == "prod":
        return 1
    largest = reduce in ("amax", "max")
    if dtype.kind == "f":
        return -np.inf if largest else np.inf
    info = np.iinfo(dtype)
    return info.min if largest else info.max


def _reduced(x, d, idx, src, reduce, include_self):
    """``x`` (an array) with the values of ``src`` combined by ``reduce`` at the positions
    ``idx`` names along ``d``: the forward of ``scatter_reduce``."""
    xp = xp_of(x)
    out = xp.array(x, copy=True)  # (an array even for a NumPy scalar)
    where = _positions(idx, d)
    values = src[tuple(slice(0, n) for n in idx.shape)] if getattr(src, "ndim", 0) else src
    values = xp.asarray(values).astype(out.dtype, copy=False)  # (a number into integers)
    if not include_self:
        out[where] = _identity(reduce, out.dtype)
    _reduce_at(out, where, values, _REDUCES[reduce])
    if reduce == "mean":
        count = xp.full(out.shape, 1 if include_self else 0, dtype=out.dtype)
        xp.add.at(count, where, 1)
        count[count == 0] = 1
        out = out / count if out.dtype.kind == "f" else out // count
    return out[()] if out.ndim == 0 and xp is np else out


class ScatterReduceBackward0(_Indexed):
    """z = x.scatter_reduce(d, index, src, reduce, include_self): PyTorch's gradients for each
    ``reduce`` (its ``scatter_reduce_backward``): ``sum`` passes ``dz`` on, ``mean`` divides
    it by how many values each result averages, ``prod`` multiplies by the product of the
    others (zeros counted apart), ``amax``/``amin`` share it evenly among the values equal to
    the result. Where ``include_self=False`` the values of ``x`` that were replaced get zero."""

    __slots__ = ("reduce", "include_self", "src_shape")
    _saved_names = ("self", "src", "result")
    _saved_reduce = property(lambda self: self.reduce)
    _saved_include_self = property(lambda self: self.include_self)

    def backward(self, grad, x, src, result):
        need_x, need_src = self.needs_input_grad
        if need_src and tuple(self.src_shape) != tuple(self.index.shape):
            raise RuntimeError(
                "Function ScatterReduceBackward0 returned an invalid gradient at index 1 - got "
                f"{list(self.index.shape)} but expected shape compatible with "
                f"{list(self.src_shape)}")
        if isinstance(grad, Tensor):  # create_graph: the formula is recorded
            dx, dsrc = self._grads(grad, x, src, result)
        else:
            dev = device_of(grad)
            dx, dsrc = (t._data for t in self._grads(
                *(Tensor._make(a, False, None, dev) for a in (grad, x, src, result))))
        return (dx if need_x else None, dsrc if need_src else None)

    def _grads(self, g, x, src, result):
        """``(dx, dsrc)`` for the upstream gradient ``g``, all tensors."""
        d, index, reduce = self.dim, _like(g, self.index), self.reduce
        if reduce in ("max", "min"):
            raise RuntimeError("Expected 'reduce' to be one of 'sum', 'prod', 'mean', 'amax', "
                               f"'amin' but got {reduce}.")
        if reduce == "sum":
            dx, dsrc = g, gather(g, d, index)
        elif reduce == "mean":
            count = _filled(g, 1.0 if self.include_self else 0.0)
            count = scatter_add(count, d, index, _filled(src, 1.0))
            count = masked_fill(count, count == 0, 1.0)
            dx, dsrc = g / count, gather(g, d, index) / gather(count, d, index)
        elif reduce == "prod":
            dx, dsrc = self._prod_grads(g, x, src, result, index)
        else:  # amax, amin: shared evenly among the values equal to the result
            value = gather(result, d, index)
            x_is = (x == result).to(g.dtype)
            src_is = (src == value).to(g.dtype)
            shared = g / scatter_add(x_is, d, index, src_is)
            dx, dsrc = x_is * shared, src_is * gather(shared, d, index)
        if not self.include_self:
            dx = scatter(dx, d, index, 0.0)
        return dx, dsrc

    def _prod_grads(self, g, x, src, result, index):
        d, include_self = self.dim, self.include_self
        ones_x = masked_fill(x, x == 0, 1.0)  # the product of the others where x is 0
        dx = g * scatter_reduce(ones_x, d, index, src, "prod", include_self=include_self) / ones_x
        src_zero = src == 0
        zeros_there = gather(scatter_add(_filled(x, 0.0), d, index, src_zero.to(x.dtype)), d,
                             index)
        single_zero = src_zero.logical_and(zeros_there == 1)
        others = scatter_reduce(x, d, index, masked_fill(src, single_zero, 1.0), "prod",
                                include_self=include_self)
        from .elementwise import where

        dsrc = where(single_zero, gather(g * others, d, index),
                     gather(g * result, d, index) / masked_fill(src, src_zero, 1.0))
        if dsrc.requires_grad and bool((zeros_there > 1).any().item()):  # as PyTorch: refused
            dsrc = record_op(Error, (dsrc,), Tensor._make(dsrc._data, False, None, dsrc._dev),
                             message="scatter_reduce(): Double backward is unsupported for src "
                             "when >1 zeros in src are scattered to the same position in self")
        return dx, dsrc

    def jvp(self, dx, dsrc, x, src, result):
        d, index, reduce = self.dim, _like(dx, self.index), self.reduce
        if reduce in ("sum", "mean"):  # linear: the same scatter_reduce of the tangents
            return scatter_reduce(dx, d, index, dsrc, reduce, include_self=self.include_self)
        if reduce in ("prod", "max", "min"):
            return None  # PyTorch 2.13 gives no tangent here
        value = gather(result, d, index)  # amax, amin: the mean tangent of the values equal
        x_is = (x == result).to(dx.dtype)  # to the result (not counting x's where it is left
        if not self.include_self:  # out, unlike the backward formula: as PyTorch's)
            x_is = scatter(x_is, d, index, 0.0)
        src_is = (src == value).to(dx.dtype)
        count = scatter_add(x_is, d, index, src_is)
        return scatter_add(dx * x_is, d, index, dsrc * src_is) / count


class Error(Node):
    """Passes its input on; differentiating through it raises ``message`` (PyTorch's node of
    a derivative it does not support)."""

    __slots__ = ("message",)

    def backward(self, grad):
        raise RuntimeError(self.message)

    def jvp(self, dx, x, result):
        return dx


def _filled(like, number):
    """A constant tensor of ``like``'s shape, dtype and device, full of ``number``."""
    data = xp_of(like._data).full(like._data.shape, number, dtype=like._data.dtype)
    return Tensor._make(data, False, None, like._dev)


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    """``input`` with each ``src[i][j]`` combined into ``[index[i][j]][j]`` (``dim=0``) by
    ``reduce``: ``'sum'``, ``'prod'``, ``'mean'``, ``'amax'`` or ``'amin'``; with
    ``include_self=False`` the values of ``input`` at those positions are left out.

        >>> x = autograd_lib.tensor([1.0, 2.0, 3.0])
        >>> index, src = autograd_lib.tensor([0, 0, 2]), autograd_lib.tensor([4.0, 5.0, 6.0])
        >>> x.scatter_reduce(0, index, src, "amax")
        tensor([5., 2., 6.])
        >>> x.scatter_reduce(0, index, src, "mean", include_self=False)
        tensor([4.5000, 2.0000, 6.0000])
    """
    if reduce not in _REDUCES:
        raise RuntimeError(
            f"reduce argument must be either sum, prod, mean, amax or amin, got {reduce}")
    x, d, idx = _scatter_args(input, dim, index, src, "scatter")
    data = _reduced(x, d, idx, src._data, reduce, include_self)
    out = Tensor._make(data, False, None, input._dev)
    return record_op(ScatterReduceBackward0, (input, src), out, save_inputs=True,
                     save_output=True, dim=d, index=idx, reduce=reduce,
                     include_self=include_self, src_shape=src._data.shape)


def scatter_reduce_(input, dim, index, src, reduce, *, include_self=True):
    """In-place ``scatter_reduce``. The gradient needs ``input``'s values from before the change:
    the op reads them from a copy in the same place of the graph."""
    input._check_inplace()
    before = Tensor._make(xp_of(input._data).array(input._data, copy=True),
                          input._requires_grad, input._grad_fn, input._dev)
    before._fw_grad = input._fw_grad
    result = scatter_reduce(before, dim, index, src, reduce, include_self=include_self)
    return input._set_(result)


class NotImplemented(Node):  # noqa: A001  (PyTorch's name for it)
    """The node of an op without a derivative (``scatter`` with ``reduce=``): the graph is
    recorded, and backward through it raises PyTorch's error, as forward mode does."""

    __slots__ = ()

    def backward(self, grad):
        raise RuntimeError("derivative for aten::scatter is not implemented")

    def jvp(self, *tangents_inputs_result):
        raise NotImplementedError(
            "Trying to use forward AD with aten::scatter that does not support it.")


def _scatter_with_reduce(input, dim, index, src, reduce):
    """``scatter(..., reduce='add' | 'multiply')``: recorded as ``NotImplemented`` (PyTorch has
    no derivative for it; ``scatter_reduce`` has one)."""
    if reduce not in ("add", "multiply"):
        raise RuntimeError("reduce argument must be either add or multiply.")
    x, d, idx = _scatter_args(input, dim, index, src, "scatter")
    if isinstance(src, Tensor):
        warnings.warn(
            "The reduce argument of autograd_lib.scatter with Tensor src is deprecated and will "
            "be removed in a future PyTorch release. Use autograd_lib.scatter_reduce instead "
            "for more reduction options.", UserWarning, stacklevel=3)
    values = src._data if isinstance(src, Tensor) else src
    data = _reduced(x, d, idx, values, "sum" if reduce == "add" else "prod", True)
    out = Tensor._make(data, False, None, input._dev)
    return record_op(NotImplemented, (input, src) if isinstance(src, Tensor) else (input,), out)


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
