"""The Tensor: an array, plus what autograd needs to know about it.

A tensor holds

* ``_data``: a NumPy array (CPU) or CuPy array (GPU) with the numbers;
* ``requires_grad``: whether gradients should flow to it;
* ``grad_fn``: the node of the operation that produced it (``None`` for a leaf);
* ``grad``: for leaves, the accumulated gradient after ``backward()``;
* ``_vc``: a version counter (a one-element list) bumped by every in-place change, shared
  with its views, so that backward can detect a value that changed after it was saved
  (``_version`` reads it, as in PyTorch).

**0-d tensors, one rule.** On the CPU a 0-d tensor that owns its number holds a NumPy scalar
(``np.float32(2.0)``), which is what NumPy's own arithmetic returns for 0-d values and is 5-10x
cheaper to compute with than a 0-d array; a 0-d tensor that shares memory (a view made by
indexing, ``from_numpy``) and every tensor on the GPU hold an array. Code that reads ``_data``
works with both (``.shape``, ``.dtype``, arithmetic); code that writes in place goes through
``_write``, which replaces a scalar instead of writing into it.

The operations themselves live in ``autograd_lib/ops``; ``_methods.py`` attaches them as
methods and operators, so ``x * y``, ``x.mul(y)`` and ``autograd_lib.mul(x, y)`` are one
function. It also adds the methods that need the rest of the library (``backward``,
``register_hook``, ``to``, ``new_tensor`` and the legacy constructor ``Tensor(2, 3)``): this
module imports nothing from ``autograd/``, ``ops/`` or ``creation.py``, which all build on it.
"""

import warnings
import weakref

import numpy as np

from . import _dtype, _formatting, grad_mode
from .backend import CPU, device, device_of, to_device

_warned = {"float": False}  # warnings PyTorch gives once per process: given yet?


class Size(tuple):
    """A tensor's shape: a tuple that prints as ``autograd_lib.Size([2, 3])``."""

    def __repr__(self):
        return f"autograd_lib.Size({list(self)})"

    __str__ = __repr__

    def numel(self):
        n = 1
        for s in self:
            n *= s
        return n

    def __getitem__(self, i):
        r = tuple.__getitem__(self, i)
        return Size(r) if isinstance(i, slice) else r


