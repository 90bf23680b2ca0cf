"""Activation layers: elementwise nonlinearities wrapped as Modules.

They hold no parameters; they exist so that a nonlinearity can be a step of a ``Sequential``.
Without a nonlinearity between them, two ``Linear`` layers collapse into one linear map.
"""

from . import functional as F
from .module import Module


class _Activation(Module):
    """A module applying ``_function(input, **settings)``.

    Each subclass lists its settings and their defaults in ``_defaults``, in the order of
    PyTorch's arguments: ``LeakyReLU(0.2)`` and ``LeakyReLU(negative_slope=0.2)`` both set
    ``self.negative_slope = 0.2``. It prints them as PyTorch does,
    ``LeakyReLU(negative_slope=0.2)``, with ``inplace`` shown only when it is True.
    """

    _defaults = {}

    def __init__(self, *args, **kwargs):
        super().__init__()
        self._settings = tuple(self._defaults)
        if len(args) > len(self._settings):
            raise TypeError(f"{type(self).__name__}() takes {len(self._settings)} arguments "
                            f"but {len(args)} were given")
        for name in kwargs:
            if name not in self._defaults:
                raise TypeError(f"{type(self).__name__}() got an unexpected keyword argument "
                                f"'{name}'")
        settings = {**self._defaults, **dict(zip(self._settings, args)), **kwargs}
        for name, value in settings.items():
            setattr(self, name, value)

    def forward(self, input):
        return self._function(input, **{name: getattr(self, name) for name in self._settings})

    def extra_repr(self):
        return ", ".join(
            f"{name}={getattr(self, name)!r}"
            for name in self._settings
            if name != "inplace" or self.inplace
        )


class ReLU(_Activation):
    """max(0, x): passes positives through, zeroes negatives."""

    _function = staticmethod(F.relu)
    _defaults = {"inplace": False}


class Sigmoid(_Activation):
    """1 / (1 + exp(-x)): squashes any number into (0, 1)."""

    _function = staticmethod(F.sigmoid)


class Tanh(_Activation):
    """tanh(x): squashes any number into (-1, 1), centred on 0."""

    _function = staticmethod(F.tanh)


class Softmax(_Activation):
    """Turn scores into probabilities along ``dim``: exp(x) / exp(x).sum(dim)."""

    _function = staticmethod(F.softmax)
    _defaults = {"dim": None}


class LogSoftmax(_Activation):
    """log(softmax(x)) along ``dim``, computed stably; pair it with ``NLLLoss``."""

    _function = staticmethod(F.log_softmax)
    _defaults = {"dim": None}


class GELU(_Activation):
    """x * Φ(x), Φ the standard normal CDF; ``approximate='tanh'`` for the tanh formula."""

    _function = staticmethod(F.gelu)
    _defaults = {"approximate": "none"}


class LeakyReLU(_Activation):
    """x for x > 0, ``negative_slope * x`` otherwise."""

    _function = staticmethod(F.leaky_relu)
    _defaults = {"negative_slope": 0.01, "inplace": False}


class SiLU(_Activation):
    """x * sigmoid(x) (also called swish)."""

    _function = staticmethod(F.silu)
    _defaults = {"inplace": False}


class Softplus(_Activation):
    """log(1 + exp(beta * x)) / beta: a smooth ReLU (linear above ``threshold``)."""

    _function = staticmethod(F.softplus)
    _defaults = {"beta": 1.0, "threshold": 20.0}
