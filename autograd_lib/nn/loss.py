"""Loss layers: a number that says how wrong the predictions are.

``loss_fn = nn.MSELoss(); loss = loss_fn(prediction, target); loss.backward()``.
``reduction`` chooses what comes out: ``'mean'`` (default) or ``'sum'`` of the per-sample
losses, or ``'none'`` for the per-sample losses themselves.
"""

from . import functional as F
from .module import Module


class _Loss(Module):
    """Common base: stores ``reduction`` (keyword-only, as it comes after PyTorch's legacy
    positional arguments ``weight``, ``size_average``, ... that autograd_lib leaves out)."""

    def __init__(self, *, reduction="mean"):
        super().__init__()
        self.reduction = reduction


class MSELoss(_Loss):
    """Mean squared error, for regression: mean((input - target)²)."""

    def forward(self, input, target):
        return F.mse_loss(input, target, reduction=self.reduction)


class NLLLoss(_Loss):
    """Negative log-likelihood of log-probabilities (N, C) for class indices (N,)."""

    def forward(self, input, target):
        return F.nll_loss(input, target, reduction=self.reduction)


class CrossEntropyLoss(_Loss):
    """Cross-entropy for classification: logits (N, C) against class indices (N,).

    Equal to ``NLLLoss()(LogSoftmax(dim=1)(logits), target)``: give it raw scores, not
    probabilities.
    """

    def forward(self, input, target):
        return F.cross_entropy(input, target, reduction=self.reduction)


class BCELoss(_Loss):
    """Binary cross-entropy of probabilities (after a sigmoid) against targets in [0, 1]."""

    def __init__(self, weight=None, *, reduction="mean"):
        super().__init__(reduction=reduction)
        self.register_buffer("weight", weight)

    def forward(self, input, target):
        return F.binary_cross_entropy(input, target, weight=self.weight,
                                      reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy of raw scores (logits): a sigmoid and ``BCELoss`` in one, stably."""

    def __init__(self, weight=None, *, reduction="mean", pos_weight=None):
        super().__init__(reduction=reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input, target):
        return F.binary_cross_entropy_with_logits(input, target, self.weight,
                                                  reduction=self.reduction,
                                                  pos_weight=self.pos_weight)
