"""autograd_lib.nn: building blocks for neural networks (PyTorch's ``torch.nn``).

* ``Parameter``: a tensor a Module learns.
* ``Module``: base class of layers and models (registration, ``parameters()``,
  ``state_dict()``, ``train()/eval()``, ``to()``).
* Layers: ``Linear``; activations ``ReLU``, ``Sigmoid``, ``Tanh``, ``Softmax``, ``LogSoftmax``;
  the container ``Sequential``.
* Losses: ``MSELoss``, ``CrossEntropyLoss``, ``NLLLoss``.
* ``functional`` (usually imported as ``F``): the same computations as plain functions.
* ``init``: weight-initialisation schemes.
"""

from . import functional, init
from .activation import LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from .container import Sequential
from .linear import Linear
from .loss import CrossEntropyLoss, MSELoss, NLLLoss
from .module import Module
from .parameter import Parameter

__all__ = [
    "CrossEntropyLoss",
    "Linear",
    "LogSoftmax",
    "MSELoss",
    "Module",
    "NLLLoss",
    "Parameter",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Softmax",
    "Tanh",
    "functional",
    "init",
]
