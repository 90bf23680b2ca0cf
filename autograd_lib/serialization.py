"""save and load: tensors and state_dicts to a file and back (``torch.save``, ``torch.load``).

    autograd_lib.save(model.state_dict(), "model.pt")
    model.load_state_dict(autograd_lib.load("model.pt"))

    autograd_lib.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                       "epoch": 5}, "checkpoint.pt")

What can be saved: tensors (and Parameters), ``None``, bools, ints, floats, strings, dtypes,
devices, ``Size``, and lists, tuples, dicts and OrderedDicts of these, nested as deep as you
like: everything a model's, an optimizer's or a learning-rate scheduler's ``state_dict()``
holds. A tensor saved twice in one call comes back as one tensor.

The file format is autograd_lib's own, not PyTorch's: a zip archive with one ``.npy`` file per
tensor (NumPy's format) and ``data.json``, which describes the saved object and points at the
arrays. Files written by ``torch.save`` cannot be read, nor the other way round. Because the file
holds data only, never pickled Python objects, loading a file cannot run code: this is what
PyTorch's ``weights_only=True`` (its default since 2.6) promises, and here it always holds.
Saving an arbitrary object (a whole ``nn.Module``, say) is refused for the same reason: save its
``state_dict()`` instead.
"""

import collections
import io
import json
import os
import zipfile

import numpy as np

from . import _dtype, backend
from .creation import from_numpy
from .nn.parameter import Parameter
from .tensor import Size, Tensor, typename

_FORMAT = "autograd_lib.save/1"


class _Writer:
    """Turns an object into JSON-able data, collecting its tensors' arrays on the way."""

    def __init__(self):
        self.arrays = []  # (name in the zip, NumPy array)
        self.seen = {}  # id(tensor) -> its entry, so that a shared tensor is saved once

    def encode(self, obj):
        if obj is None or isinstance(obj, (bool, int, float, str)):
            return obj  # JSON's own types (a dict is tagged below, so it never collides)
        if isinstance(obj, Tensor):
            return self.tensor(obj)
        if isinstance(obj, Size):
            return {"Size": list(obj)}
        if isinstance(obj, _dtype.dtype):
            return {"dtype": str(obj).rsplit(".", 1)[-1]}
        if isinstance(obj, backend.device):
            return {"device": str(obj)}
        if isinstance(obj, list):
            return [self.encode(item) for item in obj]
        if isinstance(obj, tuple) and not hasattr(obj, "_fields"):
            return {"tuple": [self.encode(item) for item in obj]}
        if isinstance(obj, dict) and type(obj) in (dict, collections.OrderedDict):
            kind = "OrderedDict" if isinstance(obj, collections.OrderedDict) else "dict"
            return {kind: [[self.encode(k), self.encode(v)] for k, v in obj.items()]}
        raise TypeError(
            f"autograd_lib.save stores tensors, numbers, strings, None and lists, tuples and "
            f"dicts of them (such as a state_dict), not {typename(obj)}: its file "
            "holds data only, never pickled objects. To save a model, save "
            "model.state_dict() and restore it with model.load_state_dict(autograd_lib.load(f))."
        )

    def tensor(self, t):
        if id(t) in self.seen:
            return self.seen[id(t)]
        name = f"tensors/{len(self.arrays)}.npy"
        self.arrays.append((name, np.asarray(t.detach().cpu().numpy())))
        entry = {"tensor": name, "device": str(t.device), "requires_grad": t.requires_grad,
                 "parameter": isinstance(t, Parameter)}
        self.seen[id(t)] = entry
        return entry


def save(obj, f):
    """Save ``obj`` (a tensor, a state_dict, or lists/tuples/dicts of them) to ``f``, a path or
    a binary file object. See the module docstring for the format.

    >>> autograd_lib.save({"w": autograd_lib.ones(2)}, "w.pt")
    >>> autograd_lib.load("w.pt")
    {'w': tensor([1., 1.])}
    """
    writer = _Writer()
    data = {"format": _FORMAT, "object": writer.encode(obj)}
    if isinstance(f, (str, os.PathLike)):
        f = os.fspath(f)
    with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("data.json", json.dumps(data))
        for name, array in writer.arrays:
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, array, allow_pickle=False)
            archive.writestr(name, buffer.getvalue())


def load(f, map_location=None, *, weights_only=None):
    """Load what ``save`` wrote to ``f`` (a path or a binary file object).

    Tensors go back to the device they were saved from, or to ``map_location`` (``"cpu"``,
    ``"cuda:0"``, a ``device``). ``weights_only`` is accepted for PyTorch's sake: True (the
    default) or False give the same result, since the file can only hold data.

    >>> model = nn.Linear(2, 1)
    >>> autograd_lib.save(model.state_dict(), "model.pt")
    >>> model.load_state_dict(autograd_lib.load("model.pt", map_location="cpu"))
    <All keys matched successfully>
    """
    if isinstance(f, (str, os.PathLike)):
        f = os.fspath(f)
    try:
        archive = zipfile.ZipFile(f)
    except zipfile.BadZipFile:
        raise RuntimeError(
            "autograd_lib.load: the file is not one written by autograd_lib.save (it is not a "
            "zip archive)."
        ) from None
    with archive:
        names = set(archive.namelist())
        if "data.json" not in names:
            raise RuntimeError(
                "autograd_lib.load: the file is not one written by autograd_lib.save (no "
                "data.json in it; a file written by torch.save cannot be read, as it holds "
                "pickled Python objects)."
            )
        data = json.loads(archive.read("data.json"))
        if data.get("format") != _FORMAT:
            raise RuntimeError(f"autograd_lib.load: unknown file format {data.get('format')!r}")
        target = backend.parse_device(map_location)
        loaded = {}  # the zip name of each tensor -> the tensor, so shared ones stay shared

        def array(name):
            with archive.open(name) as member:
                return np.lib.format.read_array(io.BytesIO(member.read()), allow_pickle=False)

        def decode(value):
            if not isinstance(value, (list, dict)):
                return value
            if isinstance(value, list):
                return [decode(item) for item in value]
            ((kind, content), *_) = value.items()  # the tag comes first
            if kind == "tensor":
                if content not in loaded:
                    loaded[content] = _tensor(array(content), value, target)
                return loaded[content]
            if kind == "tuple":
                return tuple(decode(item) for item in content)
            if kind in ("dict", "OrderedDict"):
                pairs = [(decode(k), decode(v)) for k, v in content]
                return collections.OrderedDict(pairs) if kind == "OrderedDict" else dict(pairs)
            if kind == "Size":
                return Size(content)
            if kind == "dtype":
                return getattr(_dtype, content)
            if kind == "device":
                return backend.device(content)
            raise RuntimeError(f"autograd_lib.load: unknown entry {kind!r} in the file")

        return decode(data["object"])


def _tensor(array, entry, target):
    """The tensor of a saved entry: its array, on ``target`` or on the device it came from."""
    dev = target if target is not None else backend.device(entry["device"])
    t = from_numpy(array).to(dev)
    if entry["parameter"]:
        return Parameter(t, requires_grad=entry["requires_grad"])
    return t.requires_grad_(entry["requires_grad"]) if t.is_floating_point() else t
