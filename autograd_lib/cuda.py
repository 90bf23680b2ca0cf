"""``autograd_lib.cuda``: is a GPU usable (through CuPy)?"""

from .backend import cuda_device_count, cuda_is_available


def is_available():
    """True when CuPy is installed and an NVIDIA GPU is visible."""
    return cuda_is_available()


def device_count():
    return cuda_device_count()


def synchronize():
    if is_available():
        from .backend import _import_cupy

        _import_cupy().cuda.runtime.deviceSynchronize()