class Tensor:
    """A multi-dimensional array that can record the operations applied to it."""

    # Attributes every tensor sets live in slots (fast to create and read). Those only leaves
    # or a few tensors set (grad, hooks, retain_grad, user attributes) have class-level
    # defaults and go in the instance dict when first set: making a tensor stores 5 values.
    # (Measured: 0.35 us -> 0.2 us per tensor, about a tenth of a small op's cost.)
    __slots__ = ("_data", "_requires_grad", "_grad_fn", "_vc", "_dev", "__dict__",
                 "__weakref__")
    _grad = None
    _acc = None  # weak reference to this leaf's AccumulateGrad node
    _hooks = None
    _retains_grad = False
    _base = None  # for a view: the tensor whose numbers it shares
    _fw_grad = None  # forward-mode AD: (dual level serial, tangent); see autograd/forward_ad.py
    __array_priority__ = 1000  # ndarray * tensor -> Tensor.__rmul__, not an object array

    @classmethod
    def _make(cls, data, requires_grad=False, grad_fn=None, dev=CPU):
        """Wrap an array without copying it (the constructor every op uses)."""
        t = object.__new__(cls)
        t._data = data
        t._requires_grad = requires_grad
        t._grad_fn = grad_fn
        t._vc = [0]
        t._dev = dev
        return t

    # -- autograd attributes ---------------------------------------------------------------
    @property
    def requires_grad(self):
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value):
        if self._grad_fn is not None:
            if not value:
                raise RuntimeError(
                    "you can only change requires_grad flags of leaf variables. If you want to "
                    "use a computed variable in a subgraph that doesn't require differentiation "
                    "use var_no_grad = var.detach()."
                )
            return
        if value and not self.dtype.is_floating_point:
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        self._requires_grad = bool(value)

    def requires_grad_(self, requires_grad=True):
        self.requires_grad = requires_grad
        return self

    @property
    def grad_fn(self):
        """The node of the op that made this tensor (``None`` for a leaf). For one of several
        outputs of an ``autograd.Function``, the Function's node (its own edge stays hidden)."""
        fn = self._grad_fn
        return fn if fn is None else fn._edge()[0]

    @property
    def is_leaf(self):
        return self._grad_fn is None

    @property
    def grad(self):
        if self._grad_fn is not None and not self._retains_grad:
            warnings.warn(
                "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. "
                "Its .grad attribute won't be populated during autograd.backward(). If you "
                "indeed want the .grad field to be populated for a non-leaf Tensor, use "
                ".retain_grad() on the non-leaf Tensor. If you access the non-leaf Tensor by "
                "mistake, make sure you access the leaf Tensor instead. See "
                "github.com/pytorch/pytorch/pull/30531 for more information.",
                UserWarning,
                stacklevel=2,
            )
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(
                    f"assigned grad expected to be a Tensor or None but got grad of type "
                    f"{type(value).__name__}"
                )
            if value.dtype is not self.dtype:
                raise RuntimeError("assigned grad has data of a different type")
            if value._dev is not self._dev:
                raise RuntimeError("assigned grad has data located on a different device")
            if value.shape != self.shape:
                raise RuntimeError("assigned grad has data of a different size")
        self._grad = value

    @grad.deleter
    def grad(self):
        self._grad = None

    @property
    def _version(self):
        """How many times this tensor's numbers were changed in place (PyTorch's ``_version``)."""
        return self._vc[0]

    def data_ptr(self):
        """The address of the first element (two tensors sharing memory share it)."""
        d = self._data
        if isinstance(d, np.generic):
            return id(self)
        return d.__array_interface__["data"][0] if self._dev is CPU else d.data.ptr

    def is_inference(self):
        return False

    def retain_grad(self):
        """Keep ``.grad`` for this non-leaf tensor after backward."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self._grad_fn is None or self._retains_grad:
            return
        self._retains_grad = True
        ref = weakref.ref(self)

        def keep(grad):
            t = ref()
            if t is not None:
                g = grad.detach()
                t._grad = g.clone() if t._grad is None else t._grad + g
            return None

        keep.retains_grad = True  # register_prehook keeps it after hooks registered later
        self._grad_fn.register_prehook(keep)

    @property
    def retains_grad(self):
        return self._retains_grad

    # -- metadata ----------------------------------------------------------------------------
    @property
    def data(self):
        """The same numbers, detached from the graph (changes to it are not tracked)."""
        return Tensor._make(self._data, False, None, self._dev)

    @data.setter
    def data(self, value):
        self._data = value._data
        self._dev = value._dev

    @property
    def shape(self):
        return Size(self._data.shape)

    def size(self, dim=None):
        if dim is None:
            return Size(self._data.shape)
        return self._data.shape[_wrap_dim(dim, self._data.ndim)]

    @property
    def dtype(self):
        return _dtype.from_numpy_dtype(self._data.dtype)

    @property
    def device(self):
        return self._dev

    @property
    def is_cuda(self):
        return self._dev.type == "cuda"

    @property
    def ndim(self):
        return self._data.ndim

    def dim(self):
        return self._data.ndim

    def numel(self):
        return int(self._data.size)

    nelement = numel

    def element_size(self):
        return self._data.dtype.itemsize

    def is_floating_point(self):
        return self._data.dtype.kind == "f"

    def type(self, dtype=None):
        """With no argument, the legacy type name (``"autograd_lib.FloatTensor"``); else this
        tensor as ``dtype``: a dtype, a legacy type (``autograd_lib.LongTensor``) or its name
        (``"torch.cuda.LongTensor"``: also moved to the GPU)."""
        if dtype is None:
            return _dtype.legacy_type_name(self._data.dtype, self._dev.type == "cuda")
        if isinstance(dtype, str):
            name = dtype.rsplit(".", 1)[-1]
            found = [d for d in _dtype.ALL if d.legacy_name == name]
            if not found:
                raise ValueError(f"invalid type: '{dtype}'")
            return self.to(found[0], device="cuda" if ".cuda." in dtype else "cpu")
        return self.to(getattr(dtype, "dtype", dtype))  # a legacy type: its dtype

    def __len__(self):
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __hash__(self):  # ``==`` is elementwise (``_methods.py``), so hash by identity
        return id(self)

    # -- conversions -------------------------------------------------------------------------
    def item(self):
        if self._data.size != 1:
            raise RuntimeError(
                f"a Tensor with {self._data.size} elements cannot be converted to Scalar"
            )
        return self._data.item() if self._dev is CPU else self._data.get().item()

    def tolist(self):
        return self._host().tolist()

    def _host(self):
        """The data as a NumPy array on the CPU."""
        return np.asarray(self._data) if self._dev is CPU else self._data.get()

    def numpy(self, force=False):
        if self._dev is not CPU and not force:  # checked first, as in PyTorch
            raise TypeError(
                f"can't convert {self._dev} device type tensor to numpy. Use Tensor.cpu() to "
                "copy the tensor to host memory first."
            )
        if self._requires_grad and not force and grad_mode._state.enabled:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() "
                "instead."
            )
        if self._dev is not CPU:
            return self._data.get()
        if not isinstance(self._data, np.ndarray):
            self._data = np.asarray(self._data)
        return self._data

    def __array__(self, dtype=None, copy=None):
        a = self._host() if self._dev is CPU else self.numpy()  # CUDA: numpy()'s error, as PyTorch
        return a if dtype is None else a.astype(dtype)

    def _scalar_check(self, what):
        if self._data.size != 1:
            raise RuntimeError(
                "Boolean value of Tensor with more than one value is ambiguous"
                if what == "bool"
                else "only one element tensors can be converted to Python scalars"
            )
        return self.item()

    def __bool__(self):
        return bool(self._scalar_check("bool"))

    def __float__(self):
        if self._requires_grad and grad_mode._state.enabled and not _warned["float"]:
            _warned["float"] = True  # once per process, as PyTorch's TORCH_WARN_ONCE
            warnings.warn(
                "Converting a tensor with requires_grad=True to a scalar may lead to unexpected "
                "behavior.\nConsider using tensor.detach() first.", UserWarning, stacklevel=2)
        return float(self._scalar_check("float"))

    def __int__(self):
        return int(self._scalar_check("int"))

    def __index__(self):
        if self.dtype.is_floating_point or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __format__(self, spec):
        if self._data.ndim == 0:
            return self.item().__format__(spec)
        return object.__format__(self, spec)

    def __repr__(self):
        return _formatting.tensor_repr(self)

    def __reduce_ex__(self, protocol):
        return (_rebuild, (self._host(), self._requires_grad, str(self._dev)))

    def __deepcopy__(self, memo):
        if self._grad_fn is not None:
            raise RuntimeError(
                "Only Tensors created explicitly by the user (graph leaves) support the "
                "deepcopy protocol at the moment."
            )
        new = type(self)._make(self._data.copy(), self._requires_grad, None, self._dev)
        if self._grad is not None:
            new._grad = self._grad.__deepcopy__(memo)
        memo[id(self)] = new
        return new

    def detach(self):
        """The same data, cut from the graph (shares memory and version counter)."""
        t = Tensor._make(self._data, False, None, self._dev)
        t._vc = self._vc
        return t

    def detach_(self):
        if self._grad_fn is not None:
            self._grad_fn = None
        self._requires_grad = False
        return self

    # ``to(dtype)``, ``to(device)``, ``to(other)`` is in ``_methods.py`` (it is the op ``convert``).
    def cpu(self):
        return self.to(device=CPU)

    def cuda(self, device=None):
        return self.to(device="cuda" if device is None else device)

    # ``double()``, ``float()``, ``half()``, ``long()``, ``int()``, ``bool()``: see _CASTS below

    # -- in-place changes ------------------------------------------------------------------
    def _check_inplace(self):
        if not grad_mode._state.enabled:
            return
        if self._requires_grad and self._grad_fn is None:
            raise RuntimeError(
                "a leaf Variable that requires grad is being used in an in-place operation."
            )
        base = self._base
        if base is not None and base._requires_grad and base._grad_fn is None:
            raise RuntimeError(
                "a view of a leaf Variable that requires grad is being used in an in-place "
                "operation."
            )

    def _set_(self, result):
        """Make ``result`` (a tensor computed out of place) the new value of ``self``.

        Without a graph to record, the numbers are written into the existing array, so views
        of this tensor see the change. When the operation is recorded, ``self`` takes over the
        result's array and ``grad_fn``: from now on it *is* the output of that operation.
        """
        if result._grad_fn is None:
            self._write(result._data)
        elif self._base is not None:
            # PyTorch rewrites the base's graph here (CopySlices); autograd_lib keeps graphs
            # simple and says so instead of computing a wrong gradient.
            raise RuntimeError(
                "autograd_lib does not record in-place operations on a view (a reshape, slice, "
                "transpose, ... of another tensor) when a gradient is needed: its base would "
                "not see the change. Use an out-of-place operation instead (y = y * 2), or "
                "change the base tensor itself."
            )
        else:
            self._vc[0] += 1
            self._data = result._data
            self._grad_fn = result._grad_fn
            self._requires_grad = True
            node = result._grad_fn
            if node._out is not None:  # the op saved its output: that output is now ``self``
                node._out = (self._data, self._vc, self._vc[0])
        if result._fw_grad is not None:  # forward-mode AD: self takes the result's tangent
            self._take_tangent(result)  # (autograd/forward_ad.py::take_tangent)
        return self

    def _write(self, values):
        """Overwrite the numbers in place (views see it) and bump the version counter.

        A 0-d tensor may hold an immutable NumPy scalar (ops on scalars are 5-10x cheaper
        than on 0-d arrays); that one is replaced instead.
        """
        d = self._data
        if isinstance(d, np.generic):
            self._data = d.dtype.type(values)
        else:
            d[...] = values
        self._vc[0] += 1

    def zero_(self):
        self._check_inplace()
        self._write(0)
        if self._fw_grad is not None:  # forward-mode AD: a zero tangent
            self._take_tangent(None)  # (autograd/forward_ad.py::take_tangent)
        return self

    def fill_(self, value):
        self._check_inplace()
        self._write(value.item() if isinstance(value, Tensor) else value)
        if self._fw_grad is not None or getattr(value, "_fw_grad", None) is not None:
            self._take_tangent(value)  # forward-mode AD: value's tangent, or zeros
        return self

    def copy_(self, src):
        self._check_inplace()
        src_data = to_device(src._data, self._dev) if isinstance(src, Tensor) else src
        self._write(src_data)
        if self._fw_grad is not None or getattr(src, "_fw_grad", None) is not None:
            self._take_tangent(src)  # forward-mode AD: src's tangent, or zeros
        return self


_CASTS = {"double": "float64", "float": "float32", "half": "float16", "long": "int64",
          "int": "int32", "bool": "bool"}


def cast_method(name, dtype):
    """A method ``name(self)`` returning ``self.to(dtype)`` (``x.double()``, ``model.half()``)."""

    def cast(self):
        return self.to(dtype)

    cast.__name__ = cast.__qualname__ = name
    cast.__doc__ = f"``self.to(autograd_lib.{dtype.name})``."
    return cast


for _name, _dtype_name in _CASTS.items():
    setattr(Tensor, _name, cast_method(_name, getattr(_dtype, _dtype_name)))


def _inplace(op):
    """Build ``add_``-style methods from an out-of-place op (``x.add_(y)`` is ``x = x + y``)."""

    def method(self, other, *args, **kwargs):
        self._check_inplace()
        result = op(self, other, *args, **kwargs)
        if result.dtype is not self.dtype:
            if self.dtype.is_floating_point or not result.dtype.is_floating_point:
                result = result.to(self.dtype)
            else:
                raise RuntimeError(
                    f"result type {result.dtype.scalar_type} can't be cast to the desired output "
                    f"type {self.dtype.scalar_type}"
                )
        if result.shape != self.shape:
            raise RuntimeError(
                f"output with shape {list(self.shape)} doesn't match the broadcast shape "
                f"{list(result.shape)}"
            )
        return self._set_(result)

    method.__name__ = op.__name__ + "_"
    method.__doc__ = f"In-place ``{op.__name__}``: changes this tensor, returns it."
    return method


def _rebuild(array, requires_grad, dev):
    """Unpickle (or ``copy.copy``) a tensor: a new leaf with its own copy of ``array``."""
    dev = device(dev)
    data = array.copy() if dev is CPU else to_device(array, dev)
    return Tensor._make(data, bool(requires_grad), None, dev)


def _wrap_dim(dim, ndim):
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {dim})"
        )
    return dim + n if dim < 0 else dim


def is_tensor(x):
    return isinstance(x, Tensor)


def typename(obj):
    """The type name PyTorch's messages use (``torch.typename``).

    ``"autograd_lib.FloatTensor"`` for a tensor, ``"int"`` for ``3``, ``"collections.OrderedDict"``
    for an ``OrderedDict`` (or the class itself).
    """
    if isinstance(obj, Tensor):
        return obj.type()
    module = getattr(obj, "__module__", "") or ""
    if hasattr(obj, "__qualname__"):
        qualname = obj.__qualname__
    elif hasattr(obj, "__name__"):
        qualname = obj.__name__
    else:
        module = type(obj).__module__ or ""
        qualname = type(obj).__qualname__
    if module in ("", "builtins"):
        return qualname
    return f"{module}.{qualname}"


__all__ = ["Tensor", "Size", "is_tensor", "typename", "device_of"]
