"""``autograd_lib.cuda``: is a GPU usable (through CuPy), and which one is current.

CuPy runs every operation on its *current* GPU and makes the result there. Putting a tensor on
a GPU (``x.cuda(1)``, ``torch.zeros(2, device="cuda:1")``, ``model.to("cuda:1")``) makes that
GPU the current one, so code that works on one GPU at a time needs nothing else::

    >>> x = torch.ones(3, device="cuda:1")      # doctest: +SKIP
    >>> (x * 2).device                          # doctest: +SKIP
    device(type='cuda', index=1)

Working on two GPUs in turn, switch with ``with torch.cuda.device(i):`` (PyTorch switches by
itself, from the tensors' devices).
"""

from .backend import _import_cupy, cuda_device_count, cuda_is_available, parse_device


def is_available():
    """True when CuPy is installed and an NVIDIA GPU is visible."""
    return cuda_is_available()


def device_count():
    """How many GPUs CuPy sees (0 without CuPy or a GPU)."""
    return cuda_device_count()


def current_device():
    """The index of the current GPU (``torch.cuda.current_device()``)."""
    return _import_cupy().cuda.Device().id


def set_device(device):
    """Make GPU ``device`` (an index, ``"cuda:1"`` or a ``torch.device``) the current one."""
    _import_cupy().cuda.Device(_index(device)).use()


class device:
    """``with torch.cuda.device(1):`` runs the block with GPU 1 current, then restores."""

    def __init__(self, device):
        self.idx = _index(device)
        self.prev_idx = -1

    def __enter__(self):
        self.prev_idx = current_device()
        set_device(self.idx)

    def __exit__(self, *exc):
        set_device(self.prev_idx)
        return False


def synchronize(device=None):
    """Wait until the GPU (the current one, or ``device``) has finished its queued work."""
    if not is_available():
        return
    cp = _import_cupy()
    if device is None:
        cp.cuda.runtime.deviceSynchronize()
    else:
        cp.cuda.Device(_index(device)).synchronize()


def _index(device):
    return device if isinstance(device, int) else parse_device(device).index
