"""``torch.autograd.functional``: derivatives of a whole function, not of a graph you built.

You hand over a Python function and the point to differentiate it at; each of these calls the
function once on fresh copies of the inputs (so the graph it builds is its own) and then asks
``autograd.grad`` for what you want:

* ``vjp(f, x, v)``: ``v^T J``, one backward pass.
* ``jacobian(f, x)``: the whole ``J``, one backward pass per output element (row by row).
* ``jvp(f, x, v)``: ``J v``, by the "double backward" trick PyTorch uses here: ``u -> u^T J`` is
  linear in ``u``, so differentiating it with respect to ``u`` in direction ``v`` gives ``J v``.
  (Forward mode proper is ``autograd_lib.autograd.forward_ad`` and ``autograd_lib.func.jvp``.)
* ``hessian(f, x)``, ``vhp(f, x, v)``, ``hvp(f, x, v)``: the same one level up, on the
  gradient of a scalar ``f``.

``inputs`` is a tensor or a tuple of tensors (the function receives them as positional
arguments); results mirror it: a tensor for a tensor, a tuple for a tuple. Results carry no
graph unless ``create_graph=True``. With ``strict=True``, an output that does not depend on an
input raises instead of giving zeros.

>>> import autograd_lib as torch
>>> from autograd_lib.autograd.functional import jacobian
>>> jacobian(lambda x: x ** 2, torch.tensor([1.0, 2.0]))
tensor([[2., 0.],
        [0., 4.]])
"""

from .. import grad_mode
from ..creation import zeros, zeros_like
from ..ops.shape import stack
from ..tensor import Tensor

__all__ = ["vjp", "jvp", "jacobian", "hessian", "vhp", "hvp"]


# -- inputs and outputs as tuples, and back --------------------------------------------------
def _as_tuple(value, what, fn):
    """``(was it a tuple?, the tensors as a tuple)``, or PyTorch's TypeError."""
    was_tuple = isinstance(value, tuple)
    values = value if was_tuple else (value,)
    for i, v in enumerate(values):
        if not isinstance(v, Tensor):
            where = f"value at index {i}" if was_tuple else f"given {what}"
            raise TypeError(
                f"The {what} given to {fn} must be either a Tensor or a tuple of Tensors but the "
                f"{where} has type {type(v)}."
            )
    return was_tuple, values


def _unpack(result, was_tuple):
    return result if was_tuple else result[0]


def _fresh(inputs, create_graph):
    """New tensor objects for the function to work on, requiring grad. With ``create_graph``, an
    input that requires grad stays connected (``view_as``), so the result can be differentiated
    again with respect to it; otherwise a detached copy."""
    return tuple(
        x.view_as(x) if create_graph and x.requires_grad else x.detach().requires_grad_(True)
        for x in inputs
    )


def _finish(tensors, create_graph):
    """Results without history unless the user asked for a graph (nested tuples allowed)."""
    if create_graph:
        return tensors
    return tuple(t.detach() if isinstance(t, Tensor) else _finish(t, False) for t in tensors)


# -- checks -----------------------------------------------------------------------------------
def _check_v(v, refs, refs_tuple):
    """``v`` must hold one tensor of the right size for each of ``refs``."""
    if len(v) != len(refs):
        if refs_tuple:
            raise RuntimeError(
                f"v is a tuple of invalid length: should be {len(refs)} but got {len(v)}."
            )
        raise RuntimeError("The given v should contain a single Tensor.")
    for i, (a, ref) in enumerate(zip(v, refs)):
        if a.shape != ref.shape:
            where = f"Entry {i} in " if refs_tuple else ""
            raise RuntimeError(
                f"{where}v has invalid size: should be {ref.size()} but got {a.size()}."
            )


def _call(func, inputs, create_graph, strict, fn):
    """``func`` called on fresh copies of ``inputs``: ``(was inputs a tuple, the copies, was the
    output a tuple, the outputs)``, the outputs checked (``strict``)."""
    in_tuple, inputs = _as_tuple(inputs, "inputs", fn)
    inputs = _fresh(inputs, create_graph)
    out_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided function", fn)
    _check_outputs(outputs, strict)
    return in_tuple, inputs, out_tuple, outputs


