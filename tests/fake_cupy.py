"""A strict stand-in for CuPy 13, for the test suite only: NumPy underneath, CuPy's rules on top.

``tests/conftest.py`` puts this module in ``sys.modules["cupy"]`` when no real GPU is present,
so ``autograd_lib``'s ``import cupy`` finds it and every ``cuda``-marked test runs on the CPU.
It is not part of the package: nothing under ``autograd_lib/`` can import it.

What it keeps from CuPy (13.6, ``cupy/_core/core.pyx``, ``_kernel.pyx``,
``_routines_indexing.pyx``), because code written only against NumPy breaks on exactly these:

* ``np.asarray(a)``, ``np.array(a)`` and anything else that calls ``a.__array__`` raise CuPy's
  ``TypeError: Implicit conversion to a NumPy array is not allowed. Please use `.get()` to
  construct a NumPy array explicitly.``; ``a.get()`` and ``cupy.asnumpy(a)`` are the way out.
* A NumPy array given to a CuPy function or operator raises ``TypeError: Unsupported type
  <class 'numpy.ndarray'>`` (no silent host-to-device copy); Python and NumPy scalars are fine.
  Index arrays (``a[idx]``, ``take``) and values assigned through an advanced index may be NumPy
  arrays, as in CuPy; a non-scalar NumPy value assigned to a basic slice is refused
  (``fill``'s ``ValueError``).
* Every result is a device array: reductions, ``a[0]`` and ``a.sum()`` give 0-d arrays, never
  NumPy scalars. ``float(a)``, ``int(a)``, ``complex(a)``, ``bool(a)``, ``a.item()``,
  ``a.tolist()``, ``repr(a)``, ``format(a)`` copy to the host, as CuPy does (they synchronize);
  there is no ``__index__``, so ``range(a)`` or ``xs[a]`` fail as on CuPy.
* NumPy ufuncs on device arrays go to CuPy's (``np.exp(a)`` is ``cupy.exp(a)``, through
  ``__array_ufunc__``), and NumPy functions that CuPy also has go to CuPy's (``np.sum(a)``,
  through ``__array_function__``); the others raise NumPy's ``TypeError: no implementation
  found``. The module has only the names CuPy 13 exports (``_KERNELS``, ``_FROM_NUMPY``).
* Two devices. Each array knows its device (``a.device.id``, ``a.data.device_id``); new arrays
  are made on the current device (``with cupy.cuda.Device(1):``); an operation on an array of
  another device raises CuPy's ``ValueError: The device where the array resides (1) is different
  from the current device (0). Peer access is unavailable between these devices.``;
  ``cupy.asarray`` and ``a.copy()`` copy across devices. Views (``reshape``, ``transpose``,
  basic indexing) stay on their array's device.
* No floating-point warnings (GPU kernels raise none).

What it does not model: streams, asynchrony, memory pools, kernels, CuPy's own numerical
results and dtype rules (NumPy 2 computes them, with NEP 50's promotion, as CuPy 14 does; CuPy 13
promoted NumPy scalars by value), keyword arguments CuPy lacks, and the submodules
``cupy.linalg``, ``cupy.random``, ``cupy.fft`` (so ``np.linalg.norm(a)`` fails here, while CuPy
would run its own).
"""

import builtins
import sys
import threading
import types
import warnings

import numpy as np

IS_STAND_IN = True
__version__ = "13.6.0"
DEVICE_COUNT = 2

_state = threading.local()


def _current():
    return getattr(_state, "device", 0)


# ------------------------------------------------------------------------------------------
# Names: what CuPy 13.6's ``cupy/__init__.py`` exports (and NumPy also has).
# ------------------------------------------------------------------------------------------

# ``from numpy import ...`` in cupy/__init__.py: the very NumPy objects.
_FROM_NUMPY = """bool_ byte cdouble complex128 complex64 complexfloating csingle double dtype e
euler_gamma finfo float16 float32 float64 floating generic get_printoptions half iinfo index_exp
inexact inf int16 int32 int64 int8 int_ intc integer intp issubdtype iterable longlong
mintypecode nan ndindex newaxis number pi printoptions promote_types s_ set_printoptions short
signedinteger single typename ubyte uint uint16 uint32 uint64 uint8 uintc uintp ulonglong
unsignedinteger ushort""".split()

