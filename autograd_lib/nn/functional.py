"""nn.functional: the layers' computations as plain functions (no parameters stored).

``import autograd_lib.nn.functional as F`` then ``F.relu(x)``, ``F.cross_entropy(logits, y)``.

Some functions are a few tensor operations, and autograd differentiates them for free
(``linear``, ``dropout``, ``softmax`` ...). The ones PyTorch computes as one operation of its
own (the losses, ``gelu``, ``silu``, ``softplus``, ``leaky_relu``, ``layer_norm``,
``embedding``) are one ``autograd.Function`` here too, whose node carries PyTorch's name, so
``print(loss)`` shows ``grad_fn=<MseLossBackward0>`` as in PyTorch. Each writes its derivative
next to its forward, with tensor operations, so it can be differentiated again. ``_Erf`` and
``_Log1p`` are erf (which NumPy lacks) and log1p as single operations.
"""

import functools
import math
import warnings

import numpy as np

import autograd_lib
from autograd_lib.autograd import Function
from autograd_lib.autograd.graph import Node
from autograd_lib.backend import module_of
from autograd_lib.tensor import Tensor

_REDUCTIONS = ("none", "mean", "sum")


def _no_grad_argument(tensor, function, argument):
    """PyTorch's rule for a loss's ``weight`` or ``pos_weight``: it cannot require grad."""
    if tensor is not None and tensor.requires_grad:
        raise RuntimeError(
            f"The function '{function}' is not differentiable with respect to argument "
            f"'{argument}'. This input cannot have requires_grad True."
        )


def _weighted(losses, weight):
    """``losses * weight`` (``weight`` may be None)."""
    return losses if weight is None else losses * weight


def _reduce(losses, reduction):
    """Apply a loss's ``reduction``: keep every element, average them, or add them up."""
    if reduction == "none":
        return losses
    if reduction == "mean":
        return losses.mean()
    if reduction == "sum":
        return losses.sum()
    raise ValueError(f"{reduction} is not a valid value for reduction")


def _named_like_pytorch(function, name):
    """Give the nodes of ``function`` PyTorch's name for the same operation, so that
    ``loss.grad_fn`` prints as PyTorch's does: ``<BinaryCrossEntropyWithLogitsBackward0 ...>``."""
    function._backward_cls = type(name, (function._backward_cls,), {"__repr__": Node.__repr__})
    return function


# ---------------------------------------------------------------------------------------------
# Layers.
# ---------------------------------------------------------------------------------------------


def linear(input, weight, bias=None):
    """``input @ weight.T + bias``: weight has shape (out_features, in_features)."""
    output = input @ weight.t()
    if bias is not None:
        output = output + bias
    return output


# ---------------------------------------------------------------------------------------------
# Activations.
# ---------------------------------------------------------------------------------------------


def relu(input, inplace=False):
    """max(0, x), elementwise."""
    return input.relu_() if inplace else input.relu()


def sigmoid(input):
    """1 / (1 + exp(-x)), elementwise: squashes to (0, 1)."""
    return input.sigmoid()


def tanh(input):
    """tanh(x), elementwise: squashes to (-1, 1)."""
    return input.tanh()


def _softmax_dim(ndim):
    # PyTorch's old guess when no dim is given (deprecated; always pass dim).
    warnings.warn(
        "Implicit dimension choice for softmax has been deprecated. "
        "Change the call to include dim=X as an argument.",
        stacklevel=3,
    )
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None):
    """exp(x) / exp(x).sum(dim): turn scores into probabilities that sum to 1 along ``dim``."""
    if dim is None:
        dim = _softmax_dim(input.dim())
    return input.softmax(dim)


def log_softmax(input, dim=None):
    """log(softmax(x)), computed stably as x - max - log(sum(exp(x - max)))."""
    if dim is None:
        dim = _softmax_dim(input.dim())
    return input.log_softmax(dim)


# ---------------------------------------------------------------------------------------------
# Losses.
# ---------------------------------------------------------------------------------------------


