"""Making tensors: ``tensor``, ``zeros``, ``ones``, ``arange``, ``randn`` ...

Defaults follow PyTorch: Python floats become the default dtype (float32, not NumPy's float64,
unless ``set_default_dtype`` changed it; ``_dtype.default_float``), Python ints int64, and a
NumPy array keeps its dtype.
"""

import builtins
import warnings

import numpy as np

from . import _dtype, backend
from .backend import CPU
from .tensor import Tensor

# A fixed seed at start-up: a fresh process draws the same numbers every time, so a lesson
# prints the same output on every run. (PyTorch 2.13 seeds each process differently; call
# ``manual_seed`` for numbers that repeat in both. A new ``torch.Generator`` starts from this
# same seed in PyTorch.)
_DEFAULT_SEED = 67280421310721


class Generator:
    """A stream of random numbers of its own (``torch.Generator``), for ``rand``, ``randn``,
    ``randint``, ``randperm``, ``normal``, ``uniform_``, ``normal_`` (``generator=``).

    Two generators seeded alike give the same numbers, and drawing from one leaves the other
    (and the default one, seeded by ``manual_seed``) untouched. The numbers differ from
    PyTorch's: the stream is NumPy's PCG64.

        >>> g = autograd_lib.Generator().manual_seed(0)
        >>> a = autograd_lib.rand(3, generator=g)
        >>> g.manual_seed(0)  # doctest: +ELLIPSIS
        <autograd_lib.Generator object at 0x...>
        >>> bool((autograd_lib.rand(3, generator=g) == a).all())
        True
    """

    _STATE_BYTES = 80  # get_state(): the PCG64 state and increment, its spare 32 bits, the seed

    def __init__(self, device="cpu"):
        self.device = backend.parse_device(device)
        self._seed = _DEFAULT_SEED
        self._np = np.random.default_rng(_DEFAULT_SEED)  # the NumPy generator that draws

    def __repr__(self):
        return f"<autograd_lib.Generator object at {id(self):#x}>"

    def manual_seed(self, seed):
        """Start the stream again from ``seed`` (an int; negative ones wrap, as PyTorch's)."""
        seed = int(seed)
        if not -(2**63) <= seed < 2**64:
            raise ValueError("Overflow when unpacking long long")
        self._seed = seed % 2**64
        self._np.bit_generator.state = np.random.PCG64(self._seed).state
        return self

    def seed(self):
        """Seed from the operating system's entropy; returns that seed."""
        seed = int(np.random.SeedSequence().entropy % 2**63)
        self.manual_seed(seed)
        return seed

    def initial_seed(self):
        """The seed the stream last started from."""
        return self._seed

    def get_state(self):
        """The position in the stream, as a uint8 tensor (for ``set_state``)."""
        st = self._np.bit_generator.state
        words = (st["state"]["state"], st["state"]["inc"], st["has_uint32"], st["uinteger"],
                 self._seed)
        raw = b"".join(int(w).to_bytes(16, "little") for w in words)
        return Tensor._make(np.frombuffer(raw, dtype=np.uint8).copy(), False, None, CPU)

    def set_state(self, new_state):
        """Go back to a position ``get_state`` returned."""
        if not isinstance(new_state, Tensor) or new_state.dtype is not _dtype.uint8:
            raise TypeError("RNG state must be a autograd_lib.ByteTensor")
        raw = new_state._host().tobytes()
        if len(raw) != self._STATE_BYTES:
            raise RuntimeError(
                f"Expected a CPUGeneratorImplState of size {self._STATE_BYTES} but found the "
                f"input RNG state size to be {len(raw)}"
            )
        state, inc, has_uint32, uinteger, seed = (
            int.from_bytes(raw[i:i + 16], "little") for i in range(0, len(raw), 16))
        self._np.bit_generator.state = {
            "bit_generator": "PCG64", "state": {"state": state, "inc": inc},
            "has_uint32": has_uint32, "uinteger": uinteger}
        self._seed = seed
        return self


default_generator = Generator()
_rng = default_generator._np  # the default stream (also nn.init's); manual_seed reseeds it


