"""Reductions: sum, mean, max, min, prod, norm.

A reduction maps many inputs to one output, so its backward *spreads* the output gradient
back over the inputs: ``sum`` copies it to every input, ``mean`` divides it by the count, ``max``
sends it only to the position(s) of the maximum.

Every op records itself as ``autograd.Function.apply`` does (see ``record`` in
``autograd/graph.py``): the forward on arrays, the result tensor, then, if a gradient is needed,
the node, what it keeps, ``record``. ``record_reduction`` takes these steps for sum, mean, prod
and max/min over all elements; max/min along a dimension (whose node also keeps the indices) and
norm (which also keeps ``ord``) take them themselves.
"""

import warnings

import numpy as np

from ..autograd.graph import Node, needs_grad, record
from ..tensor import Tensor
from . import _common as either  # backward formulas' helpers: each takes an array or a tensor
from ._common import _dual, _state, forward, normalize_dims, xp_of


def _kept_shape(shape, dims):
    """``shape`` with the reduced ``dims`` set to 1 (what keepdim=True gives)."""
    return tuple(1 if i in dims else n for i, n in enumerate(shape))


class _Reduction(Node):
    """A reduction of an input of ``shape`` over ``dims`` (``keepdim``: kept as size 1)."""

    __slots__ = ("shape", "dims", "keepdim")

    def spread(self, grad):
        """The output gradient, reshaped to keepdim form and broadcast over the input."""
        if not self.keepdim and self.shape and grad.ndim:
            grad = grad.reshape(_kept_shape(self.shape, self.dims))
        return either.expand_to(grad, self.shape)

    def reduce(self, t):
        """``t`` (the input's shape) summed over the reduced dims: the output's shape (jvp)."""
        return t.sum(self.dims, keepdim=self.keepdim) if self.dims else t.clone()


def record_reduction(node_cls, input, data, dims, keepdim, save=False):
    """``data``, ``input`` reduced over ``dims``, as a tensor, recorded if a gradient is needed:
    a ``node_cls`` node that keeps the input's shape, ``dims`` and ``keepdim`` and, if ``save``,
    the input and the result (for max, min, prod). sum, mean, max, min and prod record
    themselves here, with the steps of ``record`` in ``autograd/graph.py``."""
    out = Tensor._make(data, False, None, input._dev)
    if _state.enabled and input._requires_grad:  # needs_grad(input), spelled out: hot path
        node = node_cls(input)
        node.shape, node.dims, node.keepdim = input._data.shape, dims, keepdim
        if save:
            node.save_for_backward(input)
            node.save_output(out)
        record(node, out)
    if _dual.active:  # forward-mode AD: the result's tangent (autograd/forward_ad.py)
        forward(node_cls, (input,), out, shape=input._data.shape, dims=dims, keepdim=keepdim)
    return out


def _args(input, dim, keepdim, axis, keepdims):
    """Accept PyTorch's (dim, keepdim) and NumPy's (axis, keepdims) spellings."""
    if axis is not None:
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    if isinstance(dim, list):
        dim = tuple(dim)
    all_dims = dim is None or dim == ()
    return normalize_dims(None if all_dims else dim, input._data.ndim), bool(keepdim), all_dims


class SumBackward0(_Reduction):
    """z = sum(x):   dz/dx_i = 1   -> the gradient copied to every element."""

    __slots__ = ()
    _saved_self_sym_sizes = property(lambda self: self.shape)

    def backward(self, grad):
        return (self.spread(grad),)

    def jvp(self, dx, x, result):  # linear: the sum of the tangent
        return self.reduce(dx)


class SumBackward1(SumBackward0):
    """z = sum(x, dim):   dz/dx_i = 1   -> each gradient copied over its group along dim."""

    __slots__ = ()