# CuPy functions that only look at dtypes, shapes or Python values: no kernel, no device.
_HOST_INFO = """can_cast common_type iscomplexobj isfortran isrealobj isscalar may_share_memory
min_scalar_type ndim result_type shape shares_memory size""".split()

# CuPy's own functions with a NumPy namesake: each runs "on the device" here.
_KERNELS = """abs absolute add all allclose amax amin angle any append argmax argmin argpartition
argsort argwhere around array_equal array_equiv array_split atleast_1d atleast_2d atleast_3d
average bincount bitwise_and bitwise_not bitwise_or bitwise_xor broadcast_arrays broadcast_to
cbrt ceil choose clip column_stack compress concatenate conj conjugate convolve copysign copyto
corrcoef correlate cos cosh count_nonzero cov cross cumprod cumsum deg2rad degrees delete diag
diagflat diagonal diff digitize divide divmod dot dsplit dstack ediff1d einsum empty_like equal
exp exp2 expand_dims expm1 extract fabs fix flatnonzero flip fliplr flipud float_power floor
floor_divide fmax fmin fmod frexp full_like gcd gradient greater greater_equal heaviside
histogram hsplit hstack hypot i0 imag inner interp intersect1d invert isclose iscomplex isfinite
isin isinf isnan isneginf isposinf isreal kron lcm ldexp left_shift less less_equal lexsort log
log10 log1p log2 logaddexp logaddexp2 logical_and logical_not logical_or logical_xor matmul max
maximum mean median min minimum mod modf moveaxis multiply nan_to_num nanargmax nanargmin
nancumprod nancumsum nanmax nanmean nanmedian nanmin nanprod nanstd nansum nanvar negative
nextafter nonzero not_equal ones_like outer packbits pad partition percentile place positive
power prod ptp put putmask quantile rad2deg radians ravel real reciprocal remainder repeat
reshape resize right_shift rint roll rollaxis rot90 round searchsorted select setdiff1d
setxor1d sign signbit sin sinc sinh sort split sqrt square squeeze stack std subtract sum
swapaxes take take_along_axis tan tanh tensordot tile trace transpose tril triu true_divide trunc
union1d unique unpackbits unwrap vdot vsplit vstack where zeros_like""".split()

# Functions that make a new array from sizes alone (on the current device).
_MAKERS = """arange empty eye full identity indices linspace logspace ones tri zeros""".split()

# Arguments that may be host data (lists, NumPy arrays): CuPy copies them to the device.
_HOST_OK_ARGS = {"take": 1, "take_along_axis": 1}


# ------------------------------------------------------------------------------------------
# Devices.
# ------------------------------------------------------------------------------------------


class CUDARuntimeError(RuntimeError):
    pass


class Device:
    """``cupy.cuda.Device(i)``: ``with Device(1):`` makes device 1 the current one."""

    def __init__(self, device=None):
        self.id = _current() if device is None else int(device)
        self._before = []

    def _check(self):
        if not 0 <= self.id < DEVICE_COUNT:
            raise CUDARuntimeError("cudaErrorInvalidDevice: invalid device ordinal")

    def use(self):
        self._check()
        _state.device = self.id

    def __enter__(self):
        self._check()
        self._before.append(_current())
        _state.device = self.id
        return self

    def __exit__(self, *exc):
        _state.device = self._before.pop()

    def synchronize(self):
        self._check()

    def __eq__(self, other):
        return isinstance(other, Device) and other.id == self.id

    def __hash__(self):
        return hash(self.id)

    def __repr__(self):
        return f"<CUDA Device {self.id}>"


class _Memory:
    """``a.data``: where an array's memory is (``device_id``, ``device``, ``ptr``)."""

    def __init__(self, array, device_id):
        self.device_id = device_id
        self.device = Device(device_id)
        self.ptr = array.ctypes.data


def _get_device_count():
    return DEVICE_COUNT