def _inputs_and_v(inputs, v, create_graph, fn):
    """For the products with ``v`` in input space (``jvp``, ``vhp``, ``hvp``): the inputs, fresh,
    and ``v`` checked against them (``None`` only for one input of one element)."""
    in_tuple, inputs = _as_tuple(inputs, "inputs", fn)
    inputs = _fresh(inputs, create_graph)
    if v is None:
        if len(inputs) != 1 or inputs[0].nelement() != 1:
            raise RuntimeError(
                "The vector v can only be None if the input to the user-provided function is a "
                "single Tensor with a single element."
            )
    else:
        _, v = _as_tuple(v, "v", fn)
        _check_v(v, inputs, in_tuple)
    return in_tuple, inputs, v


def _check_outputs(outputs, strict):
    if strict:
        for i, out in enumerate(outputs):
            if not out.requires_grad:
                raise RuntimeError(
                    f"Output {i} of the user-provided function does not require gradients. The "
                    "outputs must be computed in a differentiable manner from the input when "
                    "running in strict mode."
                )


def _scalar_output(outputs, fn):
    if len(outputs) != 1 or outputs[0].nelement() != 1:
        raise RuntimeError(
            f"The {fn} can only be None if the user-provided function returns a single Tensor "
            "with a single element."
        )


# -- the one call to autograd.grad, and its missing gradients ---------------------------------
def _grad(outputs, inputs, grad_outputs=None, create_graph=False, retain_graph=None):
    """``autograd.grad`` over the outputs that require grad; ``None`` for unused inputs."""
    from . import grad

    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o is not None and o.requires_grad]
    if not pairs:
        return (None,) * len(inputs)
    outs, gouts = zip(*pairs)
    return grad(outs, inputs, gouts, retain_graph=retain_graph, create_graph=create_graph,
                allow_unused=True)


def _zeros_for_missing(grads, refs, strict, message):
    """Zeros where an input got no gradient; when strict, ``message`` instead (a template whose
    ``{i}`` is the index of the input)."""
    out = []
    for i, (g, ref) in enumerate(zip(grads, refs)):
        if g is None:
            if strict:
                raise RuntimeError(message.format(i=i))
            g = zeros_like(ref)
        out.append(g)
    return tuple(out)


_INDEPENDENT = ("The output of the user-provided function is independent of input {i}. This is "
                "not allowed in strict mode.")


# -- the functions ------------------------------------------------------------------------------
def vjp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(*inputs), v^T J)``: the vector-Jacobian product, one backward pass.

    >>> import autograd_lib as torch
    >>> out, g = vjp(lambda x: x.sum(), torch.tensor([1.0, 2.0]))
    >>> g
    tensor([1., 1.])
    """
    with grad_mode.enable_grad():
        in_tuple, inputs, out_tuple, outputs = _call(func, inputs, create_graph, strict, "vjp")
        if v is None:
            _scalar_output(outputs, "vector v")
        else:
            _, v = _as_tuple(v, "v", "vjp")
            _check_v(v, outputs, out_tuple)
    with grad_mode.set_grad_enabled(create_graph):
        grads = _grad(outputs, inputs, v, create_graph)
        grads = _zeros_for_missing(grads, inputs, strict, _INDEPENDENT)
    return (_unpack(_finish(outputs, create_graph), out_tuple),
            _unpack(_finish(grads, create_graph), in_tuple))


def jvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(*inputs), J v)``: the Jacobian-vector product, by the double-backward trick.

    >>> import autograd_lib as torch
    >>> out, jv = jvp(lambda x: x ** 2, torch.tensor([1.0, 2.0]), torch.tensor([1.0, 1.0]))
    >>> jv
    tensor([2., 4.])
    """
    with grad_mode.enable_grad():
        in_tuple, inputs, v = _inputs_and_v(inputs, v, create_graph, "jvp")
        out_tuple, outputs = _as_tuple(func(*inputs), "outputs of the user-provided function",
                                       "jvp")
        _check_outputs(outputs, strict)
        # u -> u^T J is linear in u; its derivative in direction v is J v.
        u = tuple(zeros_like(out).requires_grad_(True) for out in outputs)
        uj = _grad(outputs, inputs, u, create_graph=True)
        if strict:  # no gradient at all, or one that does not depend on u
            for i, g in enumerate(uj):
                if g is None or not g.requires_grad:
                    raise RuntimeError(
                        f"The gradient with respect to input {i} is independent of the inputs "
                        "of the user-provided function. This is not allowed in strict mode."
                    )
    with grad_mode.set_grad_enabled(create_graph):
        jv = _grad(uj, u, v, create_graph)
        jv = _zeros_for_missing(jv, outputs, strict, _INDEPENDENT)
    return (_unpack(_finish(outputs, create_graph), out_tuple),
            _unpack(_finish(jv, create_graph), out_tuple))


