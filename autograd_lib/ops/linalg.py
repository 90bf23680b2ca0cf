"""Matrix products: mm, matmul, dot, mv.

For C = A @ B, each C_ij = sum_k A_ik B_kj, so dL/dA = dL/dC @ B^T and dL/dB = A^T @ dL/dC.
Matrix-vector and batched products are the same rule with dimensions added and removed.

Every op records itself as ``autograd.Function.apply`` does (see ``record`` in
``autograd/graph.py``): the forward on arrays, then ``record_product``: the result tensor and,
if an input needs a gradient, the node, what its backward formula needs, and ``record``. dA
needs B and dB needs A, so each input is saved only if the *other* one needs a gradient (as in
PyTorch).
"""

from ..autograd.graph import Node, record
from ..tensor import Tensor
from ._common import _state, operands, sum_to, write_out


def _same_dtype(a, b, op):
    """Matrix products don't promote dtypes in PyTorch: they refuse mixed ones."""
    if a._data.dtype != b._data.dtype:
        x, y = a.dtype, b.dtype
        if op == "dot":
            raise RuntimeError(
                f"dot : expected both vectors to have same dtype, but found {x.scalar_type} "
                f"and {y.scalar_type}"
            )
        raise RuntimeError(
            f"expected m1 and m2 to have the same dtype, but got: {x.cpp_type} != {y.cpp_type}"
        )


def _mT(x):
    """Swap the last two dimensions (transpose of each matrix in a batch)."""
    return x.swapaxes(-1, -2)


class _Product(Node):
    """A node of a matrix product. ``shapes``: the inputs' shapes (``matmul``'s formula needs them
    to undo its broadcasting and its 1-D operands)."""

    __slots__ = ("shapes",)


def record_product(node_cls, input, other, data, dev):
    """The product of ``input`` and ``other`` (``data``: computed on the arrays, on device
    ``dev``) as a tensor, recorded if a gradient is needed. Every op here records itself this
    way: a ``node_cls`` node, the inputs' shapes, each input saved only if the other one needs a
    gradient, ``record``."""
    out = Tensor._make(data, False, None, dev)
    # needs_grad(input, other), spelled out: hot path
    if _state.enabled and (input._requires_grad or other._requires_grad):
        node = node_cls(input, other)
        node.shapes = (input._data.shape, other._data.shape)
        fa, fb = node._next
        node.save_for_backward(input if fb is not None else None, other if fa is not None else None)
        record(node, out)
    return out


class MmBackward0(_Product):
    """C = A @ B (matrices):   dA = grad @ B^T,   dB = A^T @ grad."""

    __slots__ = ()

    def backward(self, grad, a, b):
        return (
            None if b is None else grad @ _mT(b),
            None if a is None else _mT(a) @ grad,
        )


def mm(input, mat2):
    """Matrix product of two 2-D tensors."""
    if input.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if mat2.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    _same_dtype(input, mat2, "mm")
    a, b, dev, _ = operands(input, mat2)
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({a.shape[0]}x{a.shape[1]} and "
            f"{b.shape[0]}x{b.shape[1]})"
        )
    return record_product(MmBackward0, input, mat2, a @ b, dev)


class DotBackward0(_Product):
    """c = a . b (vectors):   da = grad * b,   db = grad * a."""

    __slots__ = ()

    def backward(self, grad, a, b):
        return (None if b is None else grad * b, None if a is None else grad * a)


def dot(input, other):
    """Inner product of two 1-D tensors."""
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(
            f"1D tensors expected, but got {input.ndim}D and {other.ndim}D tensors"
        )
    _same_dtype(input, other, "dot")
    a, b, dev, _ = operands(input, other)
    if a.shape != b.shape:
        raise RuntimeError(
            "inconsistent tensor size, expected tensor [{}] and src [{}] to have the same number "
            "of elements, but got {} and {} elements respectively".format(
                a.shape[0], b.shape[0], a.shape[0], b.shape[0])
        )
    return record_product(DotBackward0, input, other, a @ b, dev)  # 0-d: a NumPy scalar


class MvBackward0(_Product):
    """y = A @ v:   dA = outer(grad, v),   dv = A^T @ grad."""

    __slots__ = ()

    def backward(self, grad, a, v):
        return (
            None if v is None else grad.reshape((-1, 1)) * v.reshape((1, -1)),
            None if a is None else _mT(a) @ grad,
        )


def mv(input, vec):
    """Product of a 2-D tensor and a 1-D tensor."""
    _same_dtype(input, vec, "mv")
    a, b, dev, _ = operands(input, vec)
    return record_product(MvBackward0, input, vec, a @ b, dev)


class MatmulBackward0(_Product):
    """General ``@`` (vectors, matrices, broadcast batches): the mm rule on each matrix.

    1-D operands are treated as a row (left) or column (right) matrix and the added dimension is
    removed again; batch dimensions that were broadcast are summed back (``sum_to``).
    """

    __slots__ = ()

    def backward(self, grad, a, b):
        a_shape, b_shape = self.shapes
        if len(a_shape) == 1:
            grad = grad.reshape(tuple(grad.shape[:-1]) + (1, grad.shape[-1]))
        if len(b_shape) == 1:
            grad = grad.reshape(tuple(grad.shape) + (1,))
        da = db = None
        if b is not None:
            b2 = b.reshape((-1, 1)) if len(b_shape) == 1 else b
            da = grad @ _mT(b2)
            if len(a_shape) == 1:
                da = da.reshape(tuple(da.shape[:-2]) + (da.shape[-1],))
            da = sum_to(da, a_shape)
        if a is not None:
            a2 = a.reshape((1, -1)) if len(a_shape) == 1 else a
            db = _mT(a2) @ grad
            if len(b_shape) == 1:
                db = db.reshape(tuple(db.shape[:-1]))
            db = sum_to(db, b_shape)
        return (da, db)


def matmul(input, other, *, out=None):
    """``input @ other`` following NumPy/PyTorch rules for 1-D, 2-D and batched operands
    (``out``: written into that tensor)."""
    if out is not None:
        return write_out("matmul", out, matmul(input, other))
    if input.ndim == 0 or other.ndim == 0:
        raise RuntimeError(
            f"both arguments to matmul need to be at least 1D, but they are {input.ndim}D and "
            f"{other.ndim}D"
        )
    _same_dtype(input, other, "dot" if input.ndim == other.ndim == 1 else "mm")
    if input.ndim == 2 and other.ndim == 2:
        return mm(input, other)
    if input.ndim == 1 and other.ndim == 1:
        return dot(input, other)
    if input.ndim == 2 and other.ndim == 1:
        return mv(input, other)
    a, b, dev, _ = operands(input, other)
    try:
        data = a @ b
    except ValueError:
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to match: shapes "
            f"{list(a.shape)} and {list(b.shape)} cannot be multiplied"
        ) from None
    return record_product(MatmulBackward0, input, other, data, dev)


def bmm(input, mat2):
    if input.ndim != 3 or mat2.ndim != 3:
        raise RuntimeError("batch1 and batch2 must be 3D tensors")
    return matmul(input, mat2)


def outer(input, vec2):
    return input.reshape(-1, 1) * vec2.reshape(1, -1)
