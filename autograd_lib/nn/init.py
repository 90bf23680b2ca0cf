"""Weight initialisation: fill a tensor in place with well-scaled random numbers.

Why it matters: a layer computes ``x @ W.T``; if the entries of ``W`` are too large the
activations grow layer after layer, if too small they shrink to zero. The schemes below pick
the spread of ``W`` from its *fan-in* (inputs per neuron) and *fan-out* (outputs per neuron)
so that the signal keeps roughly the same size through the network.

Every function works in place under ``no_grad`` and returns the tensor (PyTorch's ``_``
suffix convention). The random numbers come from ``autograd_lib``'s generator
(``manual_seed``), so they differ from PyTorch's even with the same seed.
"""

import math

import autograd_lib


def calculate_gain(nonlinearity, param=None):
    """The recommended scale factor for a nonlinearity (``'relu'`` → sqrt(2), ...)."""
    if nonlinearity in ("linear", "conv1d", "conv2d", "conv3d", "sigmoid"):
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        negative_slope = 0.01 if param is None else param
        return math.sqrt(2.0 / (1 + negative_slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity}")


def _calculate_fan_in_and_fan_out(tensor):
    """(inputs per output, outputs per input) of a weight of shape (out, in, *kernel)."""
    if tensor.dim() < 2:
        raise ValueError(
            "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions"
        )
    receptive_field_size = 1
    for size in tensor.shape[2:]:
        receptive_field_size *= size
    fan_in = tensor.shape[1] * receptive_field_size
    fan_out = tensor.shape[0] * receptive_field_size
    return fan_in, fan_out


def uniform_(tensor, a=0.0, b=1.0):
    """Fill ``tensor`` with numbers drawn uniformly from [a, b)."""
    with autograd_lib.no_grad():
        sample = autograd_lib.rand(tensor.shape, dtype=tensor.dtype, device=tensor.device)
        tensor.copy_(sample * (b - a) + a)
    return tensor


def normal_(tensor, mean=0.0, std=1.0):
    """Fill ``tensor`` with numbers drawn from N(mean, std²)."""
    with autograd_lib.no_grad():
        sample = autograd_lib.randn(tensor.shape, dtype=tensor.dtype, device=tensor.device)
        tensor.copy_(sample * std + mean)
    return tensor


def constant_(tensor, val):
    """Fill ``tensor`` with the value ``val``."""
    with autograd_lib.no_grad():
        tensor.fill_(val)
    return tensor


def zeros_(tensor):
    """Fill ``tensor`` with zeros."""
    return constant_(tensor, 0.0)


def ones_(tensor):
    """Fill ``tensor`` with ones."""
    return constant_(tensor, 1.0)


def kaiming_uniform_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu"):
    """He initialisation: U(-bound, bound) with bound = gain * sqrt(3 / fan).

    ``nn.Linear`` uses it with ``a=sqrt(5)``, which works out to bound = 1 / sqrt(fan_in).
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    fan = fan_in if mode == "fan_in" else fan_out
    gain = calculate_gain(nonlinearity, a)
    std = gain / math.sqrt(fan)
    bound = math.sqrt(3.0) * std  # a uniform on [-bound, bound] has this standard deviation
    return uniform_(tensor, -bound, bound)


def kaiming_normal_(tensor, a=0, mode="fan_in", nonlinearity="leaky_relu"):
    """He initialisation, normal version: N(0, std²) with std = gain / sqrt(fan)."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    fan = fan_in if mode == "fan_in" else fan_out
    std = calculate_gain(nonlinearity, a) / math.sqrt(fan)
    return normal_(tensor, 0.0, std)


def xavier_uniform_(tensor, gain=1.0):
    """Glorot initialisation: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound)


def xavier_normal_(tensor, gain=1.0):
    """Glorot initialisation, normal version: std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std)