def _get_device_properties(i):
    Device(i)._check()
    return {"name": f"CuPy stand-in device {i} (NumPy)".encode(), "totalGlobalMem": 0}


def _set_device(i):
    Device(i).use()


cuda = types.ModuleType("cupy.cuda", "The parts of cupy.cuda that autograd_lib uses.")
cuda.Device = Device
cuda.CUDARuntimeError = CUDARuntimeError
cuda.get_device_id = _current
cuda.is_available = lambda: True
cuda.runtime = types.SimpleNamespace(
    getDeviceCount=_get_device_count,
    getDevice=_current,
    setDevice=_set_device,
    deviceSynchronize=lambda: None,
    getDeviceProperties=_get_device_properties,
    CUDARuntimeError=CUDARuntimeError,
)


def is_available():
    return True


# ------------------------------------------------------------------------------------------
# Moving between the host and "the device".
# ------------------------------------------------------------------------------------------


def _check_device(a, dev):
    """CuPy's ``_check_peer_access`` on a machine without peer access."""
    if a._dev != dev:
        raise ValueError(
            f"The device where the array resides ({a._dev}) is different from the current device "
            f"({dev}). Peer access is unavailable between these devices."
        )


def _unwrap(x, dev, host_ok=False):
    """The NumPy data of a device array (on device ``dev``) inside ``x`` (lists, tuples too)."""
    if isinstance(x, ndarray):
        _check_device(x, dev)
        return x._a
    if isinstance(x, np.ndarray) and not host_ok:
        raise TypeError(f"Unsupported type {type(x)}")
    if isinstance(x, (list, tuple)) and not host_ok:
        return type(x)(_unwrap(v, dev) for v in x)
    return x


def _wrap(x, dev):
    """Device arrays for every array (or NumPy scalar) in ``x``: the result of a kernel."""
    if isinstance(x, np.ndarray):
        return ndarray._of(x, dev)
    if isinstance(x, np.generic):
        return ndarray._of(np.asarray(x), dev)
    if isinstance(x, tuple):
        return type(x)(*(_wrap(v, dev) for v in x)) if hasattr(x, "_fields") else tuple(
            _wrap(v, dev) for v in x)
    if isinstance(x, list):
        return [_wrap(v, dev) for v in x]
    return x


def _run(fn, args, kwargs, host_ok=()):
    """``fn`` on the NumPy data of ``args``, as a kernel on the current device."""
    dev = _current()
    args = [_unwrap(a, dev, i in host_ok) for i, a in enumerate(args)]
    kwargs = {k: _unwrap(v, dev) for k, v in kwargs.items()}
    with np.errstate(all="ignore"):
        return _wrap(fn(*args, **kwargs), dev)


def _kernel(name):
    fn = getattr(np, name)
    host_ok = (_HOST_OK_ARGS[name],) if name in _HOST_OK_ARGS else ()

    def kernel(*args, **kwargs):
        result = _run(fn, args, kwargs, host_ok)
        if name in ("allclose", "array_equal", "array_equiv"):  # NumPy: bool; CuPy: 0-d array
            result = _wrap(np.bool_(result), _current())
        return result

    kernel.__name__ = kernel.__qualname__ = name
    kernel.__module__ = "cupy"
    if isinstance(fn, np.ufunc):
        for method in ("reduce", "accumulate", "outer", "at"):
            setattr(kernel, method, _ufunc_method(fn, method))
    return kernel


def _ufunc_method(ufunc, method):
    def run(*args, **kwargs):
        return _run(getattr(ufunc, method), args, kwargs)

    return run


def _maker(name):
    fn = getattr(np, name)

    def make(*args, **kwargs):
        with np.errstate(all="ignore"):
            return _wrap(fn(*args, **kwargs), _current())

    make.__name__ = name
    return make


def _host_info(name):
    fn = getattr(np, name)

    def info(*args, **kwargs):
        args = [a._a if isinstance(a, ndarray) else a for a in args]
        return fn(*args, **kwargs)

    info.__name__ = name
    return info


