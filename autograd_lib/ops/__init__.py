"""All differentiable operations, one module per family; each op's forward sits beside its
backward node (``MulBackward0`` is right under ``mul`` in ``arithmetic.py``)."""

from .arithmetic import add, div, mul, neg, pow, reciprocal, rsub, square, sub
from .elementwise import (
    abs,
    allclose,
    bitwise_and,
    bitwise_not,
    bitwise_or,
    bitwise_xor,
    clamp,
    clip,
    cos,
    eq,
    equal,
    exp,
    ge,
    gt,
    isclose,
    isfinite,
    isnan,
    le,
    lerp,
    log,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    lt,
    ne,
    relu,
    sigmoid,
    sign,
    sin,
    sqrt,
    tanh,
    where,
)
from .indexing import (
    gather,
    index_add,
    index_select,
    masked_fill,
    scatter,
    scatter_add,
    scatter_reduce,
)
from .layout import chunk, flip, roll, split, tile, unbind
from .linalg import addmm, bmm, dot, einsum, matmul, mm, mv, outer
from .matrix import diag, kron, trace, tril, triu
from .reduction import (
    all,
    amax,
    amin,
    any,
    argmax,
    argmin,
    logsumexp,
    max,
    maximum,
    mean,
    min,
    minimum,
    norm,
    prod,
    std,
    sum,
    var,
)
from .rounding import ceil, floor, round, trunc
from .scan import cumprod, cumsum
from .shape import (
    broadcast_to,
    cat,
    clone,
    concat,
    concatenate,
    contiguous,
    expand,
    expand_as,
    flatten,
    getitem,
    moveaxis,
    movedim,
    mT,
    numpy_T,
    permute,
    ravel,
    reshape,
    reshape_as,
    setitem,
    squeeze,
    stack,
    swapaxes,
    swapdims,
    t,
    transpose,
    unsqueeze,
    view,
    view_as,
)
from .softmax import log_softmax, softmax
from .sorting import argsort, sort, topk

# The functions, by family; nothing else (the family modules, ``arithmetic`` ... ``softmax``,
# stay inside ``ops``: ``from .ops import *`` in ``autograd_lib/__init__.py`` must not make
# ``autograd_lib.linalg`` a module of ours, where PyTorch has ``torch.linalg``).
__all__ = [
    # arithmetic
    "add", "div", "mul", "neg", "pow", "reciprocal", "rsub", "square", "sub",
    # elementwise
    "abs", "allclose", "bitwise_and", "bitwise_not", "bitwise_or", "bitwise_xor", "clamp", "clip",
    "cos", "eq", "equal", "exp", "ge", "gt", "isclose", "isfinite", "isnan", "le", "lerp", "log",
    "logical_and", "logical_not", "logical_or", "logical_xor", "lt", "ne", "relu", "sigmoid",
    "sign", "sin", "sqrt", "tanh", "where",
    # indexing
    "gather", "index_add", "index_select", "masked_fill", "scatter", "scatter_add",
    "scatter_reduce",
    # layout
    "chunk", "flip", "roll", "split", "tile", "unbind",  # (repeat: a method only, as in torch)
    # linalg
    "addmm", "bmm", "dot", "einsum", "matmul", "mm", "mv", "outer",
    # matrix
    "diag", "kron", "trace", "tril", "triu",
    # reduction
    "all", "amax", "amin", "any", "argmax", "argmin", "logsumexp", "max", "maximum", "mean", "min",
    "minimum", "norm", "prod", "std", "sum", "var",
    # rounding
    "ceil", "floor", "round", "trunc",
    # scan
    "cumprod", "cumsum",
    # shape
    "broadcast_to", "cat", "clone", "concat", "concatenate", "contiguous", "expand", "expand_as",
    "flatten", "getitem", "moveaxis", "movedim", "mT", "numpy_T", "permute", "ravel", "reshape",
    "reshape_as", "setitem", "squeeze", "stack", "swapaxes", "swapdims", "t", "transpose",
    "unsqueeze", "view", "view_as",
    # softmax
    "log_softmax", "softmax",
    # sorting
    "argsort", "sort", "topk",
]
