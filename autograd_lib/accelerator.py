"""``torch.accelerator``: the device-neutral way to ask for a GPU.

Tutorials now write ``torch.accelerator.current_accelerator().type if
torch.accelerator.is_available() else "cpu"``. Here the only accelerator is CUDA (through
CuPy), so each function answers for ``autograd_lib.cuda``.

>>> import autograd_lib as torch
>>> device = torch.accelerator.current_accelerator().type if torch.accelerator.is_available() \\
...     else "cpu"
"""

from . import cuda
from .backend import device

__all__ = ["is_available", "current_accelerator", "device_count", "current_device_index",
           "set_device_index", "device_index", "synchronize"]


def is_available():
    """True when an accelerator (here: a CUDA GPU through CuPy) can be used."""
    return cuda.is_available()


def current_accelerator(check_available=False):
    """``device(type='cuda')`` when a GPU can be used, else ``None``."""
    return device("cuda") if cuda.is_available() else None


def device_count():
    """How many accelerators there are (0 without one)."""
    return cuda.device_count() if cuda.is_available() else 0


def current_device_index():
    """The index of the current accelerator."""
    return cuda.current_device()


def set_device_index(device):
    """Make accelerator ``device`` (an index, ``"cuda:1"`` ...) the current one."""
    cuda.set_device(device)


current_device_idx = current_device_index  # PyTorch's older names
set_device_idx = set_device_index
device_index = cuda.device  # ``with torch.accelerator.device_index(1):``
synchronize = cuda.synchronize