def _from_host(obj, dtype, copy, dev):
    """``obj`` (host data, or device arrays in lists) as a NumPy array for device ``dev``."""
    if isinstance(obj, ndarray):  # on another device: CuPy copies it over
        return np.array(obj._a, dtype=dtype, copy=copy or obj._dev != dev)
    if isinstance(obj, (list, tuple)):
        obj = _unwrap(obj, dev)
    return np.array(obj, dtype=dtype, copy=True)


def array(obj, dtype=None, copy=True, order="K", subok=False, ndmin=0):
    dev = _current()
    if isinstance(obj, ndarray) and not copy and obj._dev == dev and (
            dtype is None or np.dtype(dtype) == obj.dtype) and ndmin <= obj.ndim:
        return obj
    return ndarray._of(np.array(_from_host(obj, dtype, copy, dev), ndmin=ndmin, order=order), dev)


def asarray(a, dtype=None, order=None, *, blocking=False):
    return array(a, dtype=dtype, copy=False, order=order or "K")


asanyarray = asarray


def ascontiguousarray(a, dtype=None):
    return ndarray._of(np.ascontiguousarray(asarray(a, dtype)._a), _current())


def asnumpy(a, stream=None, order="C", out=None, blocking=True):
    """``cupy.asnumpy``: a device array's copy on the host (anything else through NumPy)."""
    if isinstance(a, ndarray):
        return a.get(order=order)
    return np.asarray(a, order=order)


def get_array_module(*args):
    if builtins.any(isinstance(a, ndarray) for a in args):  # any, all ... are CuPy's here
        return sys.modules[__name__]
    return np


def copy(a, order="K"):
    return asarray(a).copy(order=order)


# ------------------------------------------------------------------------------------------
# The array.
# ------------------------------------------------------------------------------------------

_IMPLICIT = ("Implicit conversion to a NumPy array is not allowed. Please use `.get()` to "
             "construct a NumPy array explicitly.")

# ``cupy.ndarray`` methods (core.pyx) that run a kernel on the array's data.
_METHODS = """all any argmax argmin argpartition argsort choose clip compress conj conjugate
cumprod cumsum diagonal dot flatten max mean min nonzero partition prod ptp put repeat round
searchsorted sort std sum take trace var""".split()
# Methods that return a view (no kernel; the view is on its array's device).
_VIEWS = "ravel reshape squeeze swapaxes transpose view".split()


