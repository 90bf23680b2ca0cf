"""Data types, and PyTorch's rules for the dtype of a result (type promotion).

A dtype is a thin, named wrapper around a NumPy dtype: `autograd_lib.float32` wraps
`numpy.float32`. CuPy uses the same NumPy dtypes, so one table serves both backends.
"""

import builtins

import numpy as np


class dtype:
    """A tensor element type, printed as ``autograd_lib.float32`` (PyTorch: ``torch.float32``).

    Besides its NumPy dtype, a dtype knows the names PyTorch uses for it in messages:

    * ``scalar_type``: PyTorch's name of the element type, ``"Float"`` (``c10::ScalarType``),
      as in "result type Float can't be cast to the desired output type Long";
    * ``legacy_name``: the old tensor type name, ``"FloatTensor"`` (``x.type()``);
    * ``cpp_type``: the C++ element type, ``"float"``, as in "expected m1 and m2 to have the
      same dtype, but got: float != double".
    """

    __slots__ = ("name", "np", "is_floating_point", "is_signed", "itemsize", "_rank",
                 "scalar_type", "legacy_name", "cpp_type")

    def __init__(self, name, np_dtype, rank, scalar_type, cpp_type):
        self.name = name
        self.np = np.dtype(np_dtype)
        self.is_floating_point = self.np.kind == "f"
        self.is_signed = self.np.kind in "if"
        self.itemsize = self.np.itemsize
        self._rank = rank  # position in the promotion lattice bool < ints < floats
        self.scalar_type = scalar_type
        self.legacy_name = scalar_type + "Tensor"
        self.cpp_type = cpp_type

    def __repr__(self):
        return f"autograd_lib.{self.name}"

    def __reduce__(self):  # pickle by name, so dtypes stay singletons
        return (_by_name, (self.name,))


# The one table of dtypes and their names (nowhere else lists them).
#               name       NumPy    rank     ScalarType  C++ type
bool    = dtype("bool",    np.bool_,   0,    "Bool",     "bool")
uint8   = dtype("uint8",   np.uint8,   1,    "Byte",     "unsigned char")
int8    = dtype("int8",    np.int8,    2,    "Char",     "signed char")
int16   = dtype("int16",   np.int16,   3,    "Short",    "short int")
int32   = dtype("int32",   np.int32,   4,    "Int",      "int")
int64   = dtype("int64",   np.int64,   5,    "Long",     "long int")
float16 = dtype("float16", np.float16, 6,    "Half",     "c10::Half")
float32 = dtype("float32", np.float32, 7,    "Float",    "float")
float64 = dtype("float64", np.float64, 8,    "Double",   "double")

# PyTorch's aliases.
half, float, double = float16, float32, float64
short, int, long = int16, int32, int64

ALL = (bool, uint8, int8, int16, int32, int64, float16, float32, float64)
_FROM_NUMPY = {d.np: d for d in ALL}
_NAMES = {d.name: d for d in ALL}


def _by_name(name):
    return _NAMES[name]


def from_numpy_dtype(np_dtype):
    """The autograd_lib dtype of a NumPy (or CuPy) array's dtype."""
    try:
        return _FROM_NUMPY[np_dtype]
    except KeyError:
        d = np.dtype(np_dtype)
        if d in _FROM_NUMPY:
            return _FROM_NUMPY[d]
        raise TypeError(
            f"can't convert np.ndarray of type numpy.{d.name}. The only supported types are: "
            "float64, float32, float16, int64, int32, int16, int8, uint8, and bool."
        ) from None


def legacy_type_name(np_dtype, on_gpu=False):
    """PyTorch's old type names: ``autograd_lib.FloatTensor``, ``autograd_lib.cuda.LongTensor``."""
    prefix = "autograd_lib.cuda." if on_gpu else "autograd_lib."
    return prefix + from_numpy_dtype(np_dtype).legacy_name


def to_dtype(d):
    """Accept an autograd_lib dtype, a NumPy dtype or a Python type and return our dtype.

    A Python type means what it means in PyTorch: ``float`` is float64 (a Python float is a C
    double), whatever the default dtype; ``int`` is int64.
    """
    if d is None or isinstance(d, dtype):
        return d
    if d is builtins.float:
        return float64
    if d is builtins.int:
        return int64
    if d is builtins.bool:
        return bool
    return from_numpy_dtype(np.dtype(d))