def mse_loss(input, target, reduction="mean"):
    """Mean squared error: ``((input - target) ** 2).mean()``."""
    if target.shape != input.shape:
        warnings.warn(
            f"Using a target size ({target.shape}) that is different to the input size "
            f"({input.shape}). This will likely lead to incorrect results due to "
            "broadcasting. Please ensure they have the same size.",
            stacklevel=2,
        )
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return _MseLoss.apply(input, target, reduction)


def nll_loss(input, target, reduction="mean"):
    """Negative log-likelihood: ``-input[i, target[i]]``, averaged over the batch.

    ``input`` holds log-probabilities of shape (N, C) (or (C,) for one sample) and ``target``
    the index of the correct class of each sample, shape (N,) (or a 0-d tensor).
    """
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if input.dim() not in (1, 2):
        raise ValueError(f"Expected 1 or 2 dimensions for input (got {input.dim()})")
    if input.dim() == 2 and target.shape[0] != input.shape[0]:
        raise ValueError(
            f"Expected input batch_size ({input.shape[0]}) to match target batch_size "
            f"({target.shape[0]})."
        )
    return _NllLoss.apply(input, target, reduction)


@functools.partial(_named_like_pytorch, name="MseLossBackward0")
class _MseLoss(Function):
    """The loss as one node, with PyTorch's formula: d/dx = norm * (x - t), d/dt = -d/dx, where
    norm is 2 / (number of elements) for the mean, 2 otherwise."""

    @staticmethod
    def forward(ctx, x, t, reduction):
        ctx.save_for_backward(x, t)
        ctx.save_for_forward(x, t)
        difference = x - t
        ctx.norm = 2 / difference.numel() if reduction == "mean" else 2
        ctx.reduction = reduction
        return _reduce(difference**2, reduction)

    @staticmethod
    def backward(ctx, grad_output):
        x, t = ctx.saved_tensors
        grad = ctx.norm * (x - t) * grad_output
        return grad, -grad, None

    @staticmethod
    def jvp(ctx, tx, tt, _):  # forward mode: the reduction of 2 (x - t) (dx - dt)
        x, t = ctx.saved_tensors
        return _reduce(2 * (x - t) * (tx - tt), ctx.reduction)


@functools.partial(_named_like_pytorch, name="NllLossBackward0")
class _NllLoss(Function):
    """The loss as one node (PyTorch's NllLossBackward0): ``-input[i, target[i]]``; its
    gradient is ``-1`` at each sample's target class (``/ N`` for the mean), 0 elsewhere."""

    @staticmethod
    def forward(ctx, input, target, reduction):
        ctx.save_for_backward(target)
        ctx.save_for_forward(target)
        ctx.reduction, ctx.num_classes = reduction, input.shape[-1]
        if input.dim() == 1:  # a single sample
            return _reduce(-input[target], reduction)
        rows = autograd_lib.arange(input.shape[0], device=input.device)
        picked = input[rows, target]  # picked[i] = input[i, target[i]]
        ctx.count = picked.numel()
        return _reduce(-picked, reduction)

    @staticmethod
    def backward(ctx, grad_output):
        (target,) = ctx.saved_tensors
        is_target = one_hot(target, ctx.num_classes).to(grad_output.dtype)
        if ctx.reduction == "none" and target.dim() == 1:
            grad_output = grad_output.unsqueeze(-1)  # one per sample, along its row
        elif ctx.reduction == "mean" and target.dim() == 1:
            grad_output = grad_output / ctx.count
        return -grad_output * is_target, None, None

    @staticmethod
    def jvp(ctx, t_input, t_target, _):  # linear in the input: the loss of the tangent
        (target,) = ctx.saved_tensors
        return _NllLoss.forward(ctx, t_input, target, ctx.reduction)


def cross_entropy(input, target, reduction="mean"):
    """Cross-entropy of logits (N, C) against class indices (N,): ``nll_loss(log_softmax)``.

    Takes raw scores (logits), not probabilities: the softmax is inside, done stably.
    """
    class_dim = 0 if input.dim() == 1 else 1
    return nll_loss(log_softmax(input, class_dim), target, reduction=reduction)


