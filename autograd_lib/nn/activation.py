"""Activation layers: elementwise nonlinearities wrapped as Modules.

They hold no parameters; they exist so that a nonlinearity can be a step of a ``Sequential``.
Without a nonlinearity between them, two ``Linear`` layers collapse into one linear map.
"""

from . import functional as F
from .module import Module


class ReLU(Module):
    """max(0, x): passes positives through, zeroes negatives."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.relu(input, inplace=self.inplace)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class Sigmoid(Module):
    """1 / (1 + exp(-x)): squashes any number into (0, 1)."""

    def forward(self, input):
        return F.sigmoid(input)


class Tanh(Module):
    """tanh(x): squashes any number into (-1, 1), centred on 0."""

    def forward(self, input):
        return F.tanh(input)


class _AlongDim(Module):
    """A module applying ``_function(input, dim)``: what Softmax and LogSoftmax share."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        return self._function(input, self.dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class Softmax(_AlongDim):
    """Turn scores into probabilities along ``dim``: exp(x) / exp(x).sum(dim)."""

    _function = staticmethod(F.softmax)


class LogSoftmax(_AlongDim):
    """log(softmax(x)) along ``dim``, computed stably; pair it with ``NLLLoss``."""

    _function = staticmethod(F.log_softmax)
