"""Attach to ``Tensor`` the methods that build on the rest of the library.

Kept apart from ``tensor.py`` so the class reads as "what a tensor *is*" and this file as
"what you can *do* with one". ``tensor.py`` imports nothing from ``ops/``, ``autograd/`` or
``creation.py`` (they all import it); this file imports them all and adds

* the ops as methods and Python operators (``x.exp()``, ``x * y``), and their in-place forms
  (``x.add_(y)``, ``x += y``, ``x.relu_()``, ``x.uniform_()``);
* ``x.to(...)`` (the op ``convert``), ``x.new_tensor(...)`` and the legacy constructor
  ``Tensor(2, 3)``;
* autograd's methods: ``x.backward()``, ``x.register_hook(hook)`` and the leaf's
  ``AccumulateGrad`` node.
"""

import operator
import weakref

import numpy as np

from . import _dtype, autograd, backend, creation, ops
from .autograd.graph import AccumulateGrad, _RemovableHandle
from .backend import CPU, to_device
from .grad_mode import _dual, _state
from .ops.layout import repeat
from .ops.shape import H, convert, is_contiguous, mH, stride
from .tensor import Tensor, _inplace


def _r(fn):
    """The reflected form of a binary op: ``other <op> self``."""
    return lambda self, other: fn(other, self)


_METHODS = {
    # arithmetic
    "add": ops.add, "sub": ops.sub, "subtract": ops.sub, "mul": ops.mul, "multiply": ops.mul,
    "div": ops.div, "divide": ops.div, "true_divide": ops.div, "pow": ops.pow, "neg": ops.neg,
    "negative": ops.neg, "reciprocal": ops.reciprocal, "square": ops.square,
    # elementwise
    "exp": ops.exp, "log": ops.log, "sqrt": ops.sqrt, "abs": ops.abs, "absolute": ops.abs,
    "sin": ops.sin, "cos": ops.cos, "tanh": ops.tanh, "sigmoid": ops.sigmoid, "relu": ops.relu,
    "sign": ops.sign,
    "clamp": ops.clamp, "clip": ops.clip,
    "eq": ops.eq, "ne": ops.ne, "lt": ops.lt, "le": ops.le, "gt": ops.gt, "ge": ops.ge,
    "logical_and": ops.logical_and, "logical_or": ops.logical_or, "logical_not": ops.logical_not,
    "logical_xor": ops.logical_xor, "isnan": ops.isnan, "isfinite": ops.isfinite,
    "allclose": ops.allclose, "isclose": ops.isclose, "equal": ops.equal,
    # indexing
    "gather": ops.gather, "index_add": ops.index_add, "index_select": ops.index_select,
    "masked_fill": ops.masked_fill, "scatter": ops.scatter, "scatter_add": ops.scatter_add,
    "scatter_reduce": ops.scatter_reduce,
    # linear algebra
    "matmul": ops.matmul, "mm": ops.mm, "dot": ops.dot, "mv": ops.mv, "bmm": ops.bmm,
    "outer": ops.outer,
    # reductions
    "sum": ops.sum, "mean": ops.mean, "max": ops.max, "min": ops.min, "prod": ops.prod,
    "norm": ops.norm, "argmax": ops.argmax, "argmin": ops.argmin, "amax": ops.amax,
    "amin": ops.amin, "all": ops.all, "any": ops.any, "maximum": ops.maximum,
    "minimum": ops.minimum, "var": ops.var, "std": ops.std,
    # shape
    "reshape": ops.reshape, "view": ops.view, "view_as": ops.view_as,
    "reshape_as": ops.reshape_as, "flatten": ops.flatten, "ravel": ops.ravel,
    "transpose": ops.transpose, "swapaxes": ops.swapaxes, "swapdims": ops.swapdims, "t": ops.t,
    "permute": ops.permute, "movedim": ops.movedim, "moveaxis": ops.movedim,
    "squeeze": ops.squeeze, "unsqueeze": ops.unsqueeze,
    "expand": ops.expand, "expand_as": ops.expand_as, "clone": ops.clone,
    "contiguous": ops.contiguous, "softmax": ops.softmax, "log_softmax": ops.log_softmax,
    "is_contiguous": is_contiguous, "stride": stride,
    # layout, matrices, scans, sorting, rounding
    "split": ops.split, "chunk": ops.chunk, "unbind": ops.unbind, "repeat": repeat,
    "tile": ops.tile, "flip": ops.flip, "roll": ops.roll, "diag": ops.diag, "trace": ops.trace,
    "tril": ops.tril, "triu": ops.triu, "kron": ops.kron, "addmm": ops.addmm, "lerp": ops.lerp,
    "logsumexp": ops.logsumexp, "cumsum": ops.cumsum, "cumprod": ops.cumprod, "sort": ops.sort,
    "argsort": ops.argsort, "topk": ops.topk, "round": ops.round, "floor": ops.floor,
    "ceil": ops.ceil, "trunc": ops.trunc,
    # Python operators
    "__add__": ops.add, "__radd__": ops.add, "__sub__": ops.sub, "__rsub__": ops.rsub,
    "__mul__": ops.mul, "__rmul__": ops.mul, "__truediv__": ops.div,
    "__rtruediv__": _r(ops.div), "__pow__": ops.pow, "__rpow__": _r(ops.pow),
    "__matmul__": ops.matmul, "__rmatmul__": _r(ops.matmul), "__neg__": ops.neg,
    "__abs__": ops.abs, "__eq__": ops.eq, "__ne__": ops.ne, "__lt__": ops.lt, "__le__": ops.le,
    "__gt__": ops.gt, "__ge__": ops.ge, "__and__": ops.bitwise_and, "__or__": ops.bitwise_or,
    "__xor__": ops.bitwise_xor, "__invert__": ops.bitwise_not, "__rand__": ops.bitwise_and,
    "__ror__": ops.bitwise_or, "__getitem__": ops.getitem, "__setitem__": ops.setitem,
}

