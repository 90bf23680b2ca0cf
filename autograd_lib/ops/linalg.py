"""Matrix products: mm, matmul, dot, mv.

For C = A @ B, each C_ij = sum_k A_ik B_kj, so dL/dA = dL/dC @ B^T and dL/dB = A^T @ dL/dC.
Matrix-vector and batched products are the same rule with dimensions added and removed.

Every op records itself as ``autograd.Function.apply`` does (see ``record`` in
``autograd/graph.py``): the forward on arrays, then ``record_product``: the result tensor and,
if an input needs a gradient, the node, what its backward formula needs, and ``record``. dA
needs B and dB needs A, so each input is saved only if the *other* one needs a gradient (as in
PyTorch).
"""

import numpy as np

from ..autograd.graph import Node, needs_grad, record
from ..tensor import Tensor
from . import _common as either  # backward formulas' helpers: each takes an array or a tensor
from ._common import _dual, _state, forward, operands, sum_to, write_out, xp_of


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

    def jvp(self, da, db, a, b, result):  # the product rule, for every kind of product
        return matmul(da, b) + matmul(a, db)


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
    if _dual.active:  # forward-mode AD: the result's tangent (autograd/forward_ad.py)
        forward(node_cls, (input, other), out)
    return out


class MmBackward0(_Product):
    """C = A @ B (matrices):   dA = grad @ B^T,   dB = A^T @ grad."""

    __slots__ = ()
    _saved_names = ("self", "mat2")

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
    _saved_names = ("self", "tensor")

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
    _saved_names = ("self", "vec")

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
    _saved_names = ("self", "other")

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


# -- addmm ------------------------------------------------------------------------------------


class AddmmBackward0(Node):
    """Z = beta C + alpha A @ B:   dC = beta grad (summed to C's shape),
    dA = alpha grad @ B^T,   dB = alpha A^T @ grad."""

    __slots__ = ("shape", "alpha", "beta")
    _saved_names = ("mat1", "mat2")
    _saved_alpha = property(lambda self: self.alpha)
    _saved_beta = property(lambda self: self.beta)

    def backward(self, grad, a, b):
        need_c, need_a, need_b = self.needs_input_grad
        g = grad if self.alpha == 1 else grad * self.alpha
        dc = None
        if need_c:
            dc = sum_to(grad if self.beta == 1 else grad * self.beta, self.shape)
        return (dc, g @ _mT(b) if need_a else None, _mT(a) @ g if need_b else None)

    def jvp(self, dc, da, db, c, a, b, result):
        return self.beta * dc + self.alpha * (da @ b + a @ db)


def addmm(input, mat1, mat2, *, beta=1, alpha=1, out=None):
    """``beta * input + alpha * (mat1 @ mat2)`` (``input`` broadcast to the product's shape):
    what a linear layer computes, ``bias + x @ W.T``, in one op."""
    if out is not None:
        return write_out("addmm", out, addmm(input, mat1, mat2, beta=beta, alpha=alpha))
    product = mm(mat1.detach(), mat2.detach())._data
    _same_dtype(input, mat1, "mm")
    if input._dev is not mat1._dev:
        raise RuntimeError(
            "Expected all tensors to be on the same device, but found at least two devices, "
            f"{mat1._dev} and {input._dev}!")
    c = input._data
    data = alpha * product if alpha != 1 else product
    if beta != 0:
        data = (c if beta == 1 else beta * c) + data
    data = data.astype(product.dtype, copy=False)
    result = Tensor._make(data, False, None, mat1._dev)
    if needs_grad(input, mat1, mat2):
        node = AddmmBackward0(input, mat1, mat2)
        node.shape, node.alpha, node.beta = c.shape, alpha, beta
        node.save_for_backward(mat1, mat2)
        record(node, result)
    if _dual.active:  # forward-mode AD: the result's tangent (autograd/forward_ad.py)
        forward(AddmmBackward0, (input, mat1, mat2), result, alpha=alpha, beta=beta)
    return result


# -- einsum -----------------------------------------------------------------------------------


