"""DataLoader: cut a dataset into batches, shuffled or in order, and stack each into tensors."""

import collections
import numbers

import numpy as np

import autograd_lib
from autograd_lib.tensor import Tensor

from .dataset import IterableDataset


def default_collate(batch):
    """Stack a list of samples into one batch, keeping the samples' structure:

    * tensors (and NumPy arrays) are stacked along a new first dimension;
    * Python floats become a float64 tensor, ints an int64 tensor, bools a bool tensor;
    * strings are left as they come (the batch's sequence of them);
    * tuples and lists of fields are collated field by field: ``[(x0, y0), (x1, y1)]`` gives
      ``[stack([x0, x1]), stack([y0, y1])]`` (a list, as PyTorch gives; a namedtuple stays one);
      dicts key by key.

    >>> default_collate([(autograd_lib.ones(2), 1), (autograd_lib.zeros(2), 0)])
    [tensor([[1., 1.],
            [0., 0.]]), tensor([1, 0])]
    """
    elem = batch[0]
    if isinstance(elem, Tensor):
        return autograd_lib.stack(batch)
    if isinstance(elem, (np.ndarray, np.number, np.bool_)):
        return autograd_lib.stack([autograd_lib.as_tensor(np.asarray(b)) for b in batch])
    if isinstance(elem, str):
        return batch
    if isinstance(elem, float):
        return autograd_lib.tensor(batch, dtype=autograd_lib.float64)
    if isinstance(elem, (bool, numbers.Integral)):
        return autograd_lib.tensor(batch)
    if isinstance(elem, collections.abc.Mapping):
        return {key: default_collate([d[key] for d in batch]) for key in elem}
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # a namedtuple
        return type(elem)(*(default_collate(field) for field in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        if any(len(sample) != len(elem) for sample in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        return [default_collate(field) for field in zip(*batch)]
    raise TypeError(
        "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
        f"found {type(elem)}"
    )


def default_convert(sample):
    """A sample served unbatched (``batch_size=None``): NumPy arrays become tensors and tuples
    lists, as PyTorch's ``default_convert`` does; the rest stays as it is."""
    if isinstance(sample, np.ndarray):
        return autograd_lib.as_tensor(sample)
    if isinstance(sample, tuple) and not hasattr(sample, "_fields"):
        return [default_convert(field) for field in sample]
    return sample


class DataLoader:
    """Iterate over ``dataset`` in batches of ``batch_size`` samples, each collated into
    tensors by ``collate_fn`` (``default_collate``).

    * ``shuffle=True``: a new random order every epoch (every ``for`` over the loader), drawn
      from ``generator`` (an ``autograd_lib.Generator``) or the global stream (``manual_seed``).
    * ``drop_last=True``: leave out the last, smaller batch.
    * ``batch_size=None``: yield the samples one by one, unbatched.
    * ``len(loader)``: the number of batches.

    The data are loaded in the main process only: ``num_workers`` must be 0 (autograd_lib has
    no worker processes, no ``sampler``/``batch_sampler`` and no ``pin_memory``).

    >>> from autograd_lib.utils.data import TensorDataset
    >>> X, y = autograd_lib.arange(6.0).view(3, 2), autograd_lib.tensor([0.0, 1.0, 2.0])
    >>> loader = DataLoader(TensorDataset(X, y), batch_size=2, shuffle=True)
    >>> [len(xb) for xb, yb in loader], len(loader)  # 3 samples: a batch of 2, then of 1
    ([2, 1], 2)
    """

    def __init__(self, dataset, batch_size=1, shuffle=None, num_workers=0, collate_fn=None,
                 drop_last=False, generator=None):
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; "
                             "use num_workers=0 to disable multiprocessing.")
        if num_workers > 0:
            raise ValueError(f"num_workers={num_workers}: autograd_lib's DataLoader loads the "
                             "data in the main process only; use num_workers=0.")
        if batch_size is not None and (not isinstance(batch_size, int)
                                       or isinstance(batch_size, bool) or batch_size <= 0):
            raise ValueError("batch_size should be a positive integer value, but got "
                             f"batch_size={batch_size}")
        if isinstance(dataset, IterableDataset) and shuffle not in (None, False):
            raise ValueError("DataLoader with IterableDataset: expected unspecified shuffle "
                             f"option, but got shuffle={shuffle}")
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = bool(shuffle)
        self.num_workers = num_workers
        self.collate_fn = default_collate if collate_fn is None else collate_fn
        self.drop_last = drop_last
        self.generator = generator

    def _samples(self):
        """The samples of one epoch, in the order they are served."""
        if isinstance(self.dataset, IterableDataset):
            yield from self.dataset
            return
        n = len(self.dataset)
        if self.shuffle:
            order = autograd_lib.randperm(n, generator=self.generator).tolist()
        else:
            order = range(n)
        for i in order:
            yield self.dataset[i]

    def __iter__(self):
        if self.batch_size is None:
            for sample in self._samples():
                yield default_convert(sample)
            return
        batch = []
        for sample in self._samples():
            batch.append(sample)
            if len(batch) == self.batch_size:
                yield self.collate_fn(batch)
                batch = []
        if batch and not self.drop_last:
            yield self.collate_fn(batch)

    def __len__(self):
        n = len(self.dataset)
        if self.batch_size is None:
            return n
        if self.drop_last:
            return n // self.batch_size
        return -(-n // self.batch_size)  # rounded up
