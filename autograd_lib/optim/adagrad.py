"""Adagrad: step sizes that shrink with the sum of all squared gradients seen so far."""

import autograd_lib

from .optimizer import Optimizer, check_nonnegative, step_dtype


class Adagrad(Optimizer):
    """Adagrad (Duchi, Hazan & Singer, 2011), in the order of PyTorch's implementation.

    For each parameter ``p`` with gradient ``g`` (``-g`` when ``maximize``; plus
    ``weight_decay * p`` when set), at step ``t``:

    * ``sum`` s = s + g * g                       (it only grows)
    * ``clr`` = lr / (1 + (t - 1) * lr_decay)
    * ``p = p - clr * g / (sqrt(s) + eps)``

    A coordinate that has seen large gradients slows down for good; one that rarely gets a
    gradient keeps large steps (good for sparse features). Unlike the other optimizers, its
    state exists from the start: ``sum`` starts at ``initial_accumulator_value``.
    """

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0,
                 initial_accumulator_value=0, eps=1e-10, foreach=None, *, maximize=False,
                 differentiable=False, fused=None):
        check_nonnegative(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                          initial_accumulator_value=initial_accumulator_value, eps=eps)
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, foreach=foreach,
                        maximize=maximize, differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                state = self.state[p]
                state["step"] = autograd_lib.tensor(0.0, dtype=step_dtype())
                state["sum"] = autograd_lib.full_like(p, initial_accumulator_value)

    def _update(self, p, group):
        state = self.state[p]
        state["step"].add_(1)
        step = state["step"].item()
        grad = -p.grad if group["maximize"] else p.grad
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * p

        clr = group["lr"] / (1 + (step - 1) * group["lr_decay"])
        state["sum"].add_(grad * grad)
        std = state["sum"].sqrt().add_(group["eps"])
        p.add_(-clr * grad / std)