def sum(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
    dims, keepdim, all_dims = _args(input, dim, keepdim, axis, keepdims)
    x = input._data
    if dtype is not None:
        x = x.astype(dtype.np)
    elif x.dtype.kind in "biu":
        x = x.astype(np.int64)  # integer and bool sums are int64, as in PyTorch
    data = x.sum(axis=dims, keepdims=keepdim) if x.ndim else x.copy()
    node_cls = SumBackward0 if all_dims and not keepdim else SumBackward1
    return record_reduction(node_cls, input, data, dims, keepdim)


class MeanBackward0(_Reduction):
    """z = mean(x) = sum(x) / n:   dz/dx_i = 1 / n."""

    __slots__ = ()
    _saved_self_sym_sizes = property(lambda self: self.shape)

    def backward(self, grad):
        n = 1
        for d in self.dims:
            n *= self.shape[d]
        if grad.ndim == 0 and not isinstance(grad, Tensor):
            # one number spread everywhere: divide once, then fill (same bits as dividing each
            # copy; one pass over the input's shape instead of two)
            return (either.expand_to(grad / n, self.shape),)
        return (self.spread(grad) / n,)

    def jvp(self, dx, x, result):
        n = 1
        for d in self.dims:
            n *= self.shape[d]
        return self.reduce(dx) / n


class MeanBackward1(MeanBackward0):
    """z = mean(x, dim) = sum(x, dim) / n:   dz/dx_i = 1 / n  (n: the size of a group)."""

    __slots__ = ()


def mean(input, dim=None, keepdim=False, *, dtype=None, axis=None, keepdims=None):
    if input._data.dtype.kind != "f" and dtype is None:
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or "
            f"complex dtype. Got: {input.dtype.name.capitalize().replace('Int64', 'Long')}"
        )
    dims, keepdim, all_dims = _args(input, dim, keepdim, axis, keepdims)
    x = input._data if dtype is None else input._data.astype(dtype.np)
    n = 1
    for d in dims:
        n *= x.shape[d]
    # sum, then divide by the count: the order PyTorch uses on the CPU
    data = (x.sum(axis=dims, keepdims=keepdim) if x.ndim else x.copy()) / x.dtype.type(n)
    node_cls = MeanBackward0 if all_dims and not keepdim else MeanBackward1
    return record_reduction(node_cls, input, data.astype(x.dtype, copy=False), dims, keepdim)


class LogsumexpBackward0(_Reduction):
    """z = log(sum(exp(x))):   dz/dx = exp(x - z)   (the softmax of x)."""

    __slots__ = ()
    _saved_names = ("self", "result")
    _saved_dim = property(lambda self: self.dims)
    _saved_keepdim = property(lambda self: self.keepdim)

    def backward(self, grad, x, result):
        return (self.spread(grad) * either.exp(x - self.spread(result)),)

    def jvp(self, dx, x, result):  # sum(softmax(x) dx)
        return self.reduce(dx * either.exp(x - self.spread(result)))


def logsumexp(input, dim=None, keepdim=False, *, axis=None):
    """``log(sum(exp(x)))`` along ``dim``, computed without overflow (the max taken out first).

        >>> autograd_lib.tensor([1000.0, 1000.0]).logsumexp(0)
        tensor(1000.6932)
    """
    x = either.floating(input._data)
    dim = dim if axis is None else axis
    if dim is None:
        raise TypeError('logsumexp() missing 1 required positional arguments: "dim"')
    dims = normalize_dims(None if dim == () else dim, x.ndim)
    xp = xp_of(x)
    m = x.max(axis=dims, keepdims=True) if x.size else xp.zeros((1,) * x.ndim, x.dtype)
    m = xp.where(xp.isinf(m), 0, m).astype(x.dtype)  # all -inf (or an inf): nothing to take out
    with either.quiet():
        s = xp.log(xp.exp(x - m).sum(axis=dims, keepdims=True)) + m
    data = s if keepdim else s.reshape(tuple(n for i, n in enumerate(x.shape) if i not in dims))
    return record_reduction(LogsumexpBackward0, input, data, dims, bool(keepdim), save=True)


# -- var and std ------------------------------------------------------------------------------


def _correction(dim, unbiased, correction):
    """``(dim, c)``: PyTorch's spellings ``var(unbiased)``, ``var(dim, unbiased)`` and
    ``var(dim, correction=c)``; ``c`` (1 by default) is what is taken from the count."""
    if isinstance(dim, bool):  # var(False): the first argument was ``unbiased``
        dim, unbiased = None, dim
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    return dim, correction


class VarBackward0(_Reduction):
    """v = sum((x - mean)^2) / (n - c):   dv/dx = 2 (x - mean) / (n - c)."""

    __slots__ = ("denominator",)
    _saved_names = ("self",)
    _saved_dim = property(lambda self: self.dims)
    _saved_keepdim = property(lambda self: self.keepdim)

    def backward(self, grad, x):
        centered = x - x.mean(axis=self.dims, keepdims=True)
        return (self.spread(grad) * (2.0 / self.denominator) * centered,)

    def jvp(self, dx, x, result):
        centered = x - x.mean(self.dims, keepdim=True)
        return self.reduce(dx * centered) * (2.0 / self.denominator)


