"""autograd_lib.utils.data: datasets and the loader that cuts them into batches.

* ``Dataset``: anything with ``__getitem__(i)`` and ``__len__()``; ``IterableDataset``: anything
  you iterate over.
* ``TensorDataset(X, y)``: sample ``i`` is ``(X[i], y[i])``.
* ``Subset``, ``random_split``: part of a dataset (e.g. a training and a validation set).
* ``DataLoader``: batches (optionally shuffled) of a dataset, stacked into tensors.

A typical loop::

    loader = DataLoader(TensorDataset(X, y), batch_size=32, shuffle=True)
    for epoch in range(10):
        for xb, yb in loader:
            ...
"""

from .dataloader import DataLoader, default_collate
from .dataset import Dataset, IterableDataset, Subset, TensorDataset, random_split

__all__ = ["DataLoader", "Dataset", "IterableDataset", "Subset", "TensorDataset",
           "default_collate", "random_split"]
