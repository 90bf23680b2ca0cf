"""SGD: stochastic gradient descent, with optional momentum, Nesterov and weight decay."""

from .optimizer import Optimizer, check_nonnegative


class SGD(Optimizer):
    """Step downhill: ``p = p - lr * g``, where ``g`` is the gradient (plus extras below).

    For each parameter ``p`` with gradient ``p.grad``, in PyTorch's order:

    1. ``g = p.grad`` (``-p.grad`` when ``maximize=True``: climb instead);
    2. weight decay (L2 penalty): ``g = g + weight_decay * p``;
    3. momentum: keep a running "velocity" ``buf``. On the first step ``buf = g``; after that
       ``buf = momentum * buf + (1 - dampening) * g``. Then ``g = buf``, or with Nesterov
       ``g = g + momentum * buf`` (look ahead along the velocity);
    4. ``p = p - lr * g``, in place.

    The velocity buffer is kept in ``self.state[p]["momentum_buffer"]``.
    """

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False, *,
                 maximize=False, foreach=None, differentiable=False, fused=None):
        check_nonnegative(lr=lr, momentum=momentum, weight_decay=weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize, foreach=foreach,
                        differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)

    def _update(self, p, group):
        lr = group["lr"]
        momentum = group["momentum"]
        dampening = group["dampening"]
        weight_decay = group["weight_decay"]

        grad = -p.grad if group["maximize"] else p.grad

        if weight_decay != 0:
            grad = grad + weight_decay * p

        if momentum != 0:
            state = self.state[p]
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = grad.detach().clone()  # first step: the velocity is the gradient
                state["momentum_buffer"] = buf
            else:
                buf.mul_(momentum).add_((1 - dampening) * grad)
            if group["nesterov"]:
                grad = grad + momentum * buf
            else:
                grad = buf

        p.add_(-lr * grad)