class StdBackward0(_Reduction):
    """s = sqrt(var(x)):   ds/dx = (x - mean) / ((n - c) s)."""

    __slots__ = ("denominator",)
    _saved_names = ("self", "result")
    _saved_dim = property(lambda self: self.dims)
    _saved_keepdim = property(lambda self: self.keepdim)

    def backward(self, grad, x, result):
        centered = x - x.mean(axis=self.dims, keepdims=True)
        return (self.spread(grad) * centered / (self.spread(result) * self.denominator),)

    def jvp(self, dx, x, result):
        centered = x - x.mean(self.dims, keepdim=True)
        return self.reduce(dx * centered) / (result * self.denominator)


def _spread_of(input, dim, unbiased, keepdim, correction, axis, which):
    """``var`` or ``std`` (``which``) of ``input`` over ``dim``, recorded with its node."""
    dim, c = _correction(axis if axis is not None else dim, unbiased, correction)
    x = input._data
    if x.dtype.kind != "f":
        raise RuntimeError("std and var only support floating point and complex dtypes")
    dims = normalize_dims(None if dim is None or dim == () else dim, x.ndim)
    n = 1
    for d in dims:
        n *= x.shape[d] if x.ndim else 1
    if n - c <= 0:
        warnings.warn(
            f"{which}(): degrees of freedom is <= 0. Correction should be strictly less than the "
            "reduction factor (input numel divided by output numel).", UserWarning, stacklevel=3)
    centered = x - x.mean(axis=dims, keepdims=True)
    with either.quiet():  # n - c <= 0 gives inf or nan, as in PyTorch (warned above)
        data = (centered * centered).sum(axis=dims, keepdims=bool(keepdim)) / x.dtype.type(n - c)
        if which == "std":
            data = xp_of(x).sqrt(data)
    out = Tensor._make(data.astype(x.dtype, copy=False), False, None, input._dev)
    if needs_grad(input):
        node = (VarBackward0 if which == "var" else StdBackward0)(input)
        node.shape, node.dims, node.keepdim, node.denominator = x.shape, dims, bool(keepdim), n - c
        node.save_for_backward(input)
        if which == "std":
            node.save_output(out)
        record(node, out)
    if _dual.active:  # forward-mode AD: the result's tangent (autograd/forward_ad.py)
        forward(VarBackward0 if which == "var" else StdBackward0, (input,), out, shape=x.shape,
                dims=dims, keepdim=bool(keepdim), denominator=n - c)
    return out


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None):
    """The variance of the elements (along ``dim``): ``sum((x - mean)^2) / (n - correction)``;
    ``correction=1`` (Bessel's, the default) is ``unbiased=True``.

        >>> autograd_lib.tensor([1.0, 2.0, 4.0]).var()
        tensor(2.3333)
    """
    return _spread_of(input, dim, unbiased, keepdim, correction, axis, "var")


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None):
    """The standard deviation, ``sqrt(var(...))`` (same arguments as ``var``)."""
    return _spread_of(input, dim, unbiased, keepdim, correction, axis, "std")


# -- all and any: truth values, never part of a graph ------------------------------------------


def _truth(input, dim, keepdim, axis, which):
    """``all`` or ``any`` (``which``) of ``input``'s elements, or along ``dim``: a bool tensor
    (uint8 for a uint8 input, as PyTorch)."""
    x = input._data
    dim = axis if axis is not None else dim
    dims = normalize_dims(None if dim is None or dim == () else dim, x.ndim)
    data = (x.all if which == "all" else x.any)(axis=dims, keepdims=bool(keepdim))
    if x.dtype == np.uint8:
        data = data.astype(np.uint8)
    return Tensor._make(data, False, None, input._dev)


def all(input, dim=None, keepdim=False, *, axis=None):
    """True if every element (along ``dim``: of each group) is nonzero.

        >>> autograd_lib.tensor([[True, False], [True, True]]).all(dim=1)
        tensor([False,  True])
    """
    return _truth(input, dim, keepdim, axis, "all")


def any(input, dim=None, keepdim=False, *, axis=None):
    """True if some element (along ``dim``: of each group) is nonzero."""
    return _truth(input, dim, keepdim, axis, "any")


# -- max and min --------------------------------------------------------------------------------

