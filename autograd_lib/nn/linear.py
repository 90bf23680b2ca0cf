"""Linear: the fully-connected layer, y = x Wᵀ + b."""

import math

import autograd_lib

from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter


class Linear(Module):
    """Apply an affine map to the last dimension: ``y = x @ weight.T + bias``.

    ``weight`` has shape ``(out_features, in_features)`` (one row per output neuron) and
    ``bias`` has shape ``(out_features,)``. Both start as U(-k, k) with k = 1/sqrt(in_features),
    PyTorch's default.

    Example: ``Linear(3, 2)(autograd_lib.ones(5, 3))`` maps a batch of 5 inputs of size 3
    to 5 outputs of size 2.
    """

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(
            autograd_lib.zeros(out_features, in_features, device=device, dtype=dtype)
        )
        if bias:
            self.bias = Parameter(autograd_lib.zeros(out_features, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """Draw fresh initial values (PyTorch's scheme: kaiming_uniform with a=sqrt(5))."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self):
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, "
            f"bias={self.bias is not None}"
        )
