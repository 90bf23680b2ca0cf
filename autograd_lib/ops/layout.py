"""Ops that put the same elements in new places: split, chunk, unbind (pieces of a tensor);
repeat, tile (copies of it); flip, roll (its elements in another order).

Their backward moves each gradient back to where its element came from: a piece's gradient
goes into zeros at the piece's place (as indexing's does: each piece is ``x[key]``, recorded by
``record_index`` of ``shape.py``); a repeated tensor's gradient is the sum over its copies; a
flipped or rolled tensor's gradient is flipped or rolled back.

``repeat``, ``flip`` and ``roll`` record themselves as ``autograd.Function.apply`` does (see
``record`` in ``autograd/graph.py``) in ``record_op`` (``_common.py``): the result, then, if a
gradient is needed, the node, its parameters, ``record``. Their formulas call the ops themselves
on tensors under ``create_graph=True`` (recorded: double backward).
"""

import builtins

from ..autograd.graph import Node
from ..tensor import Tensor
from ._common import normalize_dims, record_op, xp_of
from .shape import SelectBackward0, SliceBackward0, _sizes, record_index


def _out(input, data):
    return Tensor._make(data, False, None, input._dev)


# -- pieces: split, chunk, unbind -----------------------------------------------------------------


class SplitBackward0(SliceBackward0):
    """One piece of x.split(n, d) (or x.chunk(k, d)):  dx = zeros with the piece's gradient at
    the piece's place."""

    __slots__ = ()


class SplitWithSizesBackward0(SliceBackward0):
    """One piece of x.split([n1, n2, ...], d):  dx = zeros with its gradient at its place."""

    __slots__ = ()


def _pieces(input, d, sizes, node_cls):
    """The pieces of ``input`` of ``sizes`` along ``d``: views, each recorded as a slice."""
    out, start = [], 0
    for n in sizes:
        key = (slice(None),) * d + (slice(start, start + n),)
        out.append(record_index(node_cls, input, input._data[key], key, True))
        start += n
    return tuple(out)


def split(tensor, split_size_or_sections, dim=0):
    """Pieces of ``split_size_or_sections`` elements along ``dim`` (the last may be smaller),
    or of the sizes in a list.

        >>> autograd_lib.arange(5).split(2)
        (tensor([0, 1]), tensor([2, 3]), tensor([4]))
    """
    x = tensor._data
    (d,) = normalize_dims(dim, x.ndim)
    total = x.shape[d]
    if isinstance(split_size_or_sections, (list, tuple)):
        sizes = [int(n) for n in split_size_or_sections]
        if builtins.sum(sizes) != total:
            raise RuntimeError(
                f"split_with_sizes expects split_sizes to sum exactly to {total} (input tensor's "
                f"size at dimension {d}), but got split_sizes={sizes}")
        return _pieces(tensor, d, sizes, SplitWithSizesBackward0)
    n = int(split_size_or_sections)
    if n == 0 and total:
        raise RuntimeError(
            "split_size can only be 0 if dimension size is 0, but got dimension size of "
            f"{total}")
    sizes = [builtins.min(n, total - start) for start in range(0, total, n)] if n else [0]
    return _pieces(tensor, d, sizes, SplitBackward0)


