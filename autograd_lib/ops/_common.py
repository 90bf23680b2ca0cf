"""What every op module shares: unwrapping operands, recording a one-input op
(``record_unary``), and the few helpers that backward formulas use on either raw arrays or
tensors. (The graph grows in one place: ``record`` in ``autograd/graph.py``.)

Backward formulas are written with arithmetic operators and with the helpers below, which
accept a NumPy/CuPy array *or* a Tensor. A normal ``backward()`` passes arrays (fast: no
graph); ``backward(create_graph=True)`` passes tensors, so the gradient computation is itself
recorded and can be differentiated again.
"""

import warnings

import numpy as np

from .. import _dtype, backend, grad_mode
from ..autograd.forward_ad import forward
from ..autograd.graph import needs_grad, record
from ..tensor import Tensor

_state = grad_mode._state  # read ``_state.enabled`` directly: the hot path of every op
_dual = grad_mode._dual  # forward-mode AD: ``_dual.active`` while a dual level is active
# Speed-up: ``Tensor._make`` looked up once, for ``record_unary`` and ``record_binary`` (the
# attribute lookup is 0.04 us of a 1 us scalar op; docs/performance.md, row 2).
_make = Tensor._make


def quiet():
    """Silence NumPy's divide-by-zero/overflow warnings: PyTorch returns inf and nan silently.

    Costs about 1 us, so only ops that can make inf or nan from finite inputs use it.
    """
    return np.errstate(all="ignore")


def as_tensor(x, like):
    """A Python number or array as a tensor on ``like``'s device (for ops that need tensors)."""
    if isinstance(x, Tensor):
        return x
    if not isinstance(x, (bool, int, float)):  # an array (a backward's constant): on its device
        return _make(x, False, None, backend.device_of(x))
    from ..creation import tensor

    return tensor(x, device=like._dev)


# ------------------------------------------------------------------------------------------
# Recording a one-input op.
# ------------------------------------------------------------------------------------------


def record_unary(node_cls, input, data, save_input=False, save_output=False, number=None):
    """The result of a one-input op on ``input`` (``data``: computed on its array) as a tensor,
    recorded if a gradient is needed: a ``node_cls`` node that keeps what its backward formula
    needs: the input, the result, and ``number``, the op's Python number (pow's exponent or
    base, rsub's alpha) if it has one.

    Every one-input elementwise op (``exp``, ``tanh``, ``neg``, ``x ** 2``, ``clone`` ...)
    records itself here, with the steps of ``record`` in ``autograd/graph.py``.
    """
    out = _make(data, False, None, input._dev)  # Tensor._make (speed-up: see _make)
    if _state.enabled and input._requires_grad:  # needs_grad(input), spelled out: hot path
        node = node_cls(input)
        if number is not None:
            node.number = number
        if save_input:
            node.save_for_backward(input)
        if save_output:
            node.save_output(out)
        record(node, out)
    if _dual.active:  # forward-mode AD: the result's tangent (autograd/forward_ad.py)
        forward(node_cls, (input,), out, number=number)
    return out


def write_out(name, out, result):
    """``op(..., out=out)``: ``result`` written into ``out`` (resized if its shape differs, as
    PyTorch does, with its warning if ``out`` had elements), which is returned. Not recorded:
    PyTorch refuses ``out=`` when a gradient is needed."""
    if _state.enabled and (result._requires_grad or out._requires_grad):
        raise RuntimeError(
            f"{name}(): functions with out=... arguments don't support automatic "
            "differentiation, but one of the arguments requires grad."
        )
    if out._dev is not result._dev:
        raise RuntimeError(f"Expected out tensor to have device {result._dev}, but got "
                           f"{out._dev} instead")
    if result.dtype.is_floating_point and not out.dtype.is_floating_point:
        raise RuntimeError(
            f"result type {result.dtype.scalar_type} can't be cast to the desired output type "
            f"{out.dtype.scalar_type}"
        )
    data = result._data.astype(out._data.dtype, copy=False)
    if out._data.shape == data.shape:
        out._write(data)
        return out
    if out._data.size:
        warnings.warn(
            f"An output with one or more elements was resized since it had shape "
            f"{list(out._data.shape)}, which does not match the required output shape "
            f"{list(data.shape)}. This behavior is deprecated, and in a future PyTorch release "
            "outputs will not be resized unless they have zero elements. You can explicitly "
            "reuse an out tensor t by resizing it, inplace, to zero elements with t.resize_(0).",
            UserWarning, stacklevel=3)
    out._data = data  # the result is ours alone: no copy needed
    out._vc[0] += 1
    return out


