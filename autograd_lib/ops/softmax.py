"""softmax and log_softmax along a dimension, computed stably (subtract the max first).

softmax:      s = exp(x - max) / sum(exp(x - max))
              ds = s * (grad - sum(grad * s))               (the Jacobian-vector product)
log_softmax:  l = x - max - log(sum(exp(x - max)))
              dl = grad - exp(l) * sum(grad)

Both record themselves as ``autograd.Function.apply`` does (see ``record`` in
``autograd/graph.py``), in ``record_op`` (``_common.py``): the result tensor, then, if a
gradient is needed, the node, the dimension and the result it keeps, ``record``.
"""

from ..autograd.graph import Node
from ..tensor import Tensor
from . import _common as either  # backward formulas' helpers: each takes an array or a tensor
from ._common import normalize_dims, record_op, xp_of


def _shifted(input, dim, dtype, name):
    """``(x - max(x), d, xp)``: the input's array (as ``dtype``) minus its maximum along ``dim``
    (so that exp cannot overflow), ``dim`` as an axis (``None`` for a 0-d input), and the array
    module. An integer input without ``dtype=`` is refused, as PyTorch does (``name``: the op's
    name in PyTorch's message)."""
    x = input._data if dtype is None else input._data.astype(dtype.np)
    d = normalize_dims(-1 if dim is None else dim, x.ndim)[0] if x.ndim else None
    if x.dtype.kind != "f":
        kernel = f"{name}_lastdim_kernel_impl" if d in (None, x.ndim - 1) else f"{name}_kernel_impl"
        raise NotImplementedError(
            f'"{kernel}" not implemented for \'{input.dtype.scalar_type}\'')
    return x - x.max(axis=d, keepdims=True), d, xp_of(x)


class SoftmaxBackward0(Node):
    """s = softmax(x) along dim:  ds = (grad - sum(grad * s, dim)) * s."""

    __slots__ = ("dim",)
    _saved_names = ("result",)
    _saved_dim = property(lambda self: self.dim)

    def backward(self, grad, result):
        return ((grad - (grad * result).sum(axis=self.dim, keepdims=True)) * result,)

    def jvp(self, dx, x, result):  # the Jacobian is symmetric: the backward formula again
        return self.backward(dx, result)[0]


def softmax(input, dim=None, dtype=None, *, axis=None):
    shifted, d, xp = _shifted(input, dim if axis is None else axis, dtype, "softmax")
    e = xp.exp(shifted)
    out = Tensor._make(e / e.sum(axis=d, keepdims=True), False, None, input._dev)
    return record_op(SoftmaxBackward0, (input,), out, save_output=True, dim=d)


class LogSoftmaxBackward0(Node):
    """l = log_softmax(x) along dim:  dl = grad - exp(l) * sum(grad, dim)."""

    __slots__ = ("dim",)
    _saved_names = ("result",)
    _saved_dim = property(lambda self: self.dim)

    def backward(self, grad, result):
        return (grad - either.exp(result) * grad.sum(axis=self.dim, keepdims=True),)

    def jvp(self, dx, x, result):  # dl = dx - sum(softmax(x) * dx, dim)
        return dx - (either.exp(result) * dx).sum(axis=self.dim, keepdims=True)


def log_softmax(input, dim=None, dtype=None, *, axis=None):
    shifted, d, xp = _shifted(input, dim if axis is None else axis, dtype, "log_softmax")
    data = shifted - xp.log(xp.exp(shifted).sum(axis=d, keepdims=True))
    out = Tensor._make(data, False, None, input._dev)
    return record_op(LogSoftmaxBackward0, (input,), out, save_output=True, dim=d)