class _ReturnType(tuple):
    """A (values, indices) pair that prints as PyTorch's ``torch.return_types.max``."""

    def __new__(cls, values, indices):
        return tuple.__new__(cls, (values, indices))

    values = property(lambda self: self[0])
    indices = property(lambda self: self[1])

    def __repr__(self):
        return (f"autograd_lib.return_types.{type(self).__name__}(\nvalues={self[0]!r},\n"
                f"indices={self[1]!r})")


class max_return(_ReturnType):
    pass


class min_return(_ReturnType):
    pass


max_return.__name__, min_return.__name__ = "max", "min"  # autograd_lib.return_types.max, .min


class MaxBackward1(_Reduction):
    """z = max(x) over all elements:  dz/dx_i = 1/k at the k elements equal to z, else 0."""

    __slots__ = ()
    _saved_names = ("self", "result")

    def backward(self, grad, x, result):
        hit = x == result  # bool: no graph
        count = int(hit.sum())  # a Python int keeps float32 gradients float32
        return (either.where(hit, either.expand_to(grad / count, self.shape), 0),)

    def jvp(self, dx, x, result):  # the mean of the tangents at the maxima
        hit = x == result
        return either.where(hit, dx, 0).sum() / int(hit.sum())


class MinBackward1(MaxBackward1):
    """z = min(x) over all elements:  dz/dx_i = 1/k at the k elements equal to z, else 0."""

    __slots__ = ()


class MaxBackward0(_Reduction):
    """(z, indices) = max(x, dim):  dz/dx_i = 1 at the element each index names, else 0."""

    __slots__ = ("indices",)

    def backward(self, grad):
        d = self.dims[0]
        idx = self.indices if self.keepdim else xp_of(self.indices).expand_dims(self.indices, d)
        positions = xp_of(idx).arange(self.shape[d]).reshape(
            tuple(-1 if i == d else 1 for i in range(len(self.shape)))
        )
        return (either.where(positions == idx, self.spread(grad), 0),)

    def jvp(self, dx, x, result):  # the tangent at each index
        idx = self.indices if self.keepdim else self.indices.unsqueeze(self.dims[0])
        picked = dx.gather(self.dims[0], idx)
        return picked if self.keepdim else picked.squeeze(self.dims[0])


class MinBackward0(MaxBackward0):
    """(z, indices) = min(x, dim):  dz/dx_i = 1 at the element each index names, else 0."""

    __slots__ = ()


def _extreme(input, dim, keepdim, which):
    x = input._data
    xp = xp_of(x)
    if dim is None:
        if x.size == 0:
            raise RuntimeError(
                f"{which}(): Expected reduction dim to be specified for input.numel() == 0. "
                "Specify the reduction dim with the 'dim' argument."
            )
        data = x.max() if which == "max" else x.min()
        node_cls = MaxBackward1 if which == "max" else MinBackward1
        return record_reduction(node_cls, input, data, tuple(range(x.ndim)), False, save=True)
    (d,) = normalize_dims(dim, x.ndim)
    if x.ndim == 0:  # the value itself, not recorded (as PyTorch does)
        return (max_return if which == "max" else min_return)(
            Tensor._make(x.copy(), False, None, input._dev),
            Tensor._make(xp.zeros((), dtype=np.int64), False, None, input._dev))
    idx = (x.argmax if which == "max" else x.argmin)(axis=d, keepdims=True)
    values = xp.take_along_axis(x, idx, axis=d)
    if not keepdim:
        values, idx = values.squeeze(d), idx.squeeze(d)
    out = Tensor._make(values, False, None, input._dev)
    if needs_grad(input):
        node = MaxBackward0(input) if which == "max" else MinBackward0(input)
        node.shape, node.dims, node.keepdim, node.indices = x.shape, (d,), keepdim, idx
        record(node, out)
    if _dual.active:  # forward-mode AD: the result's tangent (autograd/forward_ad.py)
        forward(MaxBackward0, (input,), out, dims=(d,), keepdim=keepdim,
                indices=Tensor._make(idx.astype(np.int64), False, None, input._dev))
    ret = max_return if which == "max" else min_return
    return ret(out, Tensor._make(idx.astype(np.int64), False, None, input._dev))


def max(input, dim=None, keepdim=False, *, axis=None):
    """Largest element; with ``dim``, the (values, indices) of the largest along ``dim``."""
    dim = dim if axis is None else axis
    if isinstance(dim, Tensor):
        from .elementwise import where as twhere

        return twhere(input >= dim, input, dim)  # torch.max(a, b): elementwise maximum
    return _extreme(input, dim, keepdim, "max")