def record_op(node_cls, inputs, out, *, save_inputs=False, save_output=False, **kept):
    """``out``, computed from the tensors ``inputs``, recorded if a gradient is needed: a
    ``node_cls`` node that keeps the values ``kept`` (a dimension, an index, a shape ...) and,
    if asked, the inputs and the result. The ops of ``indexing.py``, ``layout.py``,
    ``matrix.py``, ``scan.py`` and ``softmax.py`` record themselves here, with the steps of
    ``record``."""
    if needs_grad(*inputs):
        node = node_cls(*inputs)
        for name, value in kept.items():
            setattr(node, name, value)
        if save_inputs:
            node.save_for_backward(*inputs)
        if save_output:
            node.save_output(out)
        record(node, out)
    if _dual.active:  # forward-mode AD: the result's tangent (autograd/forward_ad.py)
        forward(node_cls, inputs, out, **kept)
    return out


# ------------------------------------------------------------------------------------------
# Operands of elementwise ops: a common dtype and device, as PyTorch decides them.
# ------------------------------------------------------------------------------------------


def operands(a, b):
    """``(a_data, b_data, device, dtype_changed)`` for an elementwise op on ``a`` and ``b``.

    The fast path (same dtype and device, or a float tensor with a Python number) costs two
    attribute reads; only mixed dtypes or devices go through full type promotion.
    """
    if isinstance(b, Tensor):
        ad, bd = a._data, b._data
        if ad.dtype is bd.dtype and a._dev is b._dev:
            return ad, bd, a._dev, False
    elif isinstance(b, (float, int)) and a._data.dtype.kind == "f":
        return a._data, b, a._dev, False
    return _promote(a, b)


def _promote(a, b):
    result = _dtype.result_type(a, b).np
    dev = _common_device(a, b)
    datas = []
    for x in (a, b):
        if isinstance(x, Tensor):
            d = x._data if x._dev is dev else backend.to_device(x._data, dev)
            datas.append(d if d.dtype == result else d.astype(result))
        elif isinstance(x, (bool, int, float)):
            datas.append(x if result.kind == "f" or isinstance(x, (bool, int)) else result.type(x))
        elif isinstance(x, (np.ndarray, np.generic)):
            datas.append(backend.to_device(np.asarray(x, dtype=result), dev))
        else:
            raise TypeError(f"unsupported operand type for a tensor operation: {type(x).__name__}")
    return datas[0], datas[1], dev, True


def _common_device(*xs):
    devs = {x._dev for x in xs if isinstance(x, Tensor) and (x._dev.type == "cpu") is False}
    if len(devs) > 1:
        a, b = sorted(str(d) for d in devs)[:2]
        raise RuntimeError(
            f"Expected all tensors to be on the same device, but found at least two devices, {a} "
            f"and {b}!"
        )
    if devs:
        gpu = devs.pop()
        for x in xs:  # a CPU tensor with dimensions can't meet a GPU tensor; a 0-d one can
            if isinstance(x, Tensor) and x._dev.type == "cpu" and x._data.ndim > 0:
                raise RuntimeError(
                    "Expected all tensors to be on the same device, but found at least two "
                    f"devices, {gpu} and cpu!"
                )
        return gpu
    return backend.CPU


