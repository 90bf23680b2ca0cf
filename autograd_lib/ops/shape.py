"""Shape and indexing: reshape/view, transpose, permute, squeeze, expand, indexing, cat, stack.

These ops move numbers around without changing them, so their backward moves the gradient back
the same way: ``reshape`` reshapes it back, ``transpose`` transposes it back, indexing puts it
back into a zero tensor at the positions that were read (adding where a position was read twice).

Every op records itself as ``autograd.Function.apply`` does (see ``record`` in
``autograd/graph.py``): the forward on arrays, the result tensor, then, if a gradient is needed,
the node, what it keeps, ``record``. ``record_reshape`` takes these steps for the ops whose node
keeps the input's shape (reshape, squeeze, unsqueeze, expand, ``x[None]``), ``record_unary``
(``_common.py``) for clone; each other op keeps its own parameters and takes them itself.
"""

import builtins
import warnings

import numpy as np

from .. import _dtype, backend
from ..autograd.graph import Node, needs_grad, record
from ..tensor import Tensor
from . import _common as either  # backward formulas' helpers: each takes an array or a tensor
from ._common import _dual, _state, forward, normalize_dims, record_unary, xp_of


def _track_view(out, input):
    """View bookkeeping (records nothing): if ``out``'s array shares ``input``'s memory (NumPy
    made no copy), ``out`` shares ``input``'s version counter, so an in-place change to either
    shows in both versions, and remembers the tensor that owns the memory (its ``_base``)."""
    if out._data.base is not None:
        out._vc = input._vc
        out._base = input if input._base is None else input._base


def record_reshape(node_cls, input, data):
    """``data`` (``input``'s array in a new shape, a view if NumPy could make one) as a tensor,
    recorded if a gradient is needed: a ``node_cls`` node that keeps the input's shape, the
    shape its formula gives the gradient back. reshape, squeeze, unsqueeze and expand record
    themselves here, with the steps of ``record`` in ``autograd/graph.py``."""
    out = Tensor._make(data, False, None, input._dev)
    _track_view(out, input)
    if _state.enabled and input._requires_grad:  # needs_grad(input), spelled out: hot path
        node = node_cls(input)
        node.shape = input._data.shape
        record(node, out)
    if _dual.active:  # forward-mode AD: the result's tangent (autograd/forward_ad.py)
        forward(node_cls, (input,), out, shape=input._data.shape)
    return out