def binary_cross_entropy(input, target, weight=None, reduction="mean"):
    """Binary cross-entropy of probabilities ``input`` in [0, 1] against targets in [0, 1]:
    ``-(target * log(input) + (1 - target) * log(1 - input))``.

    As in PyTorch, each log is clamped at -100, so a probability of exactly 0 or 1 gives a
    large finite loss instead of ``inf``. Prefer ``binary_cross_entropy_with_logits`` on raw
    scores: it is the same loss, computed stably.

    >>> F.binary_cross_entropy(autograd_lib.tensor([0.8, 0.1]), autograd_lib.tensor([1.0, 0.0]))
    tensor(0.1643)
    """
    if target.shape != input.shape:
        raise ValueError(
            f"Using a target size ({target.shape}) that is different to the input size "
            f"({input.shape}) is deprecated. Please ensure they have the same size."
        )
    if bool(((input < 0) | (input > 1)).sum()):
        raise RuntimeError("all elements of input should be between 0 and 1")
    _no_grad_argument(weight, "binary_cross_entropy", "weight")
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return _BinaryCrossEntropy.apply(input, target, weight, reduction)


_BCE_EPSILON = float(np.float32(1e-12))  # PyTorch's EPSILON, a C float even for float64


@functools.partial(_named_like_pytorch, name="BinaryCrossEntropyBackward0")
class _BinaryCrossEntropy(Function):
    """The loss as one node, with PyTorch's gradient ``(p - y) / max(p (1 - p), 1e-12)``.

    Differentiating the clamped logs instead would give ``0 * inf = nan`` at p = 0 or 1;
    PyTorch's formula gives a large finite number there.
    """

    @staticmethod
    def forward(ctx, p, y, weight, reduction):
        ctx.save_for_backward(p, y, weight)
        ctx.save_for_forward(p, y, weight)
        ctx.reduction = reduction
        losses = -(y * p.log().clamp(min=-100) + (1 - y) * (1 - p).log().clamp(min=-100))
        return _reduce(_weighted(losses, weight), reduction)

    @staticmethod
    def backward(ctx, grad_output):
        p, y, weight = ctx.saved_tensors
        if ctx.reduction == "mean":
            grad_output = grad_output / p.numel()
        grad_p = grad_output * (p - y) / (p * (1 - p)).clamp(min=_BCE_EPSILON)
        grad_y = grad_output * ((1 - p).log() - p.log())  # not clamped: inf at p = 0 or 1
        return _weighted(grad_p, weight), _weighted(grad_y, weight), None, None

    @staticmethod
    def jvp(ctx, tp, ty, tweight, _):  # the same derivatives, times the tangents, reduced
        p, y, weight = ctx.saved_tensors
        dp = (p - y) / (p * (1 - p)).clamp(min=_BCE_EPSILON)
        dy = (1 - p).log() - p.log()
        return _reduce(_weighted(dp * tp + dy * ty, weight), ctx.reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, reduction="mean",
                                     pos_weight=None):
    """Binary cross-entropy of raw scores (logits): ``binary_cross_entropy(sigmoid(input))``
    without the overflow.

    With ``m = max(-x, 0)``, ``log(1 + exp(-x)) = m + log(exp(-m) + exp(-x - m))``: both
    exponents are <= 0, so nothing overflows (PyTorch's formula). The loss is then
    ``(1 - y) * x + log(1 + exp(-x))``; ``pos_weight`` scales the loss of the positives.

    >>> F.binary_cross_entropy_with_logits(autograd_lib.tensor([2.0, -1.0]),
    ...                                    autograd_lib.tensor([1.0, 0.0]))
    tensor(0.2201)
    """
    if target.shape != input.shape:
        raise ValueError(
            f"Target size ({target.shape}) must be the same as input size ({input.shape})"
        )
    _no_grad_argument(weight, "binary_cross_entropy_with_logits", "weight")
    _no_grad_argument(pos_weight, "binary_cross_entropy_with_logits", "pos_weight")
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    return _BinaryCrossEntropyWithLogits.apply(input, target, weight, pos_weight, reduction)


def _log1p_exp_neg(x):
    """log(1 + exp(-x)) without overflow: with m = max(-x, 0), m + log(exp(-m) + exp(-x - m))
    (both exponents are <= 0)."""
    m = (-x).clamp(min=0)
    return m + ((-m).exp() + (-x - m).exp()).log()


