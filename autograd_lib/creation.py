"""Making tensors: ``tensor``, ``zeros``, ``ones``, ``arange``, ``randn`` ...

Defaults follow PyTorch: Python floats become float32 (not NumPy's float64), Python ints
int64, and a NumPy array keeps its dtype.
"""

import builtins

import numpy as np

from . import _dtype, backend
from .backend import CPU
from .tensor import Tensor

# A fixed seed at start-up: a fresh process draws the same numbers every time, so a lesson
# prints the same output on every run. (PyTorch 2.13 seeds each process differently; call
# ``manual_seed`` for numbers that repeat in both.)
_DEFAULT_SEED = 67280421310721
_rng = np.random.default_rng(_DEFAULT_SEED)


def manual_seed(seed):
    """Seed the random number generator (``rand``, ``randn``, ``normal``, ``nn.Linear``'s init).

    The numbers differ from PyTorch's (a different generator), but the same seed always gives
    the same numbers here, on CPU and GPU alike.
    """
    global _rng
    _rng = np.random.default_rng(int(seed))
    return _rng


def seed():
    return manual_seed(np.random.SeedSequence().entropy % (2**63))


def _finish(array, dtype, device, requires_grad):
    """Cast, move to the device, wrap, and check ``requires_grad``."""
    if dtype is not None:
        dtype = _dtype.to_dtype(dtype)
        if array.dtype != dtype.np:
            array = array.astype(dtype.np)
    dev = backend.parse_device(device, default=CPU)
    if dev is not CPU:
        array = backend.to_device(array, dev)
    if requires_grad and array.dtype.kind != "f":
        raise RuntimeError(
            "Only Tensors of floating point and complex dtype can require gradients"
        )
    if dev is CPU and array.ndim == 0:
        array = array[()]  # a 0-d tensor owns its number: a NumPy scalar (tensor.py, "0-d")
    return Tensor._make(array, bool(requires_grad), None, dev)


def _infer(data):
    """A NumPy array from Python data, with PyTorch's default dtypes."""
    if isinstance(data, Tensor):
        return data._host().copy()
    if isinstance(data, np.ndarray):
        _dtype.from_numpy_dtype(data.dtype)  # raises for unsupported dtypes
        return data.copy()
    if isinstance(data, np.generic):
        return np.array(data)
    if isinstance(data, (list, tuple)):
        data = _unwrap(data)
    array = np.array(data)
    kind = array.dtype.kind
    if kind == "f":
        return array.astype(np.float32)
    if kind in "iu":
        return array.astype(np.int64)
    if kind == "b":
        return array
    if array.dtype == object or kind in "US":
        raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
    return array


def _unwrap(data):
    """Replace tensors nested in lists by their values (``tensor([t1, t2])``)."""
    out = []
    for x in data:
        if isinstance(x, Tensor):
            out.append(x._host() if x.ndim else x.item())
        elif isinstance(x, (list, tuple)):
            out.append(_unwrap(x))
        else:
            out.append(x)
    return out


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new leaf tensor holding a copy of ``data`` (a number, nested lists or an array)."""
    if type(data) is builtins.float and dtype is None and device is None:
        # The common scalar case, fast: a NumPy scalar (cheaper to compute with than a 0-d
        # array; see Tensor._write).
        return Tensor._make(np.float32(data), bool(requires_grad), None, CPU)
    if dtype is not None and not isinstance(data, (Tensor, np.ndarray, np.generic)):
        # Convert straight to the requested dtype (not via float32: 0.1 must stay 0.1 in float64)
        if isinstance(data, (list, tuple)):
            data = _unwrap(data)
        array = np.array(data, dtype=_dtype.to_dtype(dtype).np)
    else:
        array = _infer(data)
    return _finish(array, dtype, device, requires_grad)


def as_tensor(data, dtype=None, device=None):
    if isinstance(data, Tensor):
        return data.to(dtype=_dtype.to_dtype(dtype), device=device)
    if isinstance(data, np.ndarray) and dtype is None and device is None:
        return from_numpy(data)
    return tensor(data, dtype=dtype, device=device)


def from_numpy(array):
    """A tensor sharing memory with a NumPy array (changes to one show in the other)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    _dtype.from_numpy_dtype(array.dtype)
    return Tensor._make(array, False, None, CPU)


def _size(size, keyword=None):
    """Sizes as ``f(2, 3)``, ``f((2, 3))``, ``f([2, 3])`` or ``f(size=(2, 3))``."""
    if keyword is not None:
        size = (keyword,)
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        return tuple(size[0])
    return tuple(int(s) for s in size)


