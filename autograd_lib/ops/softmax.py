"""softmax and log_softmax along a dimension, computed stably (subtract the max first).

softmax:      s = exp(x - max) / sum(exp(x - max))
              ds = s * (grad - sum(grad * s))               (the Jacobian-vector product)
log_softmax:  l = x - max - log(sum(exp(x - max)))
              dl = grad - exp(l) * sum(grad)
"""

from ..autograd.graph import Node, needs_grad, record
from ..tensor import Tensor
from . import _common as either  # backward formulas' helpers: each takes an array or a tensor
from ._common import normalize_dims, xp_of


def _floating(x):
    return x if x.dtype.kind == "f" else x.astype("float32")


class SoftmaxBackward0(Node):
    """s = softmax(x) along dim:  ds = (grad - sum(grad * s, dim)) * s."""

    __slots__ = ("dim",)

    def backward(self, grad, result):
        return ((grad - (grad * result).sum(axis=self.dim, keepdims=True)) * result,)


def softmax(input, dim=None, dtype=None):
    x = _floating(input._data if dtype is None else input._data.astype(dtype.np))
    d = normalize_dims(-1 if dim is None else dim, x.ndim)[0] if x.ndim else None
    xp = xp_of(x)
    e = xp.exp(x - x.max(axis=d, keepdims=True))
    out = Tensor._make(e / e.sum(axis=d, keepdims=True), False, None, input._dev)
    if needs_grad(input):
        node = SoftmaxBackward0(input)
        node.dim = d
        node.save_output(out)
        record(node, out)
    return out


class LogSoftmaxBackward0(Node):
    """l = log_softmax(x) along dim:  dl = grad - exp(l) * sum(grad, dim)."""

    __slots__ = ("dim",)

    def backward(self, grad, result):
        return (grad - either.exp(result) * grad.sum(axis=self.dim, keepdims=True),)


def log_softmax(input, dim=None, dtype=None):
    x = _floating(input._data if dtype is None else input._data.astype(dtype.np))
    d = normalize_dims(-1 if dim is None else dim, x.ndim)[0] if x.ndim else None
    xp = xp_of(x)
    shifted = x - x.max(axis=d, keepdims=True)
    out = Tensor._make(shifted - xp.log(xp.exp(shifted).sum(axis=d, keepdims=True)), False, None,
                       input._dev)
    if needs_grad(input):
        node = LogSoftmaxBackward0(input)
        node.dim = d
        node.save_output(out)
        record(node, out)
    return out
