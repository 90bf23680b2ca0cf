"""autograd_lib.utils: ``data``, the tools that feed a training loop (``torch.utils.data``)."""

from . import data

__all__ = ["data"]