def _einsum_specs(equation, shapes):
    """``(input specs, output spec)`` of an einsum equation, one letter per dimension: ``...``
    becomes upper-case letters (those letters are not allowed otherwise here), and a missing
    output is NumPy's and PyTorch's implicit one (the ``...`` dimensions, then the letters seen
    once, in alphabetical order)."""
    equation = equation.replace(" ", "")
    lhs, arrow, rhs = equation.partition("->")
    specs = lhs.split(",")
    if len(specs) != len(shapes):
        raise ValueError("einsum(): more operands were provided than specified in the equation"
                         if len(shapes) > len(specs) else
                         "einsum(): fewer operands were provided than specified in the equation")
    ellipsis_dims = 0
    for i, (spec, shape) in enumerate(zip(specs, shapes)):
        if "..." in spec:
            n = len(shape) - (len(spec) - 3)
            ellipsis_dims = max(ellipsis_dims, n)
            specs[i] = spec.replace("...", "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[26 - n:])
    if not arrow:
        letters = "".join(specs)
        rhs = "".join(sorted(c for c in set(letters) if c.islower() and letters.count(c) == 1))
        rhs = "..." + rhs if ellipsis_dims else rhs
    rhs = rhs.replace("...", "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[26 - ellipsis_dims:])
    return specs, rhs


class EinsumBackward0(Node):
    """Z = einsum("ij,jk->ik", A, B):   dA = einsum("ik,jk->ij", dZ, B), and so on for every
    operand: the gradient of one operand is the einsum of the output's gradient with the other
    operands, into that operand's subscripts. A letter only that operand has (it was summed
    away) gets the gradient copied along it; a repeated letter (a diagonal, ``"ii"``) gets it on
    that diagonal only (an einsum with an identity matrix)."""

    __slots__ = ("specs", "out_spec", "sizes")

    def backward(self, grad, *operands):
        grads = []
        for i, need in enumerate(self.needs_input_grad):
            # (an operand broadcast along a size-1 subscript: its gradient summed back)
            g = self._grad_of(i, grad, operands) if need else None
            grads.append(None if g is None else sum_to(g, tuple(operands[i].shape)))
        return tuple(grads)

    def jvp(self, *args):  # (dx1, ..., x1, ..., result): the product rule, one term per operand
        n = len(args) // 2
        tangents, operands = args[:n], args[n:2 * n]
        equation = ",".join(self.specs) + "->" + self.out_spec
        terms = [einsum(equation, *operands[:i], tangents[i], *operands[i + 1:]) for i in range(n)]
        return sum(terms[1:], terms[0])

    def _grad_of(self, i, grad, operands):
        spec = self.specs[i]
        others = [(s, op) for j, (s, op) in enumerate(zip(self.specs, operands)) if j != i]
        seen = self.out_spec + "".join(s for s, _ in others)
        unique = "".join(dict.fromkeys(spec))
        kept = "".join(c for c in unique if c in seen)
        terms = [self.out_spec] + [s for s, _ in others]
        values = [grad] + [either.expand_to(op, tuple(self.sizes[c] for c in s))
                           for s, op in others]  # as the forward saw them (broadcast)
        g = _einsum_any(",".join(terms) + "->" + kept, values)
        if kept != unique:  # letters summed away in the forward: the gradient is copied along
            g = either.expand_to(g.reshape(tuple(self.sizes[c] if c in kept else 1
                                                 for c in unique)),
                                 tuple(self.sizes[c] for c in unique))
        if unique == spec:
            return g
        # a repeated letter: put the gradient on the diagonal, one identity matrix per repeat
        fresh = iter("abcdefghijklmnopqrstuvwxyz".translate(str.maketrans("", "", seen + spec)))
        target, eyes = "", []
        for pos, c in enumerate(spec):
            if c in spec[:pos]:
                f = next(fresh)
                target += f
                data = either.data_of(g)  # an identity matrix on g's device
                eyes.append((c + f, xp_of(data).eye(self.sizes[c], dtype=data.dtype)))
            else:
                target += c
        eq = ",".join([unique] + [s for s, _ in eyes]) + "->" + target
        return _einsum_any(eq, [g] + [e for _, e in eyes])


def _einsum_any(equation, values):
    """einsum on arrays (not recorded) or, if one is a tensor, on tensors (recorded)."""
    like = next((v for v in values if isinstance(v, Tensor)), None)
    if like is not None:
        return einsum(equation, *(either.as_tensor(v, like) for v in values))
    return xp_of(values[0]).einsum(equation, *values)


def einsum(equation, *operands):
    """Sums of products named by subscripts, as in NumPy: ``einsum("ij,jk->ik", A, B)`` is
    ``A @ B``, ``einsum("ii", A)`` the trace, ``einsum("bi,bi->b", x, y)`` row-wise dot products.

        >>> autograd_lib.einsum("i,i->", autograd_lib.tensor([1.0, 2.0]),
        ...                     autograd_lib.tensor([3.0, 4.0]))
        tensor(11.)
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    specs, out_spec = _einsum_specs(equation, [t.shape for t in operands])
    sizes = {}  # each subscript's size; one of size 1 is broadcast to the others' size
    for j, (spec, t) in enumerate(zip(specs, operands)):
        for c, n in zip(spec, t.shape):
            seen = sizes.setdefault(c, n)
            if n != seen and 1 not in (n, seen):
                raise RuntimeError(
                    f"einsum(): subscript {c} has size {n} for operand {j} which does not "
                    f"broadcast with previously seen size {seen}")
            sizes[c] = max(n, seen)
    xp = xp_of(operands[0]._data)
    arrays = [xp.broadcast_to(t._data, tuple(sizes[c] for c in spec))
              for spec, t in zip(specs, operands)]
    data = xp.einsum(",".join(specs) + "->" + out_spec, *arrays)
    if xp is np and isinstance(data, np.ndarray) and data.ndim == 0:
        data = data[()]
    out = Tensor._make(data, False, None, operands[0]._dev)
    if needs_grad(*operands):
        node = EinsumBackward0(*operands)
        node.specs, node.out_spec, node.sizes = specs, out_spec, sizes
        node.save_for_backward(*operands)
        record(node, out)
    if _dual.active:  # forward-mode AD: the result's tangent (autograd/forward_ad.py)
        forward(EinsumBackward0, operands, out, specs=specs, out_spec=out_spec)
    return out