def min(input, dim=None, keepdim=False, *, axis=None):
    """Smallest element; with ``dim``, the (values, indices) of the smallest along ``dim``."""
    dim = dim if axis is None else axis
    if isinstance(dim, Tensor):
        from .elementwise import where as twhere

        return twhere(input <= dim, input, dim)
    return _extreme(input, dim, keepdim, "min")


def maximum(input, other):
    return max(input, other)


def minimum(input, other):
    return min(input, other)


class AmaxBackward0(_Reduction):
    """z = amax(x, dims):  dz/dx_i = 1/k at the k elements of x_i's group equal to its
    maximum, else 0 (ties share the gradient, unlike max(x, dim)'s one index)."""

    __slots__ = ()
    _saved_names = ("self", "result")

    def backward(self, grad, x, result):
        hit = x == self.spread(result)  # bool: no graph
        count = either.cast(hit.sum(axis=self.dims, keepdims=True), either.data_of(x).dtype)
        return (either.where(hit, self.spread(grad) / count, 0),)

    def jvp(self, dx, x, result):  # the mean of the tangents at the maxima of each group
        hit = x == self.spread(result)
        return self.reduce(either.where(hit, dx, 0)) / self.reduce(hit.to(dx.dtype))


class AminBackward0(AmaxBackward0):
    """z = amin(x, dims):  dz/dx_i = 1/k at the k elements equal to its group's minimum."""

    __slots__ = ()


def _extremes(input, dim, keepdim, axis, which):
    """``amax`` or ``amin`` (``which``) over ``dim`` (all dimensions for ``()``)."""
    dim = dim if axis is None else axis
    x = input._data
    dims = normalize_dims(None if dim == () or dim is None else dim, x.ndim)
    if x.size == 0:
        raise RuntimeError(
            f"{which}(): Expected reduction dim to be specified for input.numel() == 0. "
            "Specify the reduction dim with the 'dim' argument.")
    data = (x.max if which == "amax" else x.min)(axis=dims, keepdims=bool(keepdim))
    node_cls = AmaxBackward0 if which == "amax" else AminBackward0
    return record_reduction(node_cls, input, data, dims, bool(keepdim), save=True)


def amax(input, dim=(), keepdim=False, *, axis=None):
    """The largest element over ``dim`` (all of them by default); ties share the gradient."""
    return _extremes(input, dim, keepdim, axis, "amax")


def amin(input, dim=(), keepdim=False, *, axis=None):
    """The smallest element over ``dim`` (all of them by default); ties share the gradient."""
    return _extremes(input, dim, keepdim, axis, "amin")


def _position(input, dim, keepdim, which):
    """The index of the largest (``which="max"``) or smallest element, or, with ``dim``, of each
    along ``dim``: indices, never part of a graph."""
    x = input._data
    find = x.argmax if which == "max" else x.argmin
    if dim is None:
        data = np.int64(find()) if input._dev.type == "cpu" else find()
    else:
        (d,) = normalize_dims(dim, x.ndim)
        data = find(axis=d, keepdims=keepdim).astype(np.int64)
    return Tensor._make(data, False, None, input._dev)


def argmax(input, dim=None, keepdim=False, *, axis=None):
    return _position(input, dim if axis is None else axis, keepdim, "max")


def argmin(input, dim=None, keepdim=False, *, axis=None):
    return _position(input, dim if axis is None else axis, keepdim, "min")


# -- prod and norm ----------------------------------------------------------------------------


class ProdBackward0(_Reduction):
    """z = prod(x):   dz/dx_i = product of all the other elements (= z / x_i without zeros)."""

    __slots__ = ()
    _saved_names = ("self", "result")

    def backward(self, grad, x, result):
        g = self.spread(grad)
        if not (x == 0).sum():  # no zeros
            return (g * (self.spread(result) / x),)
        if isinstance(x, Tensor):  # _product_of_others works on arrays only
            raise NotImplementedError(
                "create_graph through prod() of a tensor containing zeros is not supported"
            )
        return (g * _product_of_others(x, self.dims),)

    def jvp(self, dx, x, result):  # sum of dx_i times the product of the others
        if (x == 0).any():  # (on arrays: this tangent is not differentiable again)
            others = _product_of_others(x._data, self.dims)
        else:
            others = self.spread(result) / x
        return self.reduce(dx * others)