@functools.partial(_named_like_pytorch, name="BinaryCrossEntropyWithLogitsBackward0")
class _BinaryCrossEntropyWithLogits(Function):
    """The loss as one node, with PyTorch's formulas. With ``lw = (pos_weight - 1) * y + 1``:

        loss    = ((1 - y) * x + lw * log(1 + exp(-x))) * weight, then the reduction
        d/dx    = (lw * sigmoid(x) - pos_weight * y) * weight    (sigmoid(x) - y without
                                                                  pos_weight)
        d/dy    = ((pos_weight - 1) * log(1 + exp(-x)) - x) * weight
    """

    @staticmethod
    def forward(ctx, x, y, weight, pos_weight, reduction):
        ctx.save_for_backward(x, y, weight, pos_weight)
        ctx.save_for_forward(x, y, weight, pos_weight)
        ctx.reduction = reduction
        log1p_exp = _log1p_exp_neg(x)
        if pos_weight is not None:
            log1p_exp = ((pos_weight - 1) * y + 1) * log1p_exp
        losses = (1 - y) * x + log1p_exp
        return _reduce(_weighted(losses, weight), reduction)

    @staticmethod
    def backward(ctx, grad_output):
        x, y, weight, pos_weight = ctx.saved_tensors
        if ctx.reduction == "mean":
            grad_output = grad_output / x.numel()
        grad_x, grad_y = _BinaryCrossEntropyWithLogits.derivatives(x, y, weight, pos_weight)
        return grad_output * grad_x, grad_output * grad_y, None, None, None

    @staticmethod
    def jvp(ctx, tx, ty, tweight, tpos_weight, _):  # the derivatives times the tangents
        grad_x, grad_y = _BinaryCrossEntropyWithLogits.derivatives(*ctx.saved_tensors)
        return _reduce(grad_x * tx + grad_y * ty, ctx.reduction)

    @staticmethod
    def derivatives(x, y, weight, pos_weight):
        """d loss / dx and d loss / dy, elementwise (before the reduction)."""
        if pos_weight is None:
            grad_x, grad_y = x.sigmoid() - y, -x
        else:
            grad_x = ((pos_weight - 1) * y + 1) * x.sigmoid() - pos_weight * y
            grad_y = (pos_weight - 1) * _log1p_exp_neg(x) - x
        if weight is not None:
            grad_x, grad_y = grad_x * weight, grad_y * weight
        return grad_x, grad_y


# ---------------------------------------------------------------------------------------------
# More activations.
# ---------------------------------------------------------------------------------------------


class _Erf(Function):
    """erf(x) = 2/sqrt(pi) * integral of exp(-t²) from 0 to x; d/dx erf(x) = 2/sqrt(pi) exp(-x²).

    NumPy has no erf, so the forward calls Python's ``math.erf`` on each element (on the CPU;
    a CUDA tensor makes the round trip). The backward is written with tensor operations, so it
    can be differentiated again.
    """

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        ctx.save_for_forward(x)
        values = np.asarray(x.detach().cpu().numpy())
        result = np.asarray(np.frompyfunc(math.erf, 1, 1)(values), dtype=values.dtype)
        return autograd_lib.tensor(result, device=x.device)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * (2 / math.sqrt(math.pi)) * (-x * x).exp()

    @staticmethod
    def jvp(ctx, t, *_):  # elementwise: J is diagonal, J v = the backward formula on v
        return _Erf.backward(ctx, t)


