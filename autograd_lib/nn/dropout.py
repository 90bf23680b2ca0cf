"""Dropout: while training, zero random elements so the network cannot rely on any one of them.

It is the one layer here whose output depends on ``model.train()`` / ``model.eval()``: in
evaluation mode it passes the input through unchanged.
"""

from . import functional as F
from .module import Module


class Dropout(Module):
    """Zero each element with probability ``p`` while training; scale the rest by 1/(1-p).

    >>> drop = nn.Dropout(p=0.5)
    >>> drop.eval()(autograd_lib.ones(3))     # evaluation: the identity
    tensor([1., 1., 1.])
    """

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def forward(self, input):
        return F.dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"