def _sizes(args):
    """Accept ``f(2, 3)``, ``f((2, 3))`` and ``f([2, 3])``."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return tuple(args[0])
    return tuple(int(a) for a in args)


# -- reshape / view / flatten ---------------------------------------------------------------


class ViewBackward0(Node):
    """z = x.reshape(s):  dx = dz.reshape(x.shape)  (reshaping changes no values)."""

    __slots__ = ("shape",)
    _saved_self_sym_sizes = property(lambda self: self.shape)

    def backward(self, grad):
        return (grad.reshape(self.shape),)

    def jvp(self, dx, x, result):  # the same reshape of the tangent (a view of it)
        return dx.reshape(result.shape)


def reshape(input, *shape):
    shape = _sizes(shape)
    try:
        data = input._data.reshape(shape)
    except ValueError:
        raise RuntimeError(
            f"shape '{list(shape)}' is invalid for input of size {input._data.size}"
        ) from None
    return record_reshape(ViewBackward0, input, data)


view = reshape


def view_as(input, other):
    return reshape(input, other.shape)


reshape_as = view_as


def flatten(input, start_dim=0, end_dim=-1):
    shape = input._data.shape
    if not shape:
        return reshape(input, 1)
    s, e = normalize_dims(start_dim, len(shape))[0], normalize_dims(end_dim, len(shape))[0]
    if s == e:
        return input  # nothing to merge: PyTorch returns the tensor itself
    n = 1
    for d in shape[s : e + 1]:
        n *= d
    return reshape(input, shape[:s] + (n,) + shape[e + 1 :])


def ravel(input):
    return reshape(input, -1)


# -- transpose / permute --------------------------------------------------------------------


class TransposeBackward0(Node):
    """z = x.transpose(d0, d1):  dx = dz.transpose(d0, d1)  (swap the two dimensions back)."""

    __slots__ = ("dims",)
    _saved_dim0 = property(lambda self: self.dims[0])
    _saved_dim1 = property(lambda self: self.dims[1])

    def backward(self, grad):
        return (grad.swapaxes(*self.dims),)

    def jvp(self, dx, x, result):
        return dx.transpose(*self.dims)


def transpose(input, dim0, dim1):
    n = input._data.ndim
    d0, d1 = (normalize_dims(d, n)[0] if n else 0 for d in (dim0, dim1))
    if n == 0:
        return reshape(input, ())
    out = Tensor._make(input._data.swapaxes(d0, d1), False, None, input._dev)
    _track_view(out, input)
    if _state.enabled and input._requires_grad:  # needs_grad(input), spelled out: hot path
        node = TransposeBackward0(input)
        node.dims = (d0, d1)
        record(node, out)
    if _dual.active:  # forward-mode AD: the result's tangent (autograd/forward_ad.py)
        forward(TransposeBackward0, (input,), out, dims=(d0, d1))
    return out


swapaxes = swapdims = transpose


class TBackward0(Node):
    """z = x.t():  dx = dz.t()  (a matrix transposed back; fewer than 2 dimensions: dx = dz)."""

    __slots__ = ()

    def backward(self, grad):
        return (grad.swapaxes(0, 1) if grad.ndim == 2 else grad,)

    def jvp(self, dx, x, result):
        return dx.t()


def t(input):
    if input._data.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is "
                           f"{input._data.ndim}D")
    data = input._data.T if input._data.ndim == 2 else input._data
    out = Tensor._make(data, False, None, input._dev)
    _track_view(out, input)
    if _state.enabled and input._requires_grad:  # needs_grad(input), spelled out: hot path
        record(TBackward0(input), out)
    if _dual.active:  # forward-mode AD: the result's tangent (autograd/forward_ad.py)
        forward(TBackward0, (input,), out)
    return out


class PermuteBackward0(Node):
    """z = x.permute(dims):  dx = dz.permute(inverse of dims)  (put the dimensions back)."""

    __slots__ = ("inverse",)

    def backward(self, grad):
        if isinstance(grad, Tensor):
            return (grad.permute(*self.inverse),)
        return (grad.transpose(self.inverse),)

    def jvp(self, dx, x, result):
        return dx.permute(*[int(i) for i in np.argsort(self.inverse)])


def permute(input, *dims):
    dims = _sizes(dims)
    n = input._data.ndim
    if len(dims) != n:
        raise RuntimeError(
            f"permute(sparse_coo): number of dimensions in the tensor input does not match the "
            f"length of the desired ordering of dimensions i.e. input.dim() = {n} is not equal to "
            f"len(dims) = {len(dims)}"
        )
    dims = tuple(d % n for d in dims) if n else ()
    out = Tensor._make(input._data.transpose(dims), False, None, input._dev)
    _track_view(out, input)
    if _state.enabled and input._requires_grad:  # needs_grad(input), spelled out: hot path
        node = PermuteBackward0(input)
        node.inverse = tuple(int(i) for i in np.argsort(dims))
        record(node, out)
    if _dual.active:  # forward-mode AD: the result's tangent (autograd/forward_ad.py)
        forward(PermuteBackward0, (input,), out, inverse=tuple(int(i) for i in np.argsort(dims)))
    return out


def movedim(input, source, destination):
    """``x.movedim(1, 0)``: dimension(s) ``source`` moved to ``destination``, the others kept
    in their order. A permute (its grad_fn is ``PermuteBackward0``)."""
    n = input._data.ndim
    src = (source,) if isinstance(source, int) else tuple(source)
    dst = (destination,) if isinstance(destination, int) else tuple(destination)
    if len(src) != len(dst):
        raise RuntimeError(
            f"movedim: Invalid source or destination dims: source ({list(src)} dims) should "
            f"contain the same number of dims as destination ({list(dst)} dims)"
        )
    for name, dims in (("source", src), ("destination", dst)):
        if len(normalize_dims(dims, n)) != len(dims):
            raise RuntimeError(f"movedim: repeated dim in `{name}` ({list(dims)})")
    src = [normalize_dims(d, n)[0] for d in src]
    dst = [normalize_dims(d, n)[0] for d in dst]
    order = [d for d in range(n) if d not in src]
    for to, frm in sorted(zip(dst, src)):
        order.insert(to, frm)
    return permute(input, *order)


moveaxis = movedim  # NumPy's name, which PyTorch also has


def numpy_T(input):
    """``x.T``: all dimensions reversed."""
    return permute(input, *reversed(range(input._data.ndim)))


def mT(input, name="mT"):
    """``x.mT``: each matrix of a batch transposed (the last two dimensions swapped)."""
    if input._data.ndim < 2:
        raise RuntimeError(f"tensor.{name} is only supported on matrices or batches of matrices. "
                           f"Got {input._data.ndim}-D tensor.")
    return transpose(input, -2, -1)


def mH(input):
    """``x.mH``: each matrix's conjugate transpose; for real numbers, ``x.mT``."""
    return mT(input, "mH")