class _Log1p(Function):
    """log(1 + x), exact for small x (where ``(1 + x).log()`` loses digits); d/dx = 1/(1 + x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        ctx.save_for_forward(x)
        return Tensor._make(module_of(x._data).log1p(x._data), False, None, x.device)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output / (1 + x)

    @staticmethod
    def jvp(ctx, t, *_):  # elementwise: J is diagonal, J v = the backward formula on v
        return _Log1p.backward(ctx, t)


def gelu(input, approximate="none"):
    """GELU: ``x * Φ(x)``, where Φ is the standard normal CDF ``(1 + erf(x / sqrt(2))) / 2``.

    ``approximate="tanh"`` uses ``0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x³)))`` instead.

    >>> F.gelu(autograd_lib.tensor([-1.0, 0.0, 1.0]))
    tensor([-0.1587,  0.0000,  0.8413])
    """
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    return _Gelu.apply(input, approximate)


_KAPPA = 0.044715  # the tanh approximation's x³ coefficient
_BETA = math.sqrt(2 / math.pi)


@functools.partial(_named_like_pytorch, name="GeluBackward0")
class _Gelu(Function):
    """GELU and its derivative, as PyTorch computes them.

    exact:  y = x Φ(x),  dy/dx = Φ(x) + x φ(x)      (φ the normal density exp(-x²/2)/sqrt(2 pi))
    tanh:   y = x (1 + t) / 2 with t = tanh(u), u = sqrt(2/pi) (x + 0.044715 x³),
            dy/dx = (1 + t) / 2 + x / 2 (1 - t²) sqrt(2/pi) (1 + 3 * 0.044715 x²)
    """

    @staticmethod
    def forward(ctx, x, approximate):
        ctx.save_for_backward(x)
        ctx.save_for_forward(x)
        ctx.approximate = approximate
        if approximate == "none":
            return x * 0.5 * (1 + _Erf.apply(x * (1 / math.sqrt(2))))
        return 0.5 * x * (1 + (_BETA * (x + _KAPPA * x**3)).tanh())

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        if ctx.approximate == "none":
            cdf = 0.5 * (1 + _Erf.apply(x * (1 / math.sqrt(2))))
            pdf = (-0.5 * x * x).exp() * (1 / math.sqrt(2 * math.pi))
            return grad_output * (cdf + x * pdf), None
        t = (_BETA * (x + _KAPPA * x**3)).tanh()
        slope = 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * _BETA * (1 + 3 * _KAPPA * x * x)
        return grad_output * slope, None

    @staticmethod
    def jvp(ctx, t, *_):  # elementwise: J is diagonal, J v = the backward formula on v
        return _Gelu.backward(ctx, t)[0]


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """``x`` where x > 0, ``negative_slope * x`` elsewhere: a ReLU that lets a little through."""
    result = _LeakyRelu.apply(input, negative_slope)
    return input.copy_(result) if inplace else result


@functools.partial(_named_like_pytorch, name="LeakyReluBackward0")
class _LeakyRelu(Function):
    """y = x if x > 0 else slope * x;  dy/dx = 1 if x > 0 else slope (slope at 0, as PyTorch)."""

    @staticmethod
    def forward(ctx, x, slope):
        ctx.save_for_backward(x)
        ctx.save_for_forward(x)
        ctx.slope = slope
        return autograd_lib.where(x > 0, x, x * ctx.slope)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return autograd_lib.where(x > 0, grad_output, grad_output * ctx.slope), None

    @staticmethod
    def jvp(ctx, t, *_):  # elementwise: J is diagonal, J v = the backward formula on v
        return _LeakyRelu.backward(ctx, t)[0]


def silu(input, inplace=False):
    """SiLU (swish): ``x * sigmoid(x)``."""
    result = _Silu.apply(input)
    return input.copy_(result) if inplace else result


@functools.partial(_named_like_pytorch, name="SiluBackward0")
class _Silu(Function):
    """y = x s with s = sigmoid(x);  dy/dx = s (1 + x (1 - s))."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        ctx.save_for_forward(x)
        return x * x.sigmoid()

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        s = x.sigmoid()
        return grad_output * s * (1 + x * (1 - s))

    @staticmethod
    def jvp(ctx, t, *_):  # elementwise: J is diagonal, J v = the backward formula on v
        return _Silu.backward(ctx, t)


def softplus(input, beta=1.0, threshold=20.0):
    """``log(1 + exp(beta * x)) / beta``, a smooth ReLU; ``x`` itself where
    ``beta * x > threshold`` (there the two agree to float precision).

    >>> F.softplus(autograd_lib.tensor([-1.0, 0.0, 30.0]))
    tensor([ 0.3133,  0.6931, 30.0000])
    """
    return _Softplus.apply(input, beta, threshold)


