"""autograd_lib.nn: building blocks for neural networks (PyTorch's ``torch.nn``).

* ``Parameter``: a tensor a Module learns (``UninitializedParameter``: one a lazy layer fills).
* ``Module``: base class of layers and models (registration, ``parameters()``,
  ``state_dict()``, ``train()/eval()``, ``to()``).
* Layers: ``Linear``, ``LazyLinear``, ``Identity``, ``Flatten``, ``Unflatten``, ``Dropout``,
  ``LayerNorm``, ``Embedding``; activations ``ReLU``, ``Sigmoid``, ``Tanh``, ``GELU``,
  ``LeakyReLU``, ``SiLU``, ``Softplus``, ``Softmax``, ``LogSoftmax``; the containers
  ``Sequential``, ``ModuleList``, ``ModuleDict``.
* Losses: ``MSELoss``, ``CrossEntropyLoss``, ``NLLLoss``, ``BCELoss``, ``BCEWithLogitsLoss``.
* ``functional`` (usually imported as ``F``): the same computations as plain functions.
* ``init``: weight-initialisation schemes; ``utils``: gradient clipping.
"""

from . import functional, init, utils
from .activation import GELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid, SiLU, Softmax, Softplus, Tanh
from .container import ModuleDict, ModuleList, Sequential
from .dropout import Dropout
from .flatten import Flatten, Unflatten
from .linear import Identity, LazyLinear, Linear
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, MSELoss, NLLLoss
from .module import Module
from .normalization import LayerNorm
from .parameter import Parameter, UninitializedParameter
from .sparse import Embedding

__all__ = [
    "BCELoss",
    "BCEWithLogitsLoss",
    "CrossEntropyLoss",
    "Dropout",
    "Embedding",
    "Flatten",
    "GELU",
    "Identity",
    "LayerNorm",
    "LazyLinear",
    "LeakyReLU",
    "Linear",
    "LogSoftmax",
    "MSELoss",
    "Module",
    "ModuleDict",
    "ModuleList",
    "NLLLoss",
    "Parameter",
    "ReLU",
    "Sequential",
    "SiLU",
    "Sigmoid",
    "Softmax",
    "Softplus",
    "Tanh",
    "UninitializedParameter",
    "Unflatten",
    "functional",
    "init",
    "utils",
]