class ProdBackward1(ProdBackward0):
    """z = prod(x, dim):   dz/dx_i = product of the other elements of x_i's group along dim."""

    __slots__ = ()


def _product_of_others(x, dims):
    """For each element, the product of the other elements in its reduction group."""
    xp = xp_of(x)
    if len(dims) != 1:  # whole tensor: treat it as one flat dimension
        flat = _product_of_others(x.reshape(-1), (0,))
        return flat.reshape(x.shape)
    d = dims[0]
    ones = xp.ones_like(xp.take(x, [0], axis=d))
    left = xp.cumprod(xp.concatenate([ones, xp.take(x, range(x.shape[d] - 1), axis=d)], d), d)
    rev = xp.flip(x, d)
    right = xp.cumprod(xp.concatenate([ones, xp.take(rev, range(x.shape[d] - 1), axis=d)], d), d)
    return left * xp.flip(right, d)


def prod(input, dim=None, keepdim=False, *, dtype=None, axis=None):
    dim = dim if axis is None else axis
    x = input._data if dtype is None else input._data.astype(dtype.np)
    if x.dtype.kind in "biu" and dtype is None:
        x = x.astype(np.int64)
    if dim is None:
        dims, keepdim, data = tuple(range(x.ndim)), False, x.prod()
    else:
        dims = normalize_dims(dim, x.ndim)
        data = x.prod(axis=dims, keepdims=keepdim)
    node_cls = ProdBackward0 if dim is None else ProdBackward1
    return record_reduction(node_cls, input, data, dims, keepdim, save=True)


class LinalgVectorNormBackward0(_Reduction):
    """z = ||x||_p:  dz/dx = x / z (p=2, 0 where z = 0);  sign(x) (p=1);  sign(x) / k at the
    k largest |x| (p=inf);  x |x|^(p-2) / z^(p-1) (other p, divided by 1 where z = 0)."""

    __slots__ = ("ord", "dtype")  # dtype: x's NumPy dtype
    _saved_names = ("self", "result")
    _saved_ord = property(lambda self: self.ord)

    def backward(self, grad, x, result):
        p = self.ord
        g = self.spread(grad)
        r = self.spread(result)
        if p == 2:
            return (g * either.where(r == 0, 0, x / r),)
        if p == 1:
            return (g * either.sign(x),)
        if p == float("inf"):
            hit = abs(x) == r  # bool: no graph
            count = either.cast(hit.sum(axis=self.dims, keepdims=True), self.dtype)
            count = either.expand_to(count, self.shape)
            return (either.where(hit, g * either.sign(x) / count, 0),)
        return (g * x * abs(x) ** (p - 2) / either.where(r == 0, 1, r ** (p - 1)),)

    def jvp(self, dx, x, result):  # the gradient formula, summed against the tangent
        ones = either.as_tensor(either.zeros_like(result) + 1, result)  # on result's device
        return self.reduce(dx * self.backward(ones, x, result)[0])


def norm(input, p="fro", dim=None, keepdim=False, dtype=None):
    """Vector p-norm (2 by default) of all elements, or along ``dim``."""
    if p in ("fro", None):
        p = 2
    x = input._data
    if x.dtype.kind != "f":
        raise RuntimeError(
            "linalg.vector_norm: Expected a floating point or complex tensor as input. Got Long"
        )
    dims = normalize_dims(dim, x.ndim)
    xp = xp_of(x)
    ax = xp.abs(x)
    if p == 2:
        data = xp.sqrt((x * x).sum(axis=dims, keepdims=keepdim))
    elif p == 1:
        data = ax.sum(axis=dims, keepdims=keepdim)
    elif p == float("inf"):
        data = ax.max(axis=dims, keepdims=keepdim)
    else:
        data = (ax ** p).sum(axis=dims, keepdims=keepdim) ** (1.0 / p)
    out = Tensor._make(data.astype(x.dtype, copy=False), False, None, input._dev)
    if needs_grad(input):
        node = LinalgVectorNormBackward0(input)
        node.shape, node.dims, node.keepdim, node.ord = x.shape, dims, keepdim, p
        node.dtype = x.dtype
        node.save_for_backward(input)
        node.save_output(out)
        record(node, out)
    if _dual.active:  # forward-mode AD: the result's tangent (autograd/forward_ad.py)
        forward(LinalgVectorNormBackward0, (input,), out, shape=x.shape, dims=dims,
                keepdim=keepdim, ord=p, dtype=x.dtype)
    return out

