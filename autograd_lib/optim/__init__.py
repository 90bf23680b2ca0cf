"""autograd_lib.optim: optimizers that update parameters from their gradients (``torch.optim``).

* ``Optimizer``: base class (``param_groups``, ``state``, ``zero_grad``, ``state_dict``).
* ``SGD``: gradient descent with momentum, Nesterov, weight decay.
* ``Adam``, ``AdamW``: adaptive per-parameter steps from running gradient averages.
* ``RMSprop``: steps divided by a running root-mean-square of the gradients.
* ``Adagrad``: steps divided by the root of all squared gradients so far.
* ``lr_scheduler``: change the learning rate as training goes on.
"""

from . import lr_scheduler
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["SGD", "Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "lr_scheduler"]
