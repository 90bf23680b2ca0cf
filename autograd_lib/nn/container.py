"""Sequential: a model that is just a chain of layers, each feeding the next."""

import operator
from collections import OrderedDict

from .module import Module


class Sequential(Module):
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
            return self.__class__(OrderedDict(list(self._modules.items())[idx]))
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

    def forward(self, input):
        for module in self:
            input = module(input)
        return input
