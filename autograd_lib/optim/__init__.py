"""autograd_lib.optim: optimizers that update parameters from their gradients (``torch.optim``).

* ``Optimizer``: base class (``param_groups``, ``state``, ``zero_grad``, ``state_dict``).
* ``SGD``: gradient descent with momentum, Nesterov, weight decay.
* ``Adam``: adaptive per-parameter steps from running gradient averages.
"""

from .adam import Adam
from .optimizer import Optimizer
from .sgd import SGD

__all__ = ["SGD", "Adam", "Optimizer"]
