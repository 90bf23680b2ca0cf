"""autograd_lib: a small tensor-autograd library with PyTorch's API, on NumPy and CuPy.

    import autograd_lib as torch
    x = torch.tensor(2.0, requires_grad=True)
    y = x ** 2 + 3 * x + 1
    y.backward()
    print(x.grad)          # tensor(7.)

Where to read: ``tensor.py`` (the Tensor), ``autograd/graph.py`` (nodes), ``autograd/engine.py``
(the backward pass), ``ops/`` (each op with its derivative), ``grad_mode.py`` (no_grad),
``nn/`` and ``optim/`` (models and optimizers), ``backend.py`` (NumPy or CuPy).
"""

from . import (
    _formatting,
    _methods,  # noqa: F401  (attaches ops to Tensor as methods and operators)
    accelerator,
    autograd,
    cuda,
    func,
    nn,
    optim,
    return_types,
    utils,
)
from ._dtype import (
    bool,
    double,
    dtype,
    float,
    float16,
    float32,
    float64,
    get_default_dtype,
    half,
    int,
    int8,
    int16,
    int32,
    int64,
    long,
    set_default_dtype,
    short,
    uint8,
)
from .autograd import functional as _functional  # noqa: F401  (torch.autograd.functional)
from .backend import device
from .creation import (
    BoolTensor,
    ByteTensor,
    CharTensor,
    DoubleTensor,
    FloatTensor,
    Generator,
    HalfTensor,
    IntTensor,
    LongTensor,
    ShortTensor,
    arange,
    as_tensor,
    default_generator,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    get_default_device,
    get_rng_state,
    initial_seed,
    linspace,
    logspace,
    manual_seed,
    normal,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    randperm,
    seed,
    set_default_device,
    set_default_tensor_type,
    set_rng_state,
    tensor,
    zeros,
    zeros_like,
)
from .func import vmap
from .grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    is_inference_mode_enabled,
    no_grad,
    set_grad_enabled,
)
from .ops import *  # noqa: F401,F403  (add, mul, exp, matmul, sum, cat, ... as functions)
from .serialization import load, save
from .tensor import Size, Tensor, is_tensor, typename

__version__ = "0.1.0"


def is_floating_point(input):
    return input.is_floating_point()


def numel(input):
    return input.numel()


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None,
                     profile=None, sci_mode=None):
    """Change how tensors print (as ``torch.set_printoptions``; ``profile='default'`` resets)."""
    if profile == "default":
        (_formatting.PRECISION, _formatting.THRESHOLD, _formatting.EDGEITEMS,
         _formatting.LINEWIDTH) = 4, 1000, 3, 80
    for name, value in (("PRECISION", precision), ("THRESHOLD", threshold),
                        ("EDGEITEMS", edgeitems), ("LINEWIDTH", linewidth)):
        if value is not None:
            setattr(_formatting, name, value)