def H(input):
    """``x.H``: the conjugate transpose of a matrix (for real numbers, the transpose)."""
    n = input._data.ndim
    if n == 0:
        warnings.warn("Tensor.H is deprecated on 0-D tensors. Consider using x.conj().",
                      UserWarning, stacklevel=3)
        return input
    if n != 2:
        raise RuntimeError(
            f"tensor.H is only supported on matrices (2-D tensors). Got {n}-D tensor.")
    return transpose(input, 0, 1)


# -- squeeze / unsqueeze / expand -----------------------------------------------------------


class SqueezeBackward0(ViewBackward0):
    """z = x.squeeze():  dx = dz.reshape(x.shape)  (the size-1 dimensions put back)."""

    __slots__ = ()


class SqueezeBackward1(ViewBackward0):
    """z = x.squeeze(dim):  dx = dz.reshape(x.shape)."""

    __slots__ = ()


def squeeze(input, dim=None, *, axis=None):
    dim = dim if axis is None else axis
    shape = input._data.shape
    if dim is None:
        new = tuple(n for n in shape if n != 1)
    else:
        dims = normalize_dims(dim, len(shape))
        new = tuple(n for i, n in enumerate(shape) if not (i in dims and n == 1))
    node_cls = SqueezeBackward0 if dim is None else SqueezeBackward1
    return record_reshape(node_cls, input, input._data.reshape(new))


class UnsqueezeBackward0(ViewBackward0):
    """z = x.unsqueeze(dim):  dx = dz.reshape(x.shape)  (the new dimension taken out)."""

    __slots__ = ()


def unsqueeze(input, dim=None, *, axis=None):
    dim = dim if axis is None else axis
    shape = input._data.shape
    n = len(shape) + 1
    if not -n <= dim < n:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})"
        )
    d = dim % n
    new = shape[:d] + (1,) + shape[d:]
    return record_reshape(UnsqueezeBackward0, input, input._data.reshape(new))


class ExpandBackward0(Node):
    """z = x.expand(s):  dx = dz summed over the broadcast dimensions (``sum_to(dz, x.shape)``)."""

    __slots__ = ("shape",)
    _saved_self_sym_sizes = property(lambda self: self.shape)

    def backward(self, grad):
        return (either.sum_to(grad, self.shape),)

    def jvp(self, dx, x, result):
        return dx.expand(result.shape)


def expand(input, *sizes):
    sizes = _sizes(sizes)
    shape = input._data.shape
    lead = len(sizes) - len(shape)
    if lead < 0:
        raise RuntimeError(
            f"expand(torch.FloatTensor{{{list(shape)}}}, size={list(sizes)}): the number of sizes "
            f"provided ({len(sizes)}) must be greater or equal to the number of dimensions in the "
            f"tensor ({len(shape)})"
        )
    target = tuple(shape[i - lead] if (n == -1 and i >= lead) else n for i, n in enumerate(sizes))
    try:
        data = xp_of(input._data).broadcast_to(input._data, target)
    except ValueError:
        raise RuntimeError(
            f"The expanded size of the tensor ({target[-1]}) must match the existing size "
            f"({shape[-1]}) at non-singleton dimension {len(target) - 1}.  Target sizes: "
            f"{list(sizes)}.  Tensor sizes: {list(shape)}"
        ) from None
    return record_reshape(ExpandBackward0, input, data)


def expand_as(input, other):
    return expand(input, other.shape)


