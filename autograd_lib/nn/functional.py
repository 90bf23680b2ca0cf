"""nn.functional: the layers' computations as plain functions (no parameters stored).

``import autograd_lib.nn.functional as F`` then ``F.relu(x)``, ``F.cross_entropy(logits, y)``.
Each function is a few tensor operations, so autograd differentiates it for free: nothing
here defines a backward pass.
"""

import warnings

import autograd_lib

_REDUCTIONS = ("none", "mean", "sum")


def _reduce(losses, reduction):
    """Apply a loss's ``reduction``: keep every element, average them, or add them up."""
    if reduction == "none":
        return losses
    if reduction == "mean":
        return losses.mean()
    if reduction == "sum":
        return losses.sum()
    raise ValueError(f"{reduction} is not a valid value for reduction")


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
    return _reduce((input - target) ** 2, reduction)


def nll_loss(input, target, reduction="mean"):
    """Negative log-likelihood: ``-input[i, target[i]]``, averaged over the batch.

    ``input`` holds log-probabilities of shape (N, C) (or (C,) for one sample) and ``target``
    the index of the correct class of each sample, shape (N,) (or a 0-d tensor).
    """
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if input.dim() == 1:  # a single sample
        return _reduce(-input[target], reduction)
    if input.dim() != 2:
        raise ValueError(f"Expected 1 or 2 dimensions for input (got {input.dim()})")
    batch_size = input.shape[0]
    if target.shape[0] != batch_size:
        raise ValueError(
            f"Expected input batch_size ({batch_size}) to match target batch_size "
            f"({target.shape[0]})."
        )
    rows = autograd_lib.arange(batch_size, device=input.device)
    picked = input[rows, target]  # picked[i] = input[i, target[i]]
    return _reduce(-picked, reduction)


def cross_entropy(input, target, reduction="mean"):
    """Cross-entropy of logits (N, C) against class indices (N,): ``nll_loss(log_softmax)``.

    Takes raw scores (logits), not probabilities: the softmax is inside, done stably.
    """
    class_dim = 0 if input.dim() == 1 else 1
    return nll_loss(log_softmax(input, class_dim), target, reduction=reduction)