def floating(data):
    """An input's array as the op computes it: integers in the default dtype (float32 unless
    ``set_default_dtype`` changed it), as PyTorch does for ``exp(int)``, ``int / int``."""
    return data if data.dtype.kind == "f" else data.astype(_dtype.default_float.np)


# ------------------------------------------------------------------------------------------
# Helpers for backward formulas: each accepts an array or a Tensor.
# ------------------------------------------------------------------------------------------


def xp_of(x):
    """The array module (numpy or cupy) of an array."""
    return np if isinstance(x, (np.ndarray, np.generic)) else backend.module_of(x)


def sum_to(grad, shape):
    """Undo broadcasting: sum ``grad`` down to ``shape`` (the shape of the input it is for).

    ``a`` of shape (3, 1) plus ``b`` of shape (4,) gives (3, 4); each element of ``a`` was used
    4 times, so its gradient is the sum of the 4 gradients it contributed to.
    """
    gshape, shape = tuple(grad.shape), tuple(shape)
    if gshape == shape:
        return grad
    lead = len(gshape) - len(shape)  # dimensions broadcasting added in front
    stretched = tuple([i + lead for i, n in enumerate(shape) if n == 1 and gshape[i + lead] != 1])
    axes = tuple(range(lead)) + stretched
    if not stretched:  # only added dimensions (a bias): the sum has the input's shape already
        return grad.sum(axis=axes)
    grad = grad.sum(axis=axes, keepdims=True)
    return grad.reshape(shape) if lead else grad


def expand_to(grad, shape):
    """Broadcast ``grad`` to ``shape`` (read-only view for arrays, ``expand`` for tensors)."""
    if isinstance(grad, Tensor):
        return grad.expand(*shape)
    if grad.ndim == 0:  # one number everywhere: fill (0.3 us) beats broadcast_to (2 us)
        out = xp_of(grad).empty(shape, dtype=grad.dtype)
        out.fill(grad)
        return out
    return xp_of(grad).broadcast_to(grad, tuple(shape))


def cast(grad, dtype):
    """``grad`` as NumPy dtype ``dtype`` (after an op that promoted its inputs)."""
    if isinstance(grad, Tensor):
        return grad.to(_dtype.from_numpy_dtype(dtype))
    return grad if grad.dtype == dtype else grad.astype(dtype)


def _array_or_tensor_function(name):
    """The function ``name`` for an array or a Tensor: ``exp(x)`` is ``np.exp(x)`` (or CuPy's)
    for an array, ``x.exp()`` (recorded) for a Tensor."""

    def fn(x):
        if isinstance(x, Tensor):
            return getattr(x, name)()
        return getattr(xp_of(x), name)(x)

    fn.__name__ = name
    return fn


exp, log, sin, cos, sign, sqrt = (
    _array_or_tensor_function(n) for n in ("exp", "log", "sin", "cos", "sign", "sqrt"))


def where(cond, a, b):
    """Elementwise choice; ``cond`` is a boolean array (a constant of the graph)."""
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        from .elementwise import where as twhere

        like = a if isinstance(a, Tensor) else b
        return twhere(as_tensor(cond, like), a, b)
    return xp_of(cond).where(cond, a, b)


def data_of(x):
    """The raw array behind a Tensor (or ``x`` itself)."""
    return x._data if isinstance(x, Tensor) else x


def zeros_like(x, shape=None, dtype=None):
    d = data_of(x)
    shape = d.shape if shape is None else shape
    return xp_of(d).zeros(shape, dtype=d.dtype if dtype is None else dtype)


def normalize_dims(dim, ndim):
    """``dim`` (int, tuple or None) as a sorted tuple of non-negative axes."""
    if dim is None:
        return tuple(range(ndim))
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    n = max(ndim, 1)
    out = []
    for d in dims:
        if not -n <= d < n:
            raise IndexError(
                f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], but got {d})"
            )
        out.append(d % n if ndim else 0)
    return tuple(sorted(set(out)))