def broadcast_to(input, shape):
    return expand(input, shape)


# -- indexing -------------------------------------------------------------------------------


def _index_key(key, dev):
    """Turn a Python indexing key into one NumPy/CuPy understands (tensors become arrays)."""
    if not isinstance(key, tuple):
        key = (key,)
    out = []
    for k in key:
        if isinstance(k, Tensor):
            if k._data.dtype.kind == "f":
                raise IndexError(
                    "tensors used as indices must be long, int, byte or bool tensors"
                )
            out.append(backend.to_device(k._data, dev))
        elif isinstance(k, list):
            out.append(backend.to_device(np.asarray(k), dev))
        else:
            out.append(k)
    return tuple(out)


def _is_basic(key):
    return builtins.all(k is None or k is Ellipsis or isinstance(k, (int, slice)) for k in key)


class IndexBackward0(Node):
    """z = x[key]:  dx = zeros(x.shape) with dz added at key  (summed where a position repeats)."""

    __slots__ = ("shape", "key", "basic")

    def backward(self, grad):
        if isinstance(grad, Tensor):
            return (index_put_zeros(grad, self.shape, self.key, self.basic),)
        z = xp_of(grad).zeros(self.shape, dtype=grad.dtype)
        if self.basic:
            z[self.key] = grad
        else:
            xp_of(grad).add.at(z, self.key, grad)
        return (z,)

    def jvp(self, dx, x, result):  # the same part of the tangent
        return dx[self.key]


class SliceBackward0(IndexBackward0):
    """z = x[a:b]:  dx = zeros(x.shape) with dz at [a:b]."""

    __slots__ = ()


class SelectBackward0(IndexBackward0):
    """z = x[i]:  dx = zeros(x.shape) with dz at [i]."""

    __slots__ = ()


def getitem(input, key):
    k = _index_key(key, input._dev)
    try:
        data = input._data[k]
    except IndexError as exc:
        raise IndexError(str(exc).replace("axis", "dimension")) from None
    basic = _is_basic(k)
    if not basic:
        node_cls = IndexBackward0
    elif builtins.any(isinstance(i, slice) for i in k):
        node_cls = SliceBackward0
    elif builtins.all(i is None or i is Ellipsis for i in k):  # x[None]: a reshape
        return record_reshape(UnsqueezeBackward0, input, data)
    else:
        node_cls = SelectBackward0
    return record_index(node_cls, input, data, k, basic)


def record_index(node_cls, input, data, key, basic):
    """``data``, ``input[key]`` (``basic``: a key of ints and slices, which gives a view), as a
    tensor, recorded if a gradient is needed: a ``node_cls`` node (an ``IndexBackward0`` kind)
    that keeps the input's shape and the key. Indexing, ``split``, ``chunk`` and ``unbind``
    record themselves here."""
    if isinstance(data, np.generic):  # x[i] of a vector: NumPy gives a scalar; a view of
        data = np.asarray(data)  # a tensor holds a 0-d array (see Tensor's docstring)
    out = Tensor._make(data, False, None, input._dev)
    if basic:  # basic indexing gives a view
        out._vc = input._vc
        out._base = input if input._base is None else input._base
    if _state.enabled and input._requires_grad:  # needs_grad(input), spelled out: hot path
        node = node_cls(input)
        node.shape, node.key, node.basic = input._data.shape, key, basic
        record(node, out)
    if _dual.active:  # forward-mode AD: the result's tangent (autograd/forward_ad.py)
        forward(node_cls, (input,), out, key=key)
    return out


class IndexPutBackward0(Node):
    """z = zeros(shape) with v added at key (indexing's backward, recorded):  dv = dz[key]."""

    __slots__ = ("key",)

    def backward(self, grad):
        return (grad[self.key],)

    def jvp(self, dv, v, result):
        return index_put_zeros(dv, result.shape, self.key, _is_basic(self.key))


def index_put_zeros(values, shape, key, basic):
    """A zero tensor of ``shape`` with ``values`` added at ``key`` (used by create_graph)."""
    v = values._data
    z = xp_of(v).zeros(shape, dtype=v.dtype)
    if basic:
        z[key] = v
    else:
        xp_of(v).add.at(z, key, v)
    out = Tensor._make(z, False, None, values._dev)
    if needs_grad(values):
        node = IndexPutBackward0(values)
        node.key = key
        record(node, out)
    if _dual.active:  # forward-mode AD: the result's tangent (autograd/forward_ad.py)
        forward(IndexPutBackward0, (values,), out, key=key)
    return out


