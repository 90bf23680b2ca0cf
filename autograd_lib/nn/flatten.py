"""Flatten and Unflatten: reshape layers, for use inside a ``Sequential``.

``nn.Flatten()`` turns a batch of images (N, C, H, W) into a batch of vectors (N, C*H*W), the
usual step before the first ``Linear``; ``nn.Unflatten(1, (C, H, W))`` undoes it.
"""

from .module import Module


class Flatten(Module):
    """Merge dimensions ``start_dim`` .. ``end_dim`` into one (by default all but the batch's).

    >>> nn.Flatten()(autograd_lib.zeros(32, 1, 5, 5)).shape
    autograd_lib.Size([32, 25])
    """

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input):
        return input.flatten(self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split dimension ``dim`` into ``unflattened_size``.

    >>> nn.Unflatten(1, (2, 5))(autograd_lib.zeros(2, 10)).shape
    autograd_lib.Size([2, 2, 5])
    """

    def __init__(self, dim, unflattened_size):
        super().__init__()
        self.dim = dim
        self.unflattened_size = unflattened_size

    def forward(self, input):
        dim = self.dim % input.dim()
        shape = (*input.shape[:dim], *self.unflattened_size, *input.shape[dim + 1:])
        return input.reshape(shape)

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
