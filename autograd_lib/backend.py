"""Devices and array backends: NumPy on ``cpu``, CuPy on ``cuda``.

Every op asks this module for "the array module of this device" and then calls the same
functions (``xp.exp``, ``xp.matmul`` ...) whichever library it is. This is the only module that
knows CuPy exists; nowhere else is there an ``if cupy`` (DeZero's ``get_array_module`` idea).
"""

import numpy as np


class device:
    """Where a tensor's data lives: ``device('cpu')`` or ``device('cuda', 0)``."""

    __slots__ = ("type", "index")

    def __new__(cls, type_or_str, index=None):
        if isinstance(type_or_str, device):
            return type_or_str
        kind, _, idx = str(type_or_str).partition(":")
        if idx:
            index = int(idx)
        if kind not in ("cpu", "cuda"):
            raise RuntimeError(
                f"Expected one of cpu, cuda device type at start of device string: {type_or_str}"
            )
        if kind == "cuda" and index is None:
            index = 0
        if kind == "cpu":
            index = None
        key = (kind, index)
        cached = _DEVICES.get(key)
        if cached is None:
            cached = object.__new__(cls)
            object.__setattr__(cached, "type", kind)
            object.__setattr__(cached, "index", index)
            _DEVICES[key] = cached
        return cached

    def __setattr__(self, name, value):
        raise AttributeError("device objects are immutable")

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        if isinstance(other, str):
            other = device(other)
        return self is other

    def __hash__(self):
        return hash((self.type, self.index))

    def __reduce__(self):
        return (device, (str(self),))


_DEVICES = {}
CPU = device("cpu")


def parse_device(d, default=None):
    """The device that ``d`` names: a device, ``"cpu"``, ``"cuda:1"``, or an int (a GPU's index,
    as in ``x.to(1)``); ``default`` when ``d`` is None."""
    if d is None:
        return default
    if isinstance(d, int):
        return device("cuda", d)
    return device(d)


# ---------------------------------------------------------------------------------------------
# CuPy, imported on first use only, with errors that say what to do.
# ---------------------------------------------------------------------------------------------

_cupy = None


def _import_cupy():
    global _cupy
    if _cupy is None:
        try:
            import cupy
        except ImportError:
            raise RuntimeError(
                "CUDA is not available: autograd_lib runs on the GPU through CuPy, which is not "
                "installed. Install it with `pip install 'autograd-course[gpu]'` (or "
                "`pip install cupy-cuda12x`) on a machine with an NVIDIA GPU."
            ) from None
        try:
            count = cupy.cuda.runtime.getDeviceCount()
        except Exception as exc:  # CUDA driver missing, or no device
            raise RuntimeError(
                "CUDA is not available: CuPy is installed but found no NVIDIA GPU or driver "
                f"({exc}). Use device='cpu'."
            ) from None
        if count == 0:
            raise RuntimeError("CUDA is not available: no NVIDIA GPU found. Use device='cpu'.")
        _cupy = cupy
    return _cupy


def cuda_is_available():
    """True when CuPy is installed and sees at least one GPU (``torch.cuda.is_available()``)."""
    try:
        _import_cupy()
    except RuntimeError:
        return False
    return True


def cuda_device_count():
    return _import_cupy().cuda.runtime.getDeviceCount() if cuda_is_available() else 0


def array_module(dev):
    """NumPy for the CPU, CuPy for a GPU."""
    if dev is CPU:
        return np
    return _import_cupy()


def device_of(array):
    """The device an array lives on: NumPy arrays (and scalars) on the CPU, CuPy on its GPU."""
    if isinstance(array, (np.ndarray, np.generic)):
        return CPU
    return device("cuda", array.device.id)


def module_of(array):
    """The array module (numpy or cupy) that made ``array``."""
    if isinstance(array, (np.ndarray, np.generic)):
        return np
    return _import_cupy()


def to_device(array, dev):
    """Copy ``array`` to device ``dev`` (no copy when it is there already)."""
    if device_of(array) is dev:
        return array
    if dev is CPU:
        return array.get()
    cp = _import_cupy()
    if dev.index >= cp.cuda.runtime.getDeviceCount():
        raise RuntimeError(
            f"CUDA error: invalid device ordinal (asked for {dev}, "
            f"{cp.cuda.runtime.getDeviceCount()} GPU(s) present)"
        )
    # The GPU a tensor is put on becomes CuPy's current device: the ops that follow allocate
    # their results there (``torch.cuda.set_device``). An op on a tensor of another GPU than the
    # current one needs ``with autograd_lib.cuda.device(i):`` (PyTorch switches by itself).
    cp.cuda.Device(dev.index).use()
    return cp.asarray(array)