@functools.partial(_named_like_pytorch, name="SoftplusBackward0")
class _Softplus(Function):
    """y = log(1 + exp(beta x)) / beta (x above the threshold);  dy/dx = sigmoid(beta x)
    (1 above the threshold)."""

    @staticmethod
    def forward(ctx, x, beta, threshold):
        ctx.save_for_backward(x)
        ctx.save_for_forward(x)
        ctx.beta, ctx.threshold = beta, threshold
        scaled = x * beta
        smooth = _Log1p.apply(scaled.clamp(max=threshold).exp()) / beta
        return autograd_lib.where(scaled > threshold, x, smooth)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        scaled = x * ctx.beta
        grad = autograd_lib.where(scaled > ctx.threshold, grad_output,
                                  grad_output * scaled.sigmoid())
        return grad, None, None

    @staticmethod
    def jvp(ctx, t, *_):  # elementwise: J is diagonal, J v = the backward formula on v
        return _Softplus.backward(ctx, t)[0]


# ---------------------------------------------------------------------------------------------
# Layers that reshape, normalise, look up or drop.
# ---------------------------------------------------------------------------------------------


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)``, so the
    expected value is unchanged; when not ``training``, return ``input`` itself.

    >>> F.dropout(autograd_lib.ones(4), p=0.5, training=False)
    tensor([1., 1., 1., 1.])
    """
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    if p == 1.0:
        result = input * 0
    else:
        keep = autograd_lib.rand_like(input) >= p  # True with probability 1 - p
        result = input * keep * (1 / (1 - p))
    return input.copy_(result) if inplace else result


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalise over the last ``len(normalized_shape)`` dimensions: subtract their mean,
    divide by ``sqrt(variance + eps)`` (the biased variance), then ``* weight + bias``.

    >>> F.layer_norm(autograd_lib.tensor([[1.0, 2.0, 3.0]]), (3,))
    tensor([[-1.2247,  0.0000,  1.2247]])
    """
    normalized_shape = tuple(normalized_shape)
    n = len(normalized_shape)
    if n == 0 or tuple(input.shape[input.dim() - n:]) != normalized_shape:
        raise RuntimeError(
            f"Given normalized_shape={list(normalized_shape)}, expected input with shape "
            f"[*, {', '.join(map(str, normalized_shape))}], but got input of "
            f"size{list(input.shape)}"
        )
    return _LayerNorm.apply(input, n, weight, bias, eps)


def _normalized(x, dims, eps):
    """(x - mean) / sqrt(variance + eps) over ``dims``, and 1 / sqrt(variance + eps)."""
    centred = x - x.mean(dims, keepdim=True)
    rstd = 1 / ((centred * centred).mean(dims, keepdim=True) + eps).sqrt()
    return centred * rstd, rstd


@functools.partial(_named_like_pytorch, name="NativeLayerNormBackward0")
class _LayerNorm(Function):
    """LayerNorm over the last ``n`` dimensions and its gradients. With x̂ the normalised input,
    r = 1 / sqrt(variance + eps) and ĝ = grad * weight:

        d/dx      = r * (ĝ - mean(ĝ) - x̂ * mean(ĝ * x̂))     (means over the normalised dims)
        d/dweight = sum of grad * x̂ over the other dims;   d/dbias = sum of grad over them
    """

    @staticmethod
    def forward(ctx, x, n, weight, bias, eps):
        ctx.save_for_backward(x, weight)
        ctx.save_for_forward(x, weight, bias)
        ctx.dims, ctx.eps = tuple(range(-n, 0)), eps
        ctx.batch_dims = tuple(range(x.dim() - n))
        output, _ = _normalized(x, ctx.dims, eps)
        if weight is not None:
            output = output * weight
        if bias is not None:
            output = output + bias
        return output

    @staticmethod
    def backward(ctx, grad_output):
        x, weight = ctx.saved_tensors
        x_hat, rstd = _normalized(x, ctx.dims, ctx.eps)
        g = grad_output if weight is None else grad_output * weight
        grad_x = rstd * (g - g.mean(ctx.dims, keepdim=True)
                         - x_hat * (g * x_hat).mean(ctx.dims, keepdim=True))
        grad_weight = grad_bias = None
        if weight is not None:
            grad_weight = _sum_over(grad_output * x_hat, ctx.batch_dims)
        if ctx.needs_input_grad[3]:
            grad_bias = _sum_over(grad_output, ctx.batch_dims)
        return grad_x, None, grad_weight, grad_bias, None

    @staticmethod
    def jvp(ctx, tx, tn, tweight, tbias, teps):
        """d x̂ = r (dx - mean(dx) - x̂ mean(x̂ dx)) (the backward formula with dx for ĝ), then
        d(x̂ w + b) = d x̂ w + x̂ dw + db."""
        x, weight, bias = ctx.saved_tensors
        x_hat, rstd = _normalized(x, ctx.dims, ctx.eps)
        out = rstd * (tx - tx.mean(ctx.dims, keepdim=True)
                      - x_hat * (x_hat * tx).mean(ctx.dims, keepdim=True))
        if weight is not None:
            out = out * weight + x_hat * tweight
        return out if bias is None else out + tbias


