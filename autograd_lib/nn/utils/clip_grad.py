"""Gradient clipping: keep one bad batch from throwing the parameters far away.

Call it between ``loss.backward()`` and ``optimizer.step()``::

    loss.backward()
    nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    optimizer.step()
"""

import math

import autograd_lib
from autograd_lib.tensor import Tensor


def _grads(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def _norm(tensor, norm_type):
    if norm_type == math.inf:
        return tensor.abs().max()
    return tensor.norm(p=norm_type)


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scale all gradients together so that their joint norm is at most ``max_norm``.

    The joint norm is the norm of the vector of every gradient's norm (the same as the norm of
    all gradients concatenated). If it exceeds ``max_norm``, every gradient is multiplied, in
    place, by ``max_norm / (norm + 1e-6)``. Returns the norm before clipping.

    >>> p = nn.Parameter(autograd_lib.ones(3)); p.grad = autograd_lib.tensor([3.0, 4.0, 0.0])
    >>> nn.utils.clip_grad_norm_([p], 1.0), p.grad
    (tensor(5.), tensor([0.6000, 0.8000, 0.0000]))
    """
    grads = _grads(parameters)
    norm_type = float(norm_type)
    if not grads:
        return autograd_lib.tensor(0.0)
    with autograd_lib.no_grad():
        norms = autograd_lib.stack([_norm(g, norm_type) for g in grads])
        total_norm = _norm(norms, norm_type)
        if error_if_nonfinite and not bool(total_norm.isfinite()):
            raise RuntimeError(
                f"The total norm of order {norm_type} for gradients from `parameters` is "
                "non-finite, so it cannot be clipped. To disable this error and scale the "
                "gradients by the non-finite norm anyway, set `error_if_nonfinite=False`"
            )
        clip_coef = (max_norm / (total_norm + 1e-6)).clamp(max=1.0)
        for g in grads:
            g.mul_(clip_coef.to(g.device))
    return total_norm


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient element into ``[-clip_value, clip_value]``, in place."""
    with autograd_lib.no_grad():
        for g in _grads(parameters):
            g.clamp_(-clip_value, clip_value)