# ---------------------------------------------------------------------------------------------
# The default dtype (``torch.set_default_dtype``): the dtype of Python floats, in ``tensor(1.5)``
# and ``int_tensor * 2.5``, and of floating tensors made without ``dtype=`` (``zeros``, ``rand``,
# nn layers' parameters). Process-wide, like PyTorch's. The one place it lives: creation,
# promotion, printing read ``_dtype.default_float`` at each use (never import it by name: a
# copy would not follow ``set_default_dtype``); the fast paths read ``_dtype.default_scalar``,
# its NumPy scalar type, which costs the same as reading ``np.float32``.
# ---------------------------------------------------------------------------------------------

default_float = float32
default_scalar = np.float32


def set_default_dtype(d):
    """Make ``d`` (float16, float32 or float64) the dtype of Python floats and of new floating
    tensors, as ``torch.set_default_dtype``. Tensors that exist keep their dtype, and so do
    ``x.float()`` (float32) and ``x.double()`` (float64).

        >>> autograd_lib.set_default_dtype(autograd_lib.float64)
        >>> autograd_lib.tensor([1.5, 2.0]).dtype
        autograd_lib.float64
        >>> autograd_lib.tensor([1.5, 2.0], dtype=autograd_lib.float32)
        tensor([1.5000, 2.0000], dtype=autograd_lib.float32)
        >>> autograd_lib.set_default_dtype(autograd_lib.float32)
    """
    global default_float, default_scalar
    if not isinstance(d, dtype):
        raise TypeError(
            "invalid dtype object: only floating-point types are supported as the default type")
    if not d.is_floating_point:
        raise TypeError("only floating-point types are supported as the default type")
    default_float, default_scalar = d, d.np.type


def get_default_dtype():
    """The dtype of Python floats and of new floating tensors (float32 unless
    ``set_default_dtype`` changed it).

        >>> autograd_lib.get_default_dtype()
        autograd_lib.float32
    """
    return default_float


# ---------------------------------------------------------------------------------------------
# Type promotion, as PyTorch does it (c10/core/ScalarType.h and TensorIterator's result type).
#
# Operands are of three kinds, in order of priority: tensors with dimensions, zero-dimensional
# tensors, and Python numbers. A lower-priority operand can only change the result's dtype if
# it belongs to a higher *category* (bool < integer < floating). So
#   ones(3, dtype=float32) * tensor(2.0, dtype=float64)  -> float32  (0-d loses to dim)
#   ones(3, dtype=int64) * 2.5                          -> float32  (Python float: the default)
# ---------------------------------------------------------------------------------------------


def _category(d):
    return 0 if d is bool else (2 if d.is_floating_point else 1)


def promote_types(a, b):
    """The smallest dtype both ``a`` and ``b`` convert to (PyTorch's ``promote_types``)."""
    if a is None:
        return b
    if b is None or a is b:
        return a
    hi, lo = (a, b) if a._rank >= b._rank else (b, a)
    # uint8 with a signed integer needs a signed type that holds both.
    if lo is uint8 and hi in (int8,):
        return int16
    return hi


def _combine(higher, lower):
    if higher is None:
        return lower
    if lower is None:
        return higher
    if _category(lower) > _category(higher):
        return promote_types(higher, lower)
    return higher


def result_type(*operands):
    """The dtype of an elementwise operation on ``operands`` (tensors and Python numbers)."""
    dim_dt = zero_dt = scalar_dt = None
    for op in operands:
        d = getattr(op, "dtype", None)
        if isinstance(d, dtype):
            if op.ndim:
                dim_dt = promote_types(dim_dt, d)
            else:
                zero_dt = promote_types(zero_dt, d)
        else:
            scalar_dt = promote_types(scalar_dt, scalar_dtype(op))
    return _combine(dim_dt, _combine(zero_dt, scalar_dt))


def scalar_dtype(value):
    """The dtype PyTorch gives a Python number: bool, int64, or the default dtype (float32
    unless ``set_default_dtype`` changed it)."""
    if isinstance(value, builtins.bool):
        return bool
    if isinstance(value, builtins.int):
        return int64
    if isinstance(value, builtins.float):
        return default_float
    if isinstance(value, (np.generic, np.ndarray)):
        return from_numpy_dtype(value.dtype)
    raise TypeError(f"unsupported operand type: {type(value).__name__}")