def _default(dtype, kind="f"):
    if dtype is not None:
        return _dtype.to_dtype(dtype).np
    return np.float32 if kind == "f" else np.int64


def zeros(*sizes, size=None, dtype=None, device=None, requires_grad=False):
    return _finish(np.zeros(_size(sizes, size), _default(dtype)), None, device, requires_grad)


def ones(*sizes, size=None, dtype=None, device=None, requires_grad=False):
    return _finish(np.ones(_size(sizes, size), _default(dtype)), None, device, requires_grad)


def empty(*sizes, size=None, dtype=None, device=None, requires_grad=False):
    return zeros(*sizes, size=size, dtype=dtype, device=device, requires_grad=requires_grad)


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False):
    if dtype is None:
        dtype = _dtype.scalar_dtype(fill_value)
    return _finish(np.full(tuple(size), fill_value, _default(dtype)), None, device, requires_grad)


def _like(factory):
    """``factory_like(input)``: ``factory`` (zeros, ones, rand, randn) with ``input``'s shape,
    and its dtype and device unless others are given."""

    def like(input, *, dtype=None, device=None, requires_grad=False):
        return factory(tuple(input.shape), dtype=dtype or input.dtype,
                       device=device or input.device, requires_grad=requires_grad)

    like.__name__ = like.__qualname__ = factory.__name__ + "_like"
    return like


def empty_like(input, *, dtype=None, device=None, requires_grad=False):
    return zeros_like(input, dtype=dtype, device=device, requires_grad=requires_grad)


def full_like(input, fill_value, *, dtype=None, device=None, requires_grad=False):
    return full(tuple(input.shape), fill_value, dtype=dtype or input.dtype,
                device=device or input.device, requires_grad=requires_grad)


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False):
    if end is None:
        start, end = 0, start
    values = (start, end, step)
    if dtype is None:
        floating = builtins.any(isinstance(v, builtins.float) for v in values)
        dtype = _dtype.float32 if floating else _dtype.int64
    dtype = _dtype.to_dtype(dtype)
    if dtype.is_floating_point:
        n = int(np.ceil((end - start) / step))
        array = (start + np.arange(n, dtype=np.float64) * step).astype(dtype.np)
    else:
        array = np.arange(start, end, step).astype(dtype.np)
    return _finish(array, None, device, requires_grad)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False):
    dtype = _dtype.to_dtype(dtype) or _dtype.float32
    array = np.linspace(start, end, int(steps), dtype=np.float64).astype(dtype.np)
    return _finish(array, None, device, requires_grad)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False):
    return _finish(np.eye(n, m, dtype=_default(dtype)), None, device, requires_grad)


def rand(*sizes, size=None, dtype=None, device=None, requires_grad=False, generator=None):
    """Uniform numbers in [0, 1)."""
    array = _rng.random(_size(sizes, size), dtype=np.float64).astype(_default(dtype))
    return _finish(array, None, device, requires_grad)


def randn(*sizes, size=None, dtype=None, device=None, requires_grad=False, generator=None):
    """Standard normal numbers (mean 0, standard deviation 1)."""
    array = _rng.standard_normal(_size(sizes, size)).astype(_default(dtype))
    return _finish(array, None, device, requires_grad)


def randint(low, high=None, size=(), *, dtype=None, device=None, requires_grad=False):
    if high is None:
        low, high = 0, low
    array = _rng.integers(low, high, size=tuple(size)).astype(_default(dtype, "i"))
    return _finish(array, None, device, requires_grad)


def randperm(n, *, dtype=None, device=None):
    return _finish(_rng.permutation(n).astype(_default(dtype, "i")), None, device, False)


zeros_like, ones_like, rand_like, randn_like = (_like(f) for f in (zeros, ones, rand, randn))


def normal(mean=0.0, std=1.0, size=None, *, dtype=None, device=None, requires_grad=False,
           generator=None):
    """Normal numbers with the given mean and standard deviation (numbers or tensors)."""
    mean_a = mean._host() if isinstance(mean, Tensor) else mean
    std_a = std._host() if isinstance(std, Tensor) else std
    if size is None:
        size = np.broadcast(np.asarray(mean_a), np.asarray(std_a)).shape
    if dtype is None:
        ref = mean if isinstance(mean, Tensor) else std if isinstance(std, Tensor) else None
        dtype = ref.dtype if ref is not None else None
    array = (mean_a + std_a * _rng.standard_normal(tuple(size))).astype(_default(dtype))
    return _finish(np.asarray(array), None, device, requires_grad)