class CopySlices(Node):
    """x[key] = v:  dx = dz with zeros at key (overwritten),  dv = dz[key] (summed to v.shape)."""

    __slots__ = ("key", "value_shape")

    def backward(self, grad):
        dx = dv = None
        if self._next[0] is not None:
            overwritten = either.zeros_like(grad, dtype=bool)  # an array: a constant of the graph
            overwritten[self.key] = True
            dx = either.where(overwritten, 0, grad)
        if self._next[1] is not None:
            dv = either.sum_to(grad[self.key], self.value_shape)
        return (dx, dv)


def setitem(input, key, value):
    """``x[key] = value``: written in place (recorded as CopySlices when it needs a gradient)."""
    k = _index_key(key, input._dev)
    vdata = value._data if isinstance(value, Tensor) else value
    if isinstance(value, Tensor) and value._dev is not input._dev:
        vdata = backend.to_device(vdata, input._dev)
    recording = needs_grad(input, value)
    input._check_inplace()
    if _dual.active:  # forward-mode AD: value's tangent is written into input's
        _setitem_tangent(input, k, value)
    if not recording:
        if not isinstance(input._data, np.ndarray) and input._dev.type == "cpu":
            input._data = np.array(input._data)
        input._data[k] = vdata
        input._vc[0] += 1
        return
    new = xp_of(input._data).array(input._data)  # a copy (an array also of a NumPy scalar)
    new[k] = vdata
    out = Tensor._make(new, False, None, input._dev)
    node = CopySlices(input, value)
    node.key = k
    node.value_shape = getattr(vdata, "shape", ())
    record(node, out)
    input._set_(out)


def _setitem_tangent(input, key, value):
    """``x[key] = v`` on tangents: ``dx[key] = dv`` (0 where ``v`` has none)."""
    from ..autograd.forward_ad import set_tangent, tangent_of
    from ..creation import zeros_like

    dv, dx = tangent_of(value), tangent_of(input)
    if dv is None and dx is None:
        return
    if dx is None:
        dx = zeros_like(input, dtype=dv.dtype)
        set_tangent(input, dx)
    _dual.active = False
    try:
        setitem(dx, key, 0 if dv is None else dv)
    finally:
        _dual.active = True


# -- joining --------------------------------------------------------------------------------