def chunk(input, chunks, dim=0, *, axis=None):
    """At most ``chunks`` pieces of equal size (the last may be smaller) along ``dim``."""
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    x = input._data
    (d,) = normalize_dims(dim if axis is None else axis, x.ndim)
    size = -(-x.shape[d] // chunks)  # ceil
    return split(input, size if size else 1, d) if x.shape[d] else split(input, 0, d)


class UnbindBackward0(SelectBackward0):
    """One slice x[..., i, ...] of x.unbind(d):  dx = zeros with its gradient at [..., i, ...]."""

    __slots__ = ()


def unbind(input, dim=0, *, axis=None):
    """The slices along ``dim``, that dimension removed: ``x.unbind(0)`` is ``(x[0], x[1], ...)``.
    """
    x = input._data
    if x.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    (d,) = normalize_dims(dim if axis is None else axis, x.ndim)
    keys = [(slice(None),) * d + (i,) for i in range(x.shape[d])]
    return tuple(record_index(UnbindBackward0, input, x[k], k, True) for k in keys)


# -- copies: repeat, tile ------------------------------------------------------------------------


class RepeatBackward0(Node):
    """z = x.repeat(r0, r1, ...):  dx = the sum of dz over the copies (dz seen as r0 x s0 x
    r1 x s1 ..., summed over the r's; leading repeats add dimensions, summed too)."""

    __slots__ = ("shape", "repeats")
    _saved_repeats = property(lambda self: self.repeats)
    _saved_self_sym_sizes = property(lambda self: self.shape)

    def backward(self, grad):
        lead = len(self.repeats) - len(self.shape)
        shape = (1,) * lead + tuple(self.shape)
        split = []
        for r, n in zip(self.repeats, shape):
            split += [r, n]
        summed = grad.reshape(tuple(split)).sum(axis=tuple(range(0, len(split), 2)))
        return (summed.reshape(tuple(self.shape)),)

    def jvp(self, dx, x, result):  # linear: the tangent repeated the same way
        return repeat(dx, *self.repeats)


def repeat(input, *sizes):
    """Copies of ``input`` laid side by side: ``repeat(2, 1)`` stacks two copies along dim 0.

        >>> autograd_lib.tensor([1, 2]).repeat(2)
        tensor([1, 2, 1, 2])
    """
    sizes = _sizes(sizes)
    x = input._data
    if len(sizes) < x.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of "
                           "dimensions of tensor")
    data = xp_of(x).tile(x, sizes) if sizes else x.copy()
    return record_op(RepeatBackward0, (input,), _out(input, data), shape=x.shape, repeats=sizes)


def tile(input, *sizes, dims=None):
    """``repeat``, with fewer repeats than dimensions allowed (the first ones are 1)."""
    dims = _sizes(sizes if dims is None else (dims,))
    return repeat(input, *((1,) * (input._data.ndim - len(dims)) + tuple(dims)))


# -- order: flip, roll ---------------------------------------------------------------------------


class FlipBackward0(Node):
    """z = x.flip(dims):  dx = dz.flip(dims)  (flipped back)."""

    __slots__ = ("dims",)
    _saved_dims = property(lambda self: self.dims)

    def backward(self, grad):
        if isinstance(grad, Tensor):
            return (flip(grad, self.dims),)
        return (xp_of(grad).flip(grad, self.dims) if self.dims else grad,)

    def jvp(self, dx, x, result):
        return flip(dx, self.dims)


def flip(input, *sizes, dims=None):
    """The elements in reverse order along each of ``dims`` (a copy, as PyTorch's)."""
    dims = _sizes(sizes if dims is None else (dims,))
    dims = normalize_dims(dims, input._data.ndim) if dims else ()
    x = input._data
    data = xp_of(x).flip(x, dims).copy() if dims else x.copy()
    return record_op(FlipBackward0, (input,), _out(input, data), dims=dims)


class RollBackward0(Node):
    """z = x.roll(shifts, dims):  dx = dz.roll(-shifts, dims)  (rolled back)."""

    __slots__ = ("shifts", "dims")
    _saved_dims = property(lambda self: self.dims or ())
    _saved_shifts = property(lambda self: self.shifts)

    def backward(self, grad):
        back = tuple(-s for s in self.shifts)
        if isinstance(grad, Tensor):
            return (roll(grad, back, self.dims),)
        return (_roll(grad, back, self.dims),)

    def jvp(self, dx, x, result):
        return roll(dx, self.shifts, self.dims)


def _roll(x, shifts, dims):
    xp = xp_of(x)
    if dims is None:  # the flattened tensor rolled, shape kept
        return xp.roll(x.reshape(-1), shifts[0]).reshape(x.shape)
    return xp.roll(x, shifts, dims)


def roll(input, shifts, dims=None):
    """The elements shifted ``shifts`` places along ``dims``, those pushed off the end coming
    back at the start (with no ``dims``: of the flattened tensor)."""
    shifts = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    x = input._data
    if dims is not None:
        dims = (dims,) if isinstance(dims, int) else tuple(dims)
        if len(shifts) != len(dims):
            raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, "
                               f"dims:{len(dims)}")
        dims = tuple(normalize_dims(d, x.ndim)[0] for d in dims)
    data = _roll(x, shifts, dims) if x.ndim else x.copy()
    return record_op(RollBackward0, (input,), _out(input, data), shifts=shifts, dims=dims)