def manual_seed(seed):
    """Seed the default generator (``rand``, ``randn``, ``normal``, ``nn.Linear``'s init).

    The numbers differ from PyTorch's (a different generator), but the same seed always gives
    the same numbers here, on CPU and GPU alike. Returns the default generator.
    """
    return default_generator.manual_seed(seed)


def seed():
    """Seed the default generator from the operating system's entropy; returns the seed."""
    return default_generator.seed()


def initial_seed():
    return default_generator.initial_seed()


def get_rng_state():
    return default_generator.get_state()


def set_rng_state(new_state):
    default_generator.set_state(new_state)


# Called with ``generator`` before every draw while ``func.vmap`` runs (its ``randomness=``:
# func/__init__.py::_on_draw); None otherwise.
draw_hook = None


def _stream(generator, fn, device=None):
    """The NumPy generator to draw from: ``generator``'s, or the default one."""
    if draw_hook is not None:
        draw_hook(generator)
    if generator is None:
        return _rng
    if not isinstance(generator, Generator):
        raise TypeError(
            f"{fn}() received an invalid combination of arguments - got "
            f"(generator={type(generator).__name__}), but expected a autograd_lib.Generator"
        )
    want = backend.parse_device(device, default=_default_device).type
    if generator.device.type != want:
        raise RuntimeError(
            f"Expected a '{want}' device type for generator but found '{generator.device.type}'"
        )
    return generator._np


# -- the default device ---------------------------------------------------------------------

_default_device = CPU  # where tensors are made when no device is given (set_default_device)


def set_default_device(device):
    """Make new tensors on ``device`` when no ``device=`` is given (``None``: the CPU again).

        >>> autograd_lib.set_default_device("cpu")
        >>> autograd_lib.zeros(2).device
        device(type='cpu')
    """
    global _default_device
    _default_device = backend.parse_device(device, default=CPU)


def get_default_device():
    return _default_device


def set_default_tensor_type(t):
    """Deprecated in PyTorch (use ``set_default_dtype``): ``set_default_tensor_type(DoubleTensor)``
    or ``("torch.DoubleTensor")`` makes float64 the default dtype. The device part of a CUDA
    type name (``"torch.cuda.DoubleTensor"``) is ignored: call ``set_default_device``.

        >>> autograd_lib.set_default_tensor_type("torch.DoubleTensor")  # warns: deprecated
        >>> autograd_lib.get_default_dtype()
        autograd_lib.float64
        >>> autograd_lib.set_default_dtype(autograd_lib.float32)
    """
    warnings.warn(
        "torch.set_default_tensor_type() is deprecated as of PyTorch 2.1, please use "
        "torch.set_default_dtype() and torch.set_default_device() as alternatives.",
        UserWarning, stacklevel=2)
    if isinstance(t, str):
        t = _LEGACY_TYPES.get(t.split(".")[-1], t)
    if not isinstance(t, _LegacyTensorType):
        raise TypeError(
            "invalid type object: only floating-point types are supported as the default type")
    _dtype.set_default_dtype(t.dtype)


def _finish(array, dtype, device, requires_grad):
    """Cast, move to the device, wrap, and check ``requires_grad``."""
    if dtype is not None:
        dtype = _dtype.to_dtype(dtype)
        if array.dtype != dtype.np:
            array = array.astype(dtype.np)
    dev = backend.parse_device(device, default=_default_device)
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
        typed = []
        unwrapped = _unwrap(data, typed)
        if typed:  # tensors or NumPy values among the numbers: their dtypes count (as torch)
            return np.array(unwrapped).astype(_elements_dtype(data).np)
        data = unwrapped
    array = np.array(data)
    kind = array.dtype.kind
    if kind == "f":
        return array.astype(_dtype.default_float.np)
    if kind in "iu":
        return array.astype(np.int64)
    if kind == "b":
        return array
    if array.dtype == object or kind in "US":
        raise TypeError(f"new(): invalid data type '{type(data).__name__}'")
    return array


def _unwrap(data, typed=None):
    """Replace tensors nested in lists by their values (``tensor([t1, t2])``). ``typed``, a list,
    collects the elements that carry a dtype of their own (tensors, NumPy values)."""
    out = []
    for x in data:
        if isinstance(x, (list, tuple)):
            out.append(_unwrap(x, typed))
            continue
        out.append((x._host() if x.ndim else x.item()) if isinstance(x, Tensor) else x)
        if typed is not None and isinstance(x, (Tensor, np.generic, np.ndarray)):
            typed.append(x)
    return out


