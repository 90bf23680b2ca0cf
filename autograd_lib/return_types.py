"""Named results of ops that return (values, indices): ``autograd_lib.return_types.max``."""

from .ops.reduction import max_return as max  # noqa: A001
from .ops.reduction import min_return as min  # noqa: A001
from .ops.sorting import sort_return as sort
from .ops.sorting import topk_return as topk

__all__ = ["max", "min", "sort", "topk"]
