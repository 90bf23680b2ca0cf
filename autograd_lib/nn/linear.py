"""Linear: the fully-connected layer, y = x Wᵀ + b; LazyLinear, which learns its input size on
the first call; Identity, the layer that does nothing."""

import math

import autograd_lib

from . import functional as F
from . import init
from .module import Module
from .parameter import Parameter, UninitializedParameter


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


class Identity(Module):
    """Return the input unchanged: a placeholder layer (its arguments are ignored)."""

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):
        return input


class LazyLinear(Linear):
    """A ``Linear`` whose ``in_features`` is read from the first input it sees.

    Until then ``weight`` and ``bias`` are ``UninitializedParameter``s and the layer prints
    ``in_features=0``. The first call gives them their shapes and PyTorch's initial values,
    and the layer becomes a plain ``Linear``::

        layer = nn.LazyLinear(4)
        layer(autograd_lib.ones(2, 3))
        layer          # Linear(in_features=3, out_features=4, bias=True)
    """

    def __init__(self, out_features, bias=True, device=None, dtype=None):
        Module.__init__(self)
        self.in_features = 0
        self.out_features = out_features
        self.weight = UninitializedParameter(autograd_lib.empty(0, device=device, dtype=dtype))
        if bias:
            self.bias = UninitializedParameter(autograd_lib.empty(0, device=device, dtype=dtype))
        else:
            self.register_parameter("bias", None)

    def reset_parameters(self):
        if self.in_features != 0:
            super().reset_parameters()

    def forward(self, input):
        self.in_features = input.shape[-1]
        self.weight.materialize((self.out_features, self.in_features))  # where .to() put it
        if self.bias is not None:
            self.bias.materialize((self.out_features,))
        self.reset_parameters()
        self.__class__ = Linear  # from now on an ordinary Linear
        return Linear.forward(self, input)