class ndarray:
    """A device array: NumPy data ``_a`` on device ``_dev``, with ``cupy.ndarray``'s rules."""

    __slots__ = ("_a", "_dev")
    __hash__ = None

    def __init__(self, shape, dtype=float, memptr=None, strides=None, order="C"):
        self._a = np.empty(shape, dtype=dtype, order=order)
        self._dev = _current()

    @classmethod
    def _of(cls, a, dev):
        self = object.__new__(cls)
        self._a, self._dev = a, dev
        return self

    # Attributes.
    shape = property(lambda self: self._a.shape)
    dtype = property(lambda self: self._a.dtype)
    ndim = property(lambda self: self._a.ndim)
    size = property(lambda self: self._a.size)
    itemsize = property(lambda self: self._a.itemsize)
    nbytes = property(lambda self: self._a.nbytes)
    strides = property(lambda self: self._a.strides)
    flags = property(lambda self: self._a.flags)
    T = property(lambda self: ndarray._of(self._a.T, self._dev))
    real = property(lambda self: ndarray._of(self._a.real, self._dev))
    imag = property(lambda self: ndarray._of(self._a.imag, self._dev))
    device = property(lambda self: Device(self._dev))
    data = property(lambda self: _Memory(self._a, self._dev))
    base = property(lambda self: None if self._a.base is None else ndarray._of(self._a.base,
                                                                                self._dev))

    # The host.
    def get(self, stream=None, order="C", out=None, blocking=True):
        """A NumPy copy on the host (the only way there)."""
        if out is not None:
            out[...] = self._a
            return out
        return np.array(self._a, order=order, copy=True)

    def set(self, arr, stream=None):
        """Copy the NumPy array ``arr`` (same shape and dtype) into this array."""
        if not isinstance(arr, np.ndarray) or arr.shape != self.shape:
            raise ValueError("Shape mismatch or not a numpy.ndarray")
        self._a[...] = arr

    def item(self):
        if self.size != 1:
            raise ValueError("can only convert an array of size 1 to a Python scalar")
        return self.get().item()

    def tolist(self):
        return self.get().tolist()

    def tobytes(self, order="C"):
        return self.get().tobytes(order)

    def __array__(self, dtype=None, copy=None):
        raise TypeError(_IMPLICIT)

    def __int__(self):
        return int(self.get())

    def __float__(self):
        return float(self.get())

    def __complex__(self):
        return complex(self.get())

    def __bool__(self):
        if self.size == 0:
            warnings.warn(
                "The truth value of an empty array is ambiguous. Returning False, but in future "
                "this will result in an error. Use `array.size > 0` to check that an array is "
                "not empty.", DeprecationWarning, stacklevel=2)
            return False
        if self.size == 1:
            return bool(self.get())
        raise ValueError("The truth value of an array with more than one element is ambiguous. "
                         "Use a.any() or a.all()")

    def __repr__(self):
        return repr(self.get())

    def __str__(self):
        return str(self.get())

    def __format__(self, spec):
        return format(self.get(), spec)

    def __reduce__(self):
        return array, (self.get(),)

    # Copies, casts, fill.
    def copy(self, order="C"):
        """A copy on the current device (from any device, as CuPy's ``copy``)."""
        return ndarray._of(np.array(self._a, order=order, copy=True), _current())

    __copy__ = copy

    def __deepcopy__(self, memo):
        with Device(self._dev):
            return self.copy()

    def astype(self, dtype, order="K", casting=None, subok=None, copy=True):
        if not copy and np.dtype(dtype) == self.dtype:
            return self
        return _run(lambda a: a.astype(dtype, order=order), (self,), {})

    def fill(self, value):
        if isinstance(value, (ndarray, np.ndarray)):
            if value.shape != ():
                kind = "cupy" if isinstance(value, ndarray) else "numpy"
                raise ValueError(f"non-scalar {kind}.ndarray cannot be used for fill")
            value = _unwrap(value, self._dev) if isinstance(value, ndarray) else value.item()
        elif not isinstance(value, (bool, int, float, complex, np.generic)):
            raise TypeError(f"Unsupported type {type(value)}")
        _check_device(self, _current())
        self._a.fill(value)

    # Containers and indexing.
    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of unsized object")
        return self.shape[0]

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d array")
        return (self[i] for i in range(self.shape[0]))

    def _index(self, key):
        """``key`` for NumPy, and whether it is advanced (arrays: a kernel) or basic (a view)."""
        parts = key if isinstance(key, tuple) else (key,)
        out, advanced = [], False
        for s in parts:
            if isinstance(s, ndarray):
                _check_device(s, self._dev)
                s, advanced = s._a, True
            elif isinstance(s, (np.ndarray, list, bool, np.bool_)):
                advanced = True  # host index arrays are copied to the device, as in CuPy
            out.append(s)
        return (tuple(out) if isinstance(key, tuple) else out[0]), advanced

    def __getitem__(self, key):
        key, advanced = self._index(key)
        if advanced:
            _check_device(self, _current())
            return ndarray._of(self._a[key], _current())
        result = self._a[key]
        if isinstance(result, np.generic):  # CuPy: a 0-d view, never a NumPy scalar
            result = self._a[key + (...,) if isinstance(key, tuple) else (key, ...)]
        return ndarray._of(result, self._dev)

    def __setitem__(self, key, value):
        key, advanced = self._index(key)
        _check_device(self, _current())
        if isinstance(value, ndarray):
            value = _unwrap(value, self._dev)
        elif not advanced and isinstance(value, (list, tuple)):  # CuPy fills a basic slice
            raise TypeError(f"Unsupported type {type(value)}")  # with a scalar only
        elif not advanced and isinstance(value, np.ndarray) and value.ndim != 0:
            raise ValueError("non-scalar numpy.ndarray cannot be used for fill")
        self._a[key] = value

    # NumPy's protocols: ufuncs and functions go to CuPy's (this module's).
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        this = sys.modules[__name__]
        if "out" in kwargs:
            out = kwargs["out"]
            if len(out) != 1:
                raise ValueError("The 'out' parameter must have exactly one array value")
            kwargs["out"] = out[0]
            inputs_and_out = inputs + out
        else:
            inputs_and_out = inputs
        func = getattr(this, ufunc.__name__, None)
        if func is None or method not in ("__call__", "outer", "at", "reduce", "accumulate"):
            return NotImplemented
        if method != "__call__":
            func = getattr(func, method)
        for x in inputs_and_out:
            if not isinstance(x, (ndarray, np.ndarray, bool, int, float, complex, np.generic)):
                return NotImplemented
        if ufunc.__name__ in ("greater", "greater_equal", "less", "less_equal", "equal",
                              "not_equal"):
            inputs = tuple(x.item() if isinstance(x, np.ndarray) and x.ndim == 0 else x
                           for x in inputs)
        return func(*inputs, **kwargs)

    def __array_function__(self, func, types, args, kwargs):
        if func.__module__ != "numpy" or func.__name__ not in _KERNELS + _HOST_INFO:
            return NotImplemented
        if not builtins.all(issubclass(t, (ndarray, np.ndarray)) for t in types):
            return NotImplemented
        return getattr(sys.modules[__name__], func.__name__)(*args, **kwargs)


