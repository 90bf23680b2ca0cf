"""LayerNorm: normalise each sample over its last dimensions, then scale and shift."""

import numbers

import autograd_lib

from . import functional as F
from .module import Module
from .parameter import Parameter


class LayerNorm(Module):
    """``(x - mean) / sqrt(var + eps) * weight + bias`` over the last dimensions.

    ``normalized_shape`` is the shape of those dimensions (an int for the last one alone).
    ``weight`` starts at ones and ``bias`` at zeros, both of that shape; without
    ``elementwise_affine`` there are neither.

    >>> nn.LayerNorm(3)(autograd_lib.tensor([[1.0, 2.0, 3.0]]))
    tensor([[-1.2247,  0.0000,  1.2247]], grad_fn=<NativeLayerNormBackward0>)
    """

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True,
                 device=None, dtype=None):
        super().__init__()
        if isinstance(normalized_shape, numbers.Integral):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(
                autograd_lib.ones(self.normalized_shape, device=device, dtype=dtype))
            if bias:
                self.bias = Parameter(
                    autograd_lib.zeros(self.normalized_shape, device=device, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, input):
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")