def _sum_over(t, dims):
    return t.sum(dims) if dims else t


def _unsupported_embedding_options(max_norm, scale_grad_by_freq, sparse):
    """Embedding's options that autograd_lib does not have: refused, not ignored."""
    for name, value, default in (("max_norm", max_norm, None),
                                 ("scale_grad_by_freq", scale_grad_by_freq, False),
                                 ("sparse", sparse, False)):
        if value != default:
            raise NotImplementedError(
                f"autograd_lib's embedding does not support {name}={value!r}; leave it at "
                f"{default!r}."
            )


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """Look up rows of ``weight``: ``weight[input]``, one row per index, for any shape of
    ``input``. The row ``padding_idx`` gets no gradient (it stays what it is).

    >>> F.embedding(autograd_lib.tensor([2, 0]), autograd_lib.arange(6.0).view(3, 2))
    tensor([[4., 5.],
            [0., 1.]])
    """
    _unsupported_embedding_options(max_norm, scale_grad_by_freq, sparse)
    num_embeddings = weight.shape[0]
    if bool(((input < -num_embeddings) | (input >= num_embeddings)).sum()):
        raise IndexError("index out of range in self")
    if padding_idx is not None and padding_idx < 0:
        padding_idx += num_embeddings
    return _Embedding.apply(weight, input, padding_idx)


@functools.partial(_named_like_pytorch, name="EmbeddingBackward0")
class _Embedding(Function):
    """weight[indices]; its gradient adds each looked-up row's gradient into that row of a
    zero matrix (a row looked up twice gets both), except the ``padding_idx`` row."""

    @staticmethod
    def forward(ctx, weight, indices, padding_idx):
        ctx.save_for_backward(indices)
        ctx.save_for_forward(indices)
        ctx.num_embeddings, ctx.padding_idx = weight.shape[0], padding_idx
        return weight[indices]

    @staticmethod
    def backward(ctx, grad_output):
        (indices,) = ctx.saved_tensors
        flat = indices.reshape(-1)
        rows = grad_output.reshape(flat.numel(), grad_output.shape[-1])
        if ctx.padding_idx is not None:
            rows = rows * (flat != ctx.padding_idx).unsqueeze(-1).to(rows.dtype)
        grad_weight = rows.new_zeros((ctx.num_embeddings, rows.shape[1]))
        return grad_weight.index_add(0, flat, rows), None, None

    @staticmethod
    def jvp(ctx, tweight, tindices, _):  # linear: the same rows of the tangent
        (indices,) = ctx.saved_tensors
        return tweight[indices]


def one_hot(tensor, num_classes=-1):
    """Class indices (int64) to one-hot rows: ``one_hot(tensor([0, 2]))`` is
    ``[[1, 0, 0], [0, 0, 1]]``; the classes are ``0 .. num_classes - 1`` (by default up to the
    largest index). Returns int64.
    """
    if tensor.dtype != autograd_lib.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if tensor.numel() and int(tensor.min()) < 0:
        raise RuntimeError("Class values must be non-negative.")
    if num_classes == -1:
        num_classes = int(tensor.max()) + 1 if tensor.numel() else 0
    elif tensor.numel() and int(tensor.max()) >= num_classes:
        raise RuntimeError("Class values must be smaller than num_classes.")
    classes = autograd_lib.arange(num_classes, device=tensor.device)
    return (tensor.unsqueeze(-1) == classes).long()