def jacobian(func, inputs, create_graph=False, strict=False, vectorize=False,
             strategy="reverse-mode"):
    """The Jacobian of ``func`` at ``inputs``: for output ``i`` and input ``j``, a tensor of shape
    ``outputs[i].shape + inputs[j].shape``. One backward pass per output element.

    ``vectorize`` and ``strategy`` change only how PyTorch computes it (batched, or in forward
    mode); here the rows are always computed one backward pass at a time, with the same result.

    >>> import autograd_lib as torch
    >>> jacobian(lambda x, y: x * y, (torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0])))
    (tensor([[3., 0.],
            [0., 4.]]), tensor([[1., 0.],
            [0., 2.]]))
    """
    if strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError(
            'Expected strategy to be either "forward-mode" or "reverse-mode". Hint: If your '
            'function has more outputs than inputs, "forward-mode" tends to be more performant. '
            'Otherwise, prefer to use "reverse-mode".'
        )
    if strategy == "forward-mode":
        if create_graph:
            raise NotImplementedError(
                "torch.autograd.functional.jacobian: `create_graph=True` and `strategy=\"forward-"
                "mode\"` are not supported together (yet). Please either set `create_graph=False` "
                "or `strategy=\"reverse-mode\"`."
            )
        if strict:
            raise RuntimeError(
                "torch.autograd.functional.jacobian: `strict=True` and `strategy=\"forward-mode\"` "
                "are not supported together (yet). Please either set `strict=False` or "
                "`strategy=\"reverse-mode\"`."
            )
        if not vectorize:
            raise NotImplementedError(
                "Computing Jacobian using forward-AD or forward-over-reverse Hessian isonly "
                "implemented for `vectorize=True`."
            )
    if strict and vectorize:
        raise RuntimeError(
            "torch.autograd.functional.jacobian: `strict=True` and `vectorized=True` are not "
            "supported together. Please either set `strict=False` or `vectorize=False`."
        )
    with grad_mode.enable_grad():
        in_tuple, inputs, out_tuple, outputs = _call(func, inputs, create_graph, strict, "jacobian")
        jac = []
        for i, out in enumerate(outputs):
            rows = [[] for _ in inputs]  # rows[j]: d out.flat[k] / d inputs[j], k = 0, 1, ...
            flat = out.reshape(-1)
            for k in range(out.nelement()):
                grads = _grad((flat[k],), inputs, retain_graph=True, create_graph=create_graph)
                grads = _zeros_for_missing(grads, inputs, strict, f"Output {i} of the "
                                           "user-provided function is independent of input {i}. "
                                           "This is not allowed in strict mode.")
                if strict and create_graph:
                    for g in grads:
                        if not g.requires_grad:
                            raise RuntimeError(
                                "The jacobian of the user-provided function is independent of "
                                f"input {i}. This is not allowed in strict mode when "
                                "create_graph=True."
                            )
                for row, g in zip(rows, grads):
                    row.append(g)
            jac.append(tuple(stack(row).reshape(out.shape + x.shape) if row
                             else zeros(out.shape + x.shape, dtype=x.dtype, device=x.device)
                             for row, x in zip(rows, inputs)))
    jac = _finish(tuple(jac), create_graph)
    if not in_tuple:
        jac = tuple(j[0] for j in jac)
    return _unpack(jac, out_tuple)


