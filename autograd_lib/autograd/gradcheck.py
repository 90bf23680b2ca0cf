"""``gradcheck``: compare autograd's gradients with finite differences.

For each input element x_j, the numerical derivative is the central difference

    (f(x + eps e_j) - f(x - eps e_j)) / (2 eps)

whose error shrinks like eps^2. Autograd's derivative (the analytical Jacobian) is built one
row at a time with ``autograd.grad`` and a one-hot ``grad_outputs``. If the two Jacobians differ
by more than ``atol + rtol * |numerical|`` anywhere, ``gradcheck`` says where and by how much.
Use float64 inputs: in float32 round-off swamps the comparison.

``check_forward_ad=True`` also checks forward mode: the Jacobian built one column at a time,
each the tangent of the output for a one-hot tangent of the input (``forward_ad``), against
the same central differences.
"""

import warnings

import numpy as np

from ..backend import to_device
from ..creation import tensor
from ..tensor import Tensor


class GradcheckError(RuntimeError):
    """Raised by ``gradcheck`` when analytical and numerical gradients disagree."""


def _outputs(fn, inputs):
    out = fn(*inputs)
    return (out,) if isinstance(out, Tensor) else tuple(out)


def _numerical(fn, inputs, i, out_index, eps):
    x = inputs[i]
    data = x._host()
    flat = data.reshape(-1)
    out0 = _outputs(fn, inputs)[out_index]
    jac = np.zeros((flat.size, out0.numel()))
    for j in range(flat.size):
        orig = flat[j]
        values = []
        for delta in (eps, -eps):
            flat[j] = orig + delta
            _store(x, data)
            values.append(_outputs(fn, inputs)[out_index]._host().astype(np.float64).reshape(-1))
        flat[j] = orig
        _store(x, data)
        jac[j] = (values[0] - values[1]) / (2 * eps)
    return jac


def _store(x, host_array):
    x._write(host_array if x._dev.type == "cpu" else to_device(host_array, x._dev))


def _analytical(fn, inputs, i, out_index):
    from . import grad

    out = _outputs(fn, inputs)[out_index]
    n_in, n_out = inputs[i].numel(), out.numel()
    jac = np.zeros((n_in, n_out))
    if not out.requires_grad:  # the output does not depend on any input: all zeros
        return jac
    for k in range(n_out):
        seed = np.zeros(n_out)
        seed[k] = 1.0
        seed_t = Tensor._make(seed.reshape(out._data.shape).astype(out._data.dtype))
        if out._dev.type != "cpu":
            seed_t = seed_t.to(device=out._dev)
        (g,) = grad(out, inputs[i], seed_t, retain_graph=True, allow_unused=True)
        if g is not None:
            jac[:, k] = g._host().astype(np.float64).reshape(-1)
    return jac


def _forward(fn, inputs, i, out_index):
    """The Jacobian of output ``out_index`` with respect to input ``i`` by forward mode: row
    ``j`` is the output's tangent when input ``i`` has the one-hot tangent ``e_j``."""
    from .forward_ad import dual_level, make_dual, unpack_dual

    x = inputs[i]
    n_out = _outputs(fn, inputs)[out_index].numel()
    jac = np.zeros((x.numel(), n_out))
    for j in range(x.numel()):
        seed = np.zeros(x.numel(), dtype=x._data.dtype)
        seed[j] = 1
        tangent = Tensor._make(seed.reshape(x._data.shape)).to(device=x._dev)
        with dual_level():
            args = list(inputs)
            args[i] = make_dual(x, tangent)
            t = unpack_dual(_outputs(fn, args)[out_index]).tangent
            if t is not None:
                jac[j] = t._host().astype(np.float64).reshape(-1)
    return jac


def gradcheck(fn, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True,
              check_forward_ad=False, check_backward_ad=True, **_ignored):
    """True if autograd's gradients of ``fn(*inputs)`` match central differences
    (``check_forward_ad``: forward mode's too; ``check_backward_ad=False``: only those).

    On a mismatch, raises ``GradcheckError`` (or returns False with ``raise_exception=False``)
    with both Jacobians and the largest difference, so you can see which entry is wrong.
    """
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    checked = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not checked:
        raise ValueError("gradcheck expects at least one input tensor to require gradient, but "
                         "none of the them have requires_grad=True.")
    for i in checked:
        if inputs[i].dtype.name != "float64":
            warnings.warn(
                f"Input #{i} requires gradient and is not a double precision floating point. "
                "This check will likely fail if all the inputs are not of double precision "
                "floating point. ",
                UserWarning,
                stacklevel=2,
            )
    n_outputs = len(_outputs(fn, inputs))
    modes = [(_analytical, "")] if check_backward_ad else []
    if check_forward_ad:
        modes.append((_forward, " computed with forward mode"))
    for o in range(n_outputs):
        for i in checked:
            numerical = _numerical(fn, inputs, i, o, eps)
            for jacobian, how in modes:
                if not _check(numerical, jacobian(fn, inputs, i, o), o, i, how, atol, rtol,
                              raise_exception):
                    return False
    return True


def _check(numerical, analytical, o, i, how, atol, rtol, raise_exception):
    """Do the two Jacobians agree? If not: raise (or return False) with where they differ."""
    if np.allclose(analytical, numerical, rtol=rtol, atol=atol):
        return True
    diff = np.abs(analytical - numerical)
    j, k = np.unravel_index(np.argmax(diff), diff.shape)
    message = (
        f"Jacobian{how} mismatch for output {o} with respect to input {i},\n"
        f"numerical:{_show(numerical)}\nanalytical:{_show(analytical)}\n\n"
        f"The largest difference is {diff[j, k]:.6g}, for the derivative of output "
        f"element {k} with respect to input element {j} "
        f"(numerical {numerical[j, k]:.6g},"
        f" analytical {analytical[j, k]:.6g}); allowed: atol={atol} + rtol={rtol} "
        "* |numerical|."
    )
    if raise_exception:
        raise GradcheckError(message)
    return False


def _show(jac):
    return repr(tensor(jac, dtype=None))


def gradgradcheck(fn, inputs, grad_outputs=None, *, eps=1e-6, atol=1e-5, rtol=1e-3,
                  raise_exception=True, **_ignored):
    """Check second derivatives: ``gradcheck`` of the first derivative
    ``(x, v) -> grad(fn(x), x, v, create_graph=True)``, with respect to the inputs ``x`` and to
    the output gradients ``v`` (random unless given), as PyTorch's ``gradgradcheck`` does.
    """
    from . import grad

    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    if grad_outputs is None:
        rng = np.random.default_rng(0)
        grad_outputs = [
            Tensor._make(rng.standard_normal(o._data.shape).astype(o._data.dtype)).to(
                device=o._dev) for o in _outputs(fn, inputs)
        ]
    else:
        grad_outputs = (grad_outputs,) if isinstance(grad_outputs, Tensor) else grad_outputs
    grad_outputs = tuple(v.detach().requires_grad_(True) for v in grad_outputs)
    n = len(inputs)

    def first_derivative(*args):
        xs, vs = args[:n], args[n:]
        d_inputs = [x for x in xs if isinstance(x, Tensor) and x.requires_grad]
        grads = grad(_outputs(fn, xs), d_inputs, vs, create_graph=True, allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(first_derivative, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