def _method(name):
    def method(self, *args, **kwargs):
        _check_device(self, _current())
        return _run(lambda a, *rest, **kw: getattr(a, name)(*rest, **kw), (self, *args), kwargs,
                    host_ok=(1,) if name == "take" else ())

    method.__name__ = name
    return method


def _view(name):
    def view(self, *args, **kwargs):
        return ndarray._of(getattr(self._a, name)(*args, **kwargs), self._dev)

    view.__name__ = name
    return view


def _operator(fn, swap=False):
    def op(self, other):
        if swap:
            return _run(fn, (other, self), {})
        return _run(fn, (self, other), {})

    return op


def _in_place(fn):
    def op(self, other):
        _run(lambda a, b: fn(a, b, out=a), (self, other), {})
        return self

    return op


def _unary(fn):
    return lambda self: _run(fn, (self,), {})


for _name in _METHODS:
    setattr(ndarray, _name, _method(_name))
for _name in _VIEWS:
    setattr(ndarray, _name, _view(_name))
for _name, _fn in {"add": np.add, "sub": np.subtract, "mul": np.multiply, "matmul": np.matmul,
                   "truediv": np.true_divide, "floordiv": np.floor_divide, "mod": np.remainder,
                   "pow": np.power, "and": np.bitwise_and, "or": np.bitwise_or,
                   "xor": np.bitwise_xor, "lshift": np.left_shift, "rshift": np.right_shift,
                   "divmod": np.divmod}.items():
    setattr(ndarray, f"__{_name}__", _operator(_fn))
    setattr(ndarray, f"__r{_name}__", _operator(_fn, swap=True))
    if _name != "divmod":
        setattr(ndarray, f"__i{_name}__", _in_place(_fn))
for _name, _fn in {"lt": np.less, "le": np.less_equal, "eq": np.equal, "ne": np.not_equal,
                   "gt": np.greater, "ge": np.greater_equal}.items():
    setattr(ndarray, f"__{_name}__", _operator(_fn))
for _name, _fn in {"neg": np.negative, "pos": np.positive, "abs": np.absolute,
                   "invert": np.invert}.items():
    setattr(ndarray, f"__{_name}__", _unary(_fn))
ndarray.__module__ = "cupy"


# ------------------------------------------------------------------------------------------
# The module's names.
# ------------------------------------------------------------------------------------------

for _name in _FROM_NUMPY:
    globals()[_name] = getattr(np, _name)
for _name in _HOST_INFO:
    globals()[_name] = _host_info(_name)
for _name in _KERNELS:
    if _name not in globals():
        globals()[_name] = _kernel(_name)
for _name in _MAKERS:
    globals()[_name] = _maker(_name)
del _name, _fn