for _name, _fn in _METHODS.items():
    setattr(Tensor, _name, _fn)

Tensor.__pos__ = lambda self: self
Tensor.where = lambda self, condition, other: ops.where(condition, self, other)
Tensor.T = property(ops.numpy_T)
Tensor.mT = property(ops.mT)
Tensor.mH = property(mH)
Tensor.H = property(H)
Tensor.__floordiv__ = lambda self, other: ops.div(self, other, rounding_mode="floor")
Tensor.__rfloordiv__ = lambda self, other: ops.div(_as(other, self), self, rounding_mode="floor")


def _as(value, like):
    return value if isinstance(value, Tensor) else creation.tensor(value, device=like.device)


# -- in-place operations ----------------------------------------------------------------------

_IOPS = {"add": operator.iadd, "sub": operator.isub, "mul": operator.imul, "div": operator.itruediv}


def _fast_inplace(name, op):
    """``x.add_(y)``: with nothing to record, write straight into x's array (one pass);
    otherwise fall back to the recorded out-of-place op (``Tensor._set_``)."""
    recorded = _inplace(op)
    iop = _IOPS[name]

    def method(self, other, *, alpha=1):
        if _state.enabled and (self._requires_grad or getattr(other, "_requires_grad", False)) \
                or _dual.active:  # (forward-mode AD: the op gives the tangent too)
            return recorded(self, other, alpha=alpha) if name in ("add", "sub") else recorded(
                self, other)
        od = other._data if isinstance(other, Tensor) else other
        if isinstance(other, Tensor) and other._dev is not self._dev and other._data.ndim:
            raise RuntimeError(
                "Expected all tensors to be on the same device, but found at least two devices, "
                f"{self._dev} and {other._dev}!"
            )
        if alpha != 1:
            od = od * alpha
        d = self._data
        if not isinstance(d, np.ndarray) and self._dev is CPU:  # a NumPy scalar: rebind
            self._data = np.asarray(iop(d, od), dtype=d.dtype)
        else:
            try:
                iop(d, od)
            except TypeError as exc:  # e.g. a float result into an integer tensor
                raise RuntimeError(
                    f"result type can't be cast to the desired output type {self.dtype}"
                ) from exc
            except ValueError:
                raise RuntimeError(
                    f"output with shape {list(self.shape)} doesn't match the broadcast shape "
                    f"{list(np.broadcast_shapes(d.shape, np.shape(od)))}"
                ) from None
        self._vc[0] += 1
        return self

    method.__name__ = name + "_"
    return method


for _name in ("add", "sub", "mul", "div"):
    _m = _fast_inplace(_name, getattr(ops, _name))
    setattr(Tensor, _name + "_", _m)
    setattr(Tensor, f"__i{_name if _name != 'div' else 'truediv'}__", _m)

Tensor.add_.__doc__ = "In-place ``self += alpha * other``; returns self."

def _unary_inplace(op):
    """``x.relu_()`` and friends: compute out of place, then make the result x's value."""

    def method(self, *args, **kwargs):
        self._check_inplace()
        return self._set_(op(self, *args, **kwargs))

    method.__name__ = op.__name__ + "_"
    return method


for _name in ("relu", "sigmoid", "tanh", "exp", "neg", "abs", "sqrt", "log", "clamp",
              "masked_fill", "scatter", "scatter_add", "index_add", "round", "floor", "ceil",
              "trunc"):
    setattr(Tensor, _name + "_", _unary_inplace(getattr(ops, _name)))
