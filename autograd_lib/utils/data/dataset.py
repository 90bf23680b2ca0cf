"""Datasets: an indexable collection of samples, and ways to take part of one."""

import math
import warnings

import autograd_lib


class Dataset:
    """Base class of map-style datasets: ``dataset[i]`` is the i-th sample.

    A subclass defines ``__getitem__`` and, for a ``DataLoader`` to know how many batches
    there are, ``__len__``::

        class Squares(Dataset):
            def __len__(self):
                return 10

            def __getitem__(self, i):
                return autograd_lib.tensor(float(i)), autograd_lib.tensor(float(i * i))
    """

    def __getitem__(self, index):
        raise NotImplementedError("Subclasses of Dataset should implement __getitem__.")


class IterableDataset(Dataset):
    """Base class of datasets you iterate over (a stream: a file read line by line, a
    generator): a subclass defines ``__iter__``. A ``DataLoader`` batches what it yields, in
    order (it cannot shuffle a stream)."""

    def __iter__(self):
        raise NotImplementedError("Subclasses of IterableDataset should implement __iter__.")


class TensorDataset(Dataset):
    """Samples from tensors of the same length: ``dataset[i] == (X[i], y[i])``.

    >>> ds = TensorDataset(autograd_lib.arange(6.0).view(3, 2), autograd_lib.tensor([0, 1, 0]))
    >>> len(ds), ds[1]
    (3, (tensor([2., 3.]), tensor(1)))
    """

    def __init__(self, *tensors):
        if any(tensors[0].size(0) != t.size(0) for t in tensors):
            raise AssertionError("Size mismatch between tensors")
        self.tensors = tensors

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self):
        return self.tensors[0].size(0)


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order: ``Subset(ds, [4, 1])[0]`` is
    ``ds[4]``."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return [self.dataset[self.indices[i]] for i in idx]
        return self.dataset[self.indices[idx]]

    def __len__(self):
        return len(self.indices)


def random_split(dataset, lengths, generator=None):
    """Split ``dataset`` at random into non-overlapping ``Subset``s of the given ``lengths``.

    ``lengths`` are sizes that add up to ``len(dataset)``, or fractions that add up to 1: then
    each size is ``floor(fraction * len(dataset))`` and what is left over goes one by one to the
    first subsets. ``generator`` (an ``autograd_lib.Generator``) makes the split reproducible.

    >>> dataset = TensorDataset(autograd_lib.arange(10.0))
    >>> g = autograd_lib.Generator().manual_seed(0)
    >>> train, val = random_split(dataset, [0.8, 0.2], generator=g)
    >>> len(train), len(val)
    (8, 2)
    """
    n = len(dataset)
    if math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        for i, fraction in enumerate(lengths):
            if fraction < 0 or fraction > 1:
                raise ValueError(f"Fraction at index {i} is not between 0 and 1")
        sizes = [int(math.floor(n * fraction)) for fraction in lengths]
        for i in range(n - sum(sizes)):
            sizes[i % len(sizes)] += 1
        for i, size in enumerate(sizes):
            if size == 0:
                warnings.warn(f"Length of split at index {i} is 0. "
                              "This might result in an empty dataset.", stacklevel=2)
        lengths = sizes
    if sum(lengths) != n:
        raise ValueError("Sum of input lengths does not equal the length of the input dataset!")
    order = autograd_lib.randperm(n, generator=generator).tolist()
    subsets, start = [], 0
    for length in lengths:
        subsets.append(Subset(dataset, order[start:start + length]))
        start += length
    return subsets
