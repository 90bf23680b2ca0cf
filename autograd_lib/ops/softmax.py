"""softmax and log_softmax along a dimension, computed stably (subtract the max first).

softmax:      s = exp(x - max) / sum(exp(x - max))
              ds = s * (grad - sum(grad * s))               (the Jacobian-vector product)
log_softmax:  l = x - max - log(sum(exp(x - max)))
              dl = grad - exp(l) * sum(grad)

Both record themselves as ``autograd.Function.apply`` does (see ``record`` in
``autograd/graph.py``), in ``_record_softmax``: the result tensor, then, if a gradient is
needed, the node, the dimension and the result it keeps, ``record``.
"""

from ..autograd.graph import Node, needs_grad, record
from ..tensor import Tensor
from . import _common as either  # backward formulas' helpers: each takes an array or a tensor
from ._common import _dual, forward, normalize_dims, xp_of


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


def _record_softmax(node_cls, input, data, d):
    """The result (``data``) as a tensor, recorded if a gradient is needed: a ``node_cls`` node
    that keeps the dimension ``d`` and the result. Both ops record themselves here, with the
    steps of ``record`` in ``autograd/graph.py``."""
    out = Tensor._make(data, False, None, input._dev)
    if needs_grad(input):
        node = node_cls(input)
        node.dim = d
        node.save_output(out)
        record(node, out)
    if _dual.active:  # forward-mode AD: the result's tangent (autograd/forward_ad.py)
        forward(node_cls, (input,), out, dim=d)
    return out


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
    return _record_softmax(SoftmaxBackward0, input, e / e.sum(axis=d, keepdims=True), d)


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
    return _record_softmax(LogSoftmaxBackward0, input, data, d)
