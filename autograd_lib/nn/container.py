"""Containers: Sequential (a chain of layers, each feeding the next), ModuleList (a list of
layers that you call yourself) and ModuleDict (layers by name)."""

import operator
from collections import OrderedDict
from collections.abc import Iterable, Mapping

from .module import Module, _addindent


class _ModuleSequence(Module):
    """What Sequential and ModuleList share: children named "0", "1", ... used as a list."""

    def _get_item_by_idx(self, iterator, idx):
        """The idx-th item of ``iterator``, counting from the end when idx < 0."""
        size = len(self)
        idx = operator.index(idx)
        if not -size <= idx < size:
            raise IndexError(f"index {idx} is out of range")
        idx %= size
        for i, item in enumerate(iterator):
            if i == idx:
                return item

    def __getitem__(self, idx):
        if isinstance(idx, slice):
            return self._from_slice(list(self._modules.items())[idx])
        return self._get_item_by_idx(self._modules.values(), idx)

    def __setitem__(self, idx, module):
        key = self._get_item_by_idx(self._modules.keys(), idx)
        setattr(self, key, module)

    def __delitem__(self, idx):
        if isinstance(idx, slice):
            for key in list(self._modules.keys())[idx]:
                delattr(self, key)
        else:
            delattr(self, self._get_item_by_idx(self._modules.keys(), idx))
        # Renumber so the names stay "0", "1", ... (as PyTorch does).
        str_indices = [str(i) for i in range(len(self._modules))]
        self._modules = OrderedDict(zip(str_indices, self._modules.values()))

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def append(self, module):
        """Add ``module`` at the end; return ``self``."""
        self.add_module(str(len(self)), module)
        return self


class Sequential(_ModuleSequence):
    """Run modules one after the other: ``Sequential(a, b, c)(x) == c(b(a(x)))``.

    The layers are registered as children named ``"0"``, ``"1"``, ... (so their parameters are
    ``"0.weight"``, ``"0.bias"``, ...), or with your own names when built from an OrderedDict::

        Sequential(OrderedDict([("hidden", Linear(2, 8)), ("act", ReLU())]))

    It behaves like a list of its layers: ``len(seq)``, ``seq[0]``, ``seq[-1]``, ``seq[1:]``
    (a new Sequential), ``for layer in seq``, ``seq.append(layer)``.
    """

    def __init__(self, *args):
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for key, module in args[0].items():
                self.add_module(key, module)
        else:
            for idx, module in enumerate(args):
                self.add_module(str(idx), module)

    def _from_slice(self, items):
        return self.__class__(OrderedDict(items))

    def forward(self, input):
        for module in self:
            input = module(input)
        return input


class ModuleList(_ModuleSequence):
    """A list of modules whose parameters the parent module registers.

    A plain Python list of layers is invisible to ``parameters()``, ``to()`` and
    ``state_dict()``; a ModuleList is not. It has no ``forward``: you call its layers yourself::

        self.layers = nn.ModuleList([nn.Linear(8, 8) for _ in range(3)])
        ...
        for layer in self.layers:
            x = layer(x).relu()

    Printing it groups identical consecutive layers: ``(0-2): 3 x Linear(...)``.
    """

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def _from_slice(self, items):
        return self.__class__([module for _, module in items])

    def extend(self, modules):
        """Append every module of the iterable ``modules``; return ``self``."""
        if not isinstance(modules, Iterable):
            raise TypeError(
                "ModuleList.extend should be called with an iterable, but got "
                + type(modules).__name__
            )
        for module in modules:
            self.append(module)
        return self

    def __iadd__(self, modules):
        return self.extend(modules)

    def insert(self, index, module):
        """Put ``module`` before position ``index``."""
        for i in range(len(self._modules), index, -1):
            self._modules[str(i)] = self._modules[str(i - 1)]
        self._modules[str(index)] = module

    def __repr__(self):
        reprs = [repr(module) for module in self]
        if not reprs:
            return self._get_name() + "()"
        blocks = []  # [first index, last index, repr] of each run of identical reprs
        for i, text in enumerate(reprs):
            if blocks and blocks[-1][2] == text:
                blocks[-1][1] = i
            else:
                blocks.append([i, i, text])
        lines = []
        for first, last, text in blocks:
            if first == last:
                line = f"({first}): {text}"
            else:
                line = f"({first}-{last}): {last - first + 1} x {text}"
            lines.append(_addindent(line, 2))
        return self._get_name() + "(\n  " + "\n  ".join(lines) + "\n)"


class ModuleDict(Module):
    """A dict of modules (str -> Module) whose parameters the parent module registers.

    ``nn.ModuleDict({"act": nn.ReLU(), "out": nn.Linear(4, 1)})``; then ``layers["act"]``,
    ``"act" in layers``, ``layers.keys()``, ``.values()``, ``.items()``, ``len(layers)``.
    The order is the order of insertion.
    """

    def __init__(self, modules=None):
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key):
        return self._modules[key]

    def __setitem__(self, key, module):
        self.add_module(key, module)

    def __delitem__(self, key):
        del self._modules[key]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules)

    def __contains__(self, key):
        return key in self._modules

    def keys(self):
        return self._modules.keys()

    def values(self):
        return self._modules.values()

    def items(self):
        return self._modules.items()

    def pop(self, key):
        """Remove ``key`` and return its module."""
        module = self[key]
        del self[key]
        return module

    def clear(self):
        """Remove every module."""
        self._modules.clear()

    def update(self, modules):
        """Add (or replace) modules from a mapping or from (name, module) pairs."""
        if not isinstance(modules, Iterable):
            raise TypeError(
                "ModuleDict.update should be called with an iterable of key/value pairs, "
                "but got " + type(modules).__name__
            )
        pairs = modules.items() if isinstance(modules, (Mapping, ModuleDict)) else modules
        for key, module in pairs:
            self[key] = module
