"""RMSprop: divide each gradient by a running root-mean-square of its recent values."""

import autograd_lib

from .optimizer import Optimizer, check_nonnegative, step_dtype


class RMSprop(Optimizer):
    """RMSprop (Hinton's lecture notes, 2012), in the order of PyTorch's implementation.

    For each parameter ``p`` with gradient ``g`` (``-g`` when ``maximize``; plus
    ``weight_decay * p`` when set):

    * ``square_avg`` v = alpha * v + (1 - alpha) * g * g   (the mean of recent squares)
    * ``avg`` = sqrt(v) + eps; with ``centered``, sqrt(v - m * m) + eps, where ``grad_avg``
      m = alpha * m + (1 - alpha) * g estimates the mean (so ``avg`` is a standard deviation)
    * ``p = p - lr * g / avg``; with ``momentum``, ``buf = momentum * buf + g / avg`` and
      ``p = p - lr * buf``.

    So a coordinate whose gradients are large takes small steps, and the other way round.
    """

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False,
                 differentiable=False):
        check_nonnegative(lr=lr, eps=eps, momentum=momentum, weight_decay=weight_decay,
                          alpha=alpha)
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, capturable=capturable, foreach=foreach,
                        maximize=maximize, differentiable=differentiable)
        super().__init__(params, defaults)

    def _init_state(self, p, group):
        state = self.state[p]
        state["step"] = autograd_lib.tensor(0.0, dtype=step_dtype())
        state["square_avg"] = autograd_lib.zeros_like(p)
        if group["momentum"] > 0:
            state["momentum_buffer"] = autograd_lib.zeros_like(p)
        if group["centered"]:
            state["grad_avg"] = autograd_lib.zeros_like(p)
        return state

    def _update(self, p, group):
        alpha = group["alpha"]
        state = self.state[p]
        if len(state) == 0:
            state = self._init_state(p, group)
        square_avg = state["square_avg"]

        grad = -p.grad if group["maximize"] else p.grad
        state["step"].add_(1)
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * p

        square_avg.mul_(alpha).add_((1 - alpha) * grad * grad)
        if group["centered"]:
            grad_avg = state["grad_avg"]
            grad_avg.add_((1 - alpha) * (grad - grad_avg))  # PyTorch's lerp_
            avg = (square_avg - grad_avg * grad_avg).sqrt()
        else:
            avg = square_avg.sqrt()
        avg = avg.add_(group["eps"])

        if group["momentum"] > 0:
            buf = state["momentum_buffer"]
            buf.mul_(group["momentum"]).add_(grad / avg)
            p.add_(-group["lr"] * buf)
        else:
            p.add_(-group["lr"] * grad / avg)