def _elements_dtype(data):
    """PyTorch's dtype for a nested list of numbers, tensors and NumPy values: the promotion of
    all their dtypes, a Python float counting as the default dtype (``tensor([t_f32, 2.0])`` is
    float32 under the float32 default, float64 under the float64 one)."""
    result = None
    for x in data:
        if isinstance(x, (list, tuple)):
            d = _elements_dtype(x)
        elif isinstance(x, Tensor):
            d = x.dtype
        elif isinstance(x, (np.generic, np.ndarray)):  # before scalar_dtype: np.float64 is a float
            d = _dtype.from_numpy_dtype(x.dtype)
        else:
            d = _dtype.scalar_dtype(x)
        result = _dtype.promote_types(result, d)
    return result


def tensor(data, *, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new leaf tensor holding a copy of ``data`` (a number, nested lists or an array)."""
    if type(data) is builtins.float and dtype is None and device is None and (
            _default_device is CPU):
        # The common scalar case, fast: a NumPy scalar (cheaper to compute with than a 0-d
        # array; see Tensor._write).
        return Tensor._make(_dtype.default_scalar(data), bool(requires_grad), None, CPU)
    if dtype is not None and not isinstance(data, (Tensor, np.ndarray, np.generic)):
        # Convert straight to the requested dtype (not via the default dtype: 0.1 must stay 0.1
        # in float64)
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
    return _dtype.default_float.np if kind == "f" else np.int64


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
        dtype = _dtype.default_float if floating else _dtype.int64
    dtype = _dtype.to_dtype(dtype)
    if dtype.is_floating_point:
        n = int(np.ceil((end - start) / step))
        array = (start + np.arange(n, dtype=np.float64) * step).astype(dtype.np)
    else:
        array = np.arange(start, end, step).astype(dtype.np)
    return _finish(array, None, device, requires_grad)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False):
    dtype = _dtype.to_dtype(dtype) or _dtype.default_float
    array = np.linspace(start, end, _steps(steps), dtype=np.float64).astype(dtype.np)
    return _finish(array, None, device, requires_grad)


def _steps(steps):
    """``linspace``'s and ``logspace``'s number of steps, checked as PyTorch checks it."""
    if int(steps) < 0:
        raise RuntimeError("number of steps must be non-negative")
    return int(steps)


def logspace(start, end, steps, base=10.0, *, dtype=None, device=None, requires_grad=False):
    """``steps`` numbers from ``base ** start`` to ``base ** end``, evenly spaced on a log scale
    (``logspace(-3, 0, 4)``: 0.001, 0.01, 0.1, 1, handy for learning rates).

    As PyTorch: the exponents are spaced in float64, from both ends toward the middle; an integer
    ``dtype`` truncates ``start`` and ``end`` first (with more than one step), then the powers.
    Floating results can differ from PyTorch's in the last bit (its CPU kernel uses a vectorized
    ``pow``).
    """
    dtype = _dtype.to_dtype(dtype) or _dtype.default_float
    n = _steps(steps)
    if n <= 1:
        exponents = np.full(n, start, dtype=np.float64)  # no number, or base ** start alone
    else:
        if not dtype.is_floating_point:
            start, end = int(start), int(end)
        i = np.arange(n, dtype=np.float64)
        step = (end - start) / (n - 1)
        exponents = np.where(i < n // 2, start + step * i, end - step * (n - 1 - i))
    with np.errstate(all="ignore"):  # overflow gives inf; a negative base to a fraction, nan
        array = np.power(float(base), exponents).astype(dtype.np)
    return _finish(array, None, device, requires_grad)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False):
    return _finish(np.eye(n, m, dtype=_default(dtype)), None, device, requires_grad)


def rand(*sizes, size=None, dtype=None, device=None, requires_grad=False, generator=None):
    """Uniform numbers in [0, 1)."""
    rng = _stream(generator, "rand", device)
    array = rng.random(_size(sizes, size), dtype=np.float64).astype(_default(dtype))
    return _finish(array, None, device, requires_grad)


def randn(*sizes, size=None, dtype=None, device=None, requires_grad=False, generator=None):
    """Standard normal numbers (mean 0, standard deviation 1)."""
    rng = _stream(generator, "randn", device)
    array = rng.standard_normal(_size(sizes, size)).astype(_default(dtype))
    return _finish(array, None, device, requires_grad)


def randint(low, high=None, size=(), *, generator=None, dtype=None, device=None,
            requires_grad=False):
    """Random integers in [low, high) (``randint(high, size)`` or ``randint(low, high, size)``)."""
    if high is None:
        low, high = 0, low
    elif isinstance(high, (tuple, list)):  # randint(high, size)
        low, high, size = 0, low, high
    rng = _stream(generator, "randint", device)
    array = rng.integers(low, high, size=tuple(size)).astype(_default(dtype, "i"))
    return _finish(array, None, device, requires_grad)


def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False):
    """A random order of ``0 .. n-1``."""
    rng = _stream(generator, "randperm", device)
    return _finish(rng.permutation(n).astype(_default(dtype, "i")), None, device, requires_grad)


zeros_like, ones_like, rand_like, randn_like = (_like(f) for f in (zeros, ones, rand, randn))


def normal(mean=0.0, std=1.0, size=None, *, dtype=None, device=None, requires_grad=False,
           generator=None):
    """Normal numbers with the given mean and standard deviation (numbers or tensors)."""
    mean_a = mean._host() if isinstance(mean, Tensor) else mean
    std_a = std._host() if isinstance(std, Tensor) else std
    if size is None:
        size = np.broadcast(np.asarray(mean_a), np.asarray(std_a)).shape
    ref = mean if isinstance(mean, Tensor) else std if isinstance(std, Tensor) else None
    if ref is not None:  # a tensor mean or std: its dtype and device, as in PyTorch
        dtype, device = dtype or ref.dtype, device or ref.device
    rng = _stream(generator, "normal", device)
    array = (mean_a + std_a * rng.standard_normal(tuple(size))).astype(_default(dtype))
    return _finish(np.asarray(array), None, device, requires_grad)


# -- the legacy constructors: ``torch.FloatTensor([1, 2])``, ``torch.LongTensor(2, 3)`` ----------


class _LegacyTensorType(type):
    """The type of ``autograd_lib.FloatTensor`` and its kind: calling one makes a tensor of its
    dtype; ``isinstance(x, autograd_lib.FloatTensor)`` asks whether ``x`` is a float32 CPU
    tensor, as in PyTorch."""

    def __call__(cls, *args, device=None):
        return legacy_new(cls.dtype, args, device)

    def __instancecheck__(cls, obj):
        return isinstance(obj, Tensor) and obj.dtype is cls.dtype and obj._dev.type == "cpu"

    def __repr__(cls):
        return f"<class 'autograd_lib.{cls.__name__}'>"


def legacy_new(dtype, args, device=None):
    """``Tensor(2, 3)`` (zeros of that shape), ``Tensor([1, 2])`` (those numbers) or ``Tensor()``
    (empty), as ``dtype``: what PyTorch's legacy constructors make."""
    if len(args) == 1 and not isinstance(args[0], builtins.int):
        return tensor(args[0], dtype=dtype, device=device)
    return _finish(np.zeros(args if args else (0,), dtype=dtype.np), None, device, False)


def _legacy_type(dtype):
    return _LegacyTensorType(dtype.legacy_name, (), {"dtype": dtype, "__module__": "autograd_lib"})


(FloatTensor, DoubleTensor, HalfTensor, LongTensor, IntTensor, ShortTensor, CharTensor,
 ByteTensor, BoolTensor) = map(_legacy_type, (
    _dtype.float32, _dtype.float64, _dtype.float16, _dtype.int64, _dtype.int32, _dtype.int16,
    _dtype.int8, _dtype.uint8, _dtype.bool))
_LEGACY_TYPES = {t.__name__: t for t in (
    FloatTensor, DoubleTensor, HalfTensor, LongTensor, IntTensor, ShortTensor, CharTensor,
    ByteTensor, BoolTensor)}