def _scalar_function(func, fn, strict):
    """``func``, checked to return one tensor of one element (what a Hessian needs)."""

    def scalar(*inputs):
        out_tuple, out = _as_tuple(func(*inputs), "outputs of the user-provided function", fn)
        _check_outputs(out, strict)
        if out_tuple:
            raise RuntimeError(f"The function given to {fn} should return a single Tensor")
        if out[0].nelement() != 1:
            raise RuntimeError(
                f"The Tensor returned by the function given to {fn} should contain a single "
                "element"
            )
        return out[0].squeeze()

    return scalar


def hessian(func, inputs, create_graph=False, strict=False, vectorize=False,
            outer_jacobian_strategy="reverse-mode"):
    """The Hessian of a scalar ``func``: the Jacobian of its gradient. For inputs ``i`` and
    ``j``, a tensor of shape ``inputs[i].shape + inputs[j].shape``.

    >>> import autograd_lib as torch
    >>> hessian(lambda x: (x ** 3).sum(), torch.tensor([1.0, 2.0]))
    tensor([[ 6.,  0.],
            [ 0., 12.]])
    """
    in_tuple, inputs = _as_tuple(inputs, "inputs", "hessian")
    if outer_jacobian_strategy not in ("forward-mode", "reverse-mode"):
        raise AssertionError(
            'Expected strategy to be either "forward-mode" or "reverse-mode".'
        )
    scalar = _scalar_function(func, "hessian", strict)

    def gradient(*x):  # the function whose Jacobian is the Hessian
        grads = _grad((scalar(*x),), x, create_graph=True)
        return _zeros_for_missing(grads, x, strict, _INDEPENDENT)

    hess = jacobian(gradient, inputs, create_graph, strict, vectorize, outer_jacobian_strategy)
    return hess if in_tuple else hess[0][0]


def _vector_hessian(func, inputs, v, create_graph, strict, fn):
    """``(func(*inputs), v^T H)``; ``H`` is symmetric, so this is also ``H v``."""
    with grad_mode.enable_grad():
        in_tuple, inputs, v = _inputs_and_v(inputs, v, create_graph, fn)
        out = _scalar_function(func, fn, strict)(*inputs)
        jac = _grad((out,), inputs, create_graph=True)
        jac = _zeros_for_missing(
            jac, inputs, strict,
            "The output of the user-provided function is independent of input {i}. This is "
            "not allowed in strict mode.",
        )
    with grad_mode.set_grad_enabled(create_graph):
        vh = _grad(jac, inputs, v, create_graph)
        vh = _zeros_for_missing(
            vh, inputs, strict,
            "The hessian of the user-provided function with respect to input {i} is independent "
            "of the input. This is not allowed in strict mode.",
        )
    return (_finish((out,), create_graph)[0], _unpack(_finish(vh, create_graph), in_tuple))


def vhp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(*inputs), v^T H)``: a vector times the Hessian of a scalar ``func``.

    >>> import autograd_lib as torch
    >>> vhp(lambda x: (x ** 3).sum(), torch.tensor([1.0, 2.0]), torch.tensor([1.0, 1.0]))[1]
    tensor([ 6., 12.])
    """
    return _vector_hessian(func, inputs, v, create_graph, strict, "vhp")


def hvp(func, inputs, v=None, create_graph=False, strict=False):
    """``(func(*inputs), H v)``: the Hessian of a scalar ``func`` times a vector. The Hessian
    of a twice-differentiable function is symmetric, so this is ``vhp``'s ``v^T H`` (PyTorch
    computes it with one more backward pass; the values are the same).

    >>> import autograd_lib as torch
    >>> hvp(lambda x: (x ** 3).sum(), torch.tensor([1.0, 2.0]), torch.tensor([1.0, 0.0]))[1]
    tensor([6., 0.])
    """
    return _vector_hessian(func, inputs, v, create_graph, strict, "hvp")