class CatBackward0(Node):
    """z = cat([x1, x2, ...], dim):  dx_i = the slice of dz along dim where x_i went."""

    __slots__ = ("dim", "sizes")
    _saved_dim = property(lambda self: self.dim)

    def backward(self, grad):
        grads, start = [], 0
        lead = (slice(None),) * self.dim
        for size in self.sizes:
            grads.append(grad[lead + (slice(start, start + size),)])
            start += size
        return tuple(grads)

    def jvp(self, *args):  # (dx1, dx2, ..., x1, x2, ..., result): the tangents joined
        return cat(args[:len(args) // 2], self.dim)


def cat(tensors, dim=0):
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("torch.cat(): expected a non-empty list of Tensors")
    ref = builtins.max(tensors, key=lambda t: t._data.ndim)
    d = normalize_dims(dim, ref._data.ndim)[0]
    result = _dtype.result_type(*tensors).np
    arrays = [t._data.astype(result, copy=False) for t in tensors]
    _one_device(tensors)
    try:
        data = xp_of(arrays[0]).concatenate(arrays, axis=d)
    except ValueError as exc:
        raise RuntimeError(f"torch.cat(): {exc}") from None
    out = Tensor._make(data, False, None, ref._dev)
    if needs_grad(*tensors):
        node = CatBackward0(*tensors)
        node.dim, node.sizes = d, [a.shape[d] for a in arrays]
        record(node, out)
    if _dual.active:  # forward-mode AD: the result's tangent (autograd/forward_ad.py)
        forward(CatBackward0, tensors, out, dim=d)
    return out


concat = concatenate = cat


class StackBackward0(Node):
    """z = stack([x1, x2, ...], dim):  dx_i = dz's i-th slice along the new dimension dim."""

    __slots__ = ("dim",)

    def backward(self, grad):
        lead = (slice(None),) * self.dim
        return tuple(grad[lead + (i,)] for i in range(grad.shape[self.dim]))

    def jvp(self, *args):  # (dx1, dx2, ..., x1, x2, ..., result): the tangents stacked
        return stack(args[:len(args) // 2], self.dim)


def _one_device(tensors):
    """cat's and stack's check: all the tensors on one device."""
    devs = {t._dev for t in tensors}
    if len(devs) > 1:
        raise RuntimeError(
            "Expected all tensors to be on the same device, but found at least two devices, "
            + " and ".join(sorted(str(x) for x in devs)) + "!"
        )


def stack(tensors, dim=0):
    tensors = list(tensors)
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    _one_device(tensors)
    shapes = {t._data.shape for t in tensors}
    if len(shapes) > 1:
        a, b = tensors[0], next(t for t in tensors if t._data.shape != tensors[0]._data.shape)
        raise RuntimeError(
            f"stack expects each tensor to be equal size, but got {list(a.shape)} at entry 0 and "
            f"{list(b.shape)} at entry {tensors.index(b)}"
        )
    n = tensors[0]._data.ndim + 1
    d = dim % n
    result = _dtype.result_type(*tensors).np
    data = xp_of(tensors[0]._data).stack([t._data.astype(result, copy=False) for t in tensors], d)
    out = Tensor._make(data, False, None, tensors[0]._dev)
    if needs_grad(*tensors):
        node = StackBackward0(*tensors)
        node.dim = d
        record(node, out)
    if _dual.active:  # forward-mode AD: the result's tangent (autograd/forward_ad.py)
        forward(StackBackward0, tensors, out, dim=d)
    return out


# -- copies and conversions -----------------------------------------------------------------


class CloneBackward0(Node):
    """z = x.clone():  dx = dz."""

    __slots__ = ()

    def backward(self, grad):
        return (grad,)

    def jvp(self, dx, x, result):
        return dx.clone()


def clone(input, *, memory_format=None):
    return record_unary(CloneBackward0, input, input._data.copy())


def contiguous(input, memory_format=None):
    """``input`` itself if its elements lie in row-major order in memory, else a copy that
    does (recorded as a clone)."""
    if is_contiguous(input):
        return input
    return record_unary(CloneBackward0, input, xp_of(input._data).ascontiguousarray(input._data))


def is_contiguous(input, memory_format=None):
    """Do the elements lie in memory in row-major order, without gaps (as a fresh tensor's)?"""
    d = input._data
    return isinstance(d, np.generic) or bool(d.flags.c_contiguous)


def stride(input, dim=None):
    """How many elements to step in memory to move one place along each dimension."""
    d = input._data
    steps = tuple(s // d.itemsize for s in d.strides) if not isinstance(d, np.generic) else ()
    return steps if dim is None else steps[normalize_dims(dim, d.ndim)[0]]


class ToCopyBackward0(Node):
    """z = x.to(dtype, device):  dx = dz.to(x.dtype, x.device)  (converted back)."""

    __slots__ = ("dtype", "dev")

    def backward(self, grad):
        if isinstance(grad, Tensor):
            return (grad.to(self.dtype, self.dev),)
        return (backend.to_device(grad, self.dev).astype(self.dtype.np, copy=False),)

    def jvp(self, dx, x, result):
        return dx.to(result.dtype, result.device)


def convert(input, dtype=None, dev=None, copy=False):
    """What ``.to(dtype, device)`` does; returns ``input`` itself when nothing changes."""
    dtype = dtype or input.dtype
    dev = dev or input._dev
    if dtype is input.dtype and dev is input._dev and not copy:
        return input
    data = backend.to_device(input._data, dev)
    data = data.astype(dtype.np, copy=copy or data is input._data)
    out = Tensor._make(data, False, None, dev)
    if dtype.is_floating_point and needs_grad(input):  # an integer result has no gradient
        node = ToCopyBackward0(input)
        node.dtype, node.dev = input.dtype, input._dev
        record(node, out)
    if _dual.active and dtype.is_floating_point:  # forward-mode AD (autograd/forward_ad.py)
        forward(ToCopyBackward0, (input,), out)
    return out
