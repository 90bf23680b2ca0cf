"""Adam and AdamW: gradient descent with per-parameter step sizes from running gradient
statistics."""

import autograd_lib

from .optimizer import Optimizer, check_nonnegative, step_dtype


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015), in the order of operations of PyTorch's implementation.

    For each parameter ``p`` with gradient ``g``, Adam keeps two running averages:

    * ``exp_avg``    m = beta1 * m + (1 - beta1) * g      (the mean of recent gradients)
    * ``exp_avg_sq`` v = beta2 * v + (1 - beta2) * g * g  (the mean of their squares)

    Both start at zero, so early on they are too small; dividing by ``1 - beta ** step``
    ("bias correction") fixes that. The update is then

        p = p - lr * m_hat / (sqrt(v_hat) + eps)

    so each coordinate moves about ``lr`` per step whatever the scale of its gradient.
    ``weight_decay`` adds ``weight_decay * p`` to ``g`` first (L2 penalty); with
    ``decoupled_weight_decay=True`` (AdamW) it shrinks ``p`` by ``lr * weight_decay * p``
    instead, apart from the gradient. ``amsgrad`` divides by the largest ``v`` seen so far
    instead of the current one.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False, fused=None, decoupled_weight_decay=False):
        check_nonnegative(lr=lr, eps=eps)
        if not 0.0 <= betas[0] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 0: {betas[0]}")
        if not 0.0 <= betas[1] < 1.0:
            raise ValueError(f"Invalid beta parameter at index 1: {betas[1]}")
        check_nonnegative(weight_decay=weight_decay)
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, maximize=maximize, foreach=foreach,
                        capturable=capturable, differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay)
        super().__init__(params, defaults)

    def _init_state(self, p, amsgrad):
        state = self.state[p]
        # PyTorch keeps the step count as a 0-d tensor on the CPU (float32; see step_dtype).
        state["step"] = autograd_lib.tensor(0.0, dtype=step_dtype())
        state["exp_avg"] = autograd_lib.zeros_like(p)
        state["exp_avg_sq"] = autograd_lib.zeros_like(p)
        if amsgrad:
            state["max_exp_avg_sq"] = autograd_lib.zeros_like(p)
        return state

    def _update(self, p, group):
        lr = group["lr"]
        beta1, beta2 = group["betas"]
        eps = group["eps"]
        weight_decay = group["weight_decay"]
        amsgrad = group["amsgrad"]

        state = self.state[p]
        if len(state) == 0:
            state = self._init_state(p, amsgrad)
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]

        grad = -p.grad if group["maximize"] else p.grad

        state["step"].add_(1)
        step = state["step"].item()

        if weight_decay != 0:
            if group["decoupled_weight_decay"]:
                p.mul_(1 - lr * weight_decay)  # AdamW: shrink p, apart from the gradient
            else:
                grad = grad + weight_decay * p

        # m = m + (1 - beta1) * (g - m), which is beta1 * m + (1 - beta1) * g  (PyTorch's lerp_)
        exp_avg.add_((1 - beta1) * (grad - exp_avg))
        # v = beta2 * v + (1 - beta2) * g * g
        exp_avg_sq.mul_(beta2).add_((1 - beta2) * grad * grad)

        bias_correction1 = 1 - beta1**step
        bias_correction2 = 1 - beta2**step
        step_size = lr / bias_correction1
        bias_correction2_sqrt = bias_correction2**0.5

        if amsgrad:
            max_exp_avg_sq = state["max_exp_avg_sq"]
            max_exp_avg_sq.copy_(autograd_lib.maximum(max_exp_avg_sq, exp_avg_sq))
            second_moment = max_exp_avg_sq
        else:
            second_moment = exp_avg_sq
        denom = (second_moment.sqrt() / bias_correction2_sqrt).add_(eps)

        # p = p - step_size * m / denom  (PyTorch's addcdiv_)
        p.add_(-step_size * exp_avg / denom)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter, 2019): each step first shrinks
    ``p`` by ``lr * weight_decay * p``, instead of adding ``weight_decay * p`` to the gradient
    (which Adam's scaling would then weaken). The default ``weight_decay`` is 0.01.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False, **implementation):
        # implementation: foreach, capturable, differentiable, fused (as for Adam)
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         decoupled_weight_decay=True, **implementation)