Tensor.pow_ = _inplace(ops.pow)
Tensor.scatter_reduce_ = ops.indexing.scatter_reduce_


def _uniform_(self, a=0.0, b=1.0, *, generator=None):
    rng = creation._stream(generator, "uniform_", self._dev)
    self._write_random(rng.uniform(a, b, self._data.shape))
    return self


def _normal_(self, mean=0.0, std=1.0, *, generator=None):
    rng = creation._stream(generator, "normal_", self._dev)
    self._write_random(mean + std * rng.standard_normal(self._data.shape))
    return self


def _random_(self, low=0, high=None, *, generator=None):
    """Integers in [low, high) (``high``: one past the largest integer the dtype holds exactly
    when not given), written in place whatever the dtype."""
    if high is None:
        low, high = 0, low if low else (2 ** (np.finfo(self._data.dtype).nmant + 1) + 1
                                        if self.is_floating_point()
                                        else int(np.iinfo(self._data.dtype).max) + 1)
    rng = creation._stream(generator, "random_", self._dev)
    self._write_random(rng.integers(low, high, self._data.shape))
    return self


def _write_random(self, values):
    """Write NumPy-drawn ``values`` into this tensor (converted, moved to its device)."""
    values = values.astype(self._data.dtype)
    self._write(values if self._dev is CPU else to_device(values, self._dev))


Tensor.uniform_ = _uniform_
Tensor.normal_ = _normal_
Tensor.random_ = _random_
Tensor._write_random = _write_random
Tensor._take_tangent = autograd.forward_ad.take_tangent  # in-place ops under forward mode


# -- making tensors, converting them --------------------------------------------------------


def _legacy_constructor(cls, *args, **kwargs):
    """``Tensor(2, 3)`` (zeros of that shape) or ``Tensor([1, 2])`` (those numbers): the default
    dtype (float32 unless ``set_default_dtype`` changed it), as PyTorch's legacy constructor
    ``torch.Tensor``; ``FloatTensor(...)`` stays float32."""
    return creation.legacy_new(_dtype.default_float, args, kwargs.get("device"))


def to(self, *args, dtype=None, device=None, copy=False, non_blocking=False):
    """``to(dtype)``, ``to(device)``, ``to(other)``: a converted tensor (differentiable)."""
    for a in args:
        if isinstance(a, Tensor):
            dtype, device = a.dtype, a._dev
        elif isinstance(a, (_dtype.dtype, type)) or a in (float, int, bool):
            dtype = a
        else:
            device = a
    return convert(self, _dtype.to_dtype(dtype), backend.parse_device(device), copy)


def new_tensor(self, data, dtype=None, device=None, requires_grad=False):
    return creation.tensor(data, dtype=dtype or self.dtype, device=device or self._dev,
                           requires_grad=requires_grad)


def _new(factory):
    """``x.new_zeros(2, 3)`` and friends: ``factory`` (zeros, ones, empty) with ``x``'s dtype
    and device unless others are given."""

    def method(self, *size, dtype=None, device=None, requires_grad=False):
        return factory(*size, dtype=dtype or self.dtype, device=device or self._dev,
                       requires_grad=requires_grad)

    method.__name__ = method.__qualname__ = "new_" + factory.__name__
    return method


def new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
    return creation.full(size, fill_value, dtype=dtype or self.dtype, device=device or self._dev,
                         requires_grad=requires_grad)


Tensor.__new__ = staticmethod(_legacy_constructor)
Tensor.to = to
Tensor.new_tensor = new_tensor
Tensor.new_zeros, Tensor.new_ones, Tensor.new_empty = (
    _new(f) for f in (creation.zeros, creation.ones, creation.empty))
Tensor.new_full = new_full


# -- autograd ---------------------------------------------------------------------------------


def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
    """Compute the gradient of this tensor w.r.t. the graph leaves (see autograd.backward)."""
    autograd.backward(self, gradient, retain_graph, create_graph, inputs=inputs)


def register_hook(self, hook):
    """Call ``hook(grad)`` when this tensor's gradient is computed; it may return a new one."""
    if not self._requires_grad:
        raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
    if self._grad_fn is not None:
        return self._grad_fn.register_prehook(hook)
    if self._hooks is None:
        self._hooks = []
    self._hooks.append(hook)
    return _RemovableHandle(self._hooks, hook)


def _grad_accumulator(self):
    """The AccumulateGrad node of this leaf (kept alive by the graphs that use it)."""
    acc = self._acc() if self._acc is not None else None
    if acc is None:
        acc = AccumulateGrad(self)
        self._acc = weakref.ref(acc)
    return acc


Tensor.backward = backward
Tensor.register_hook = register_hook
Tensor._grad_accumulator = _grad_accumulator
