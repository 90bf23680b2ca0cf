"""autograd_lib.utils.data against torch.utils.data (PyTorch 2.13): datasets, batches and their
printed text, shuffling with a Generator, random_split, errors."""

import collections
import warnings

import numpy as np
import pytest
import torch

import autograd_lib as ag

X = np.arange(20, dtype=np.float32).reshape(10, 2)
Y = np.arange(10) % 3
Point = collections.namedtuple("Point", "x y")


def text(obj):
    return repr(obj).replace("autograd_lib", "torch")


def both(expr):
    """``expr`` with m = torch and m = autograd_lib (``D`` is m.utils.data), as printed text."""
    out = []
    for m in (torch, ag):
        env = {"m": m, "D": m.utils.data, "X": X, "Y": Y, "np": np, "Point": Point}
        out.append(text(eval(expr, env)))
    return out


@pytest.mark.parametrize("expr", [
    "len(D.TensorDataset(m.tensor(X), m.tensor(Y)))",
    "D.TensorDataset(m.tensor(X), m.tensor(Y))[3]",
    "D.TensorDataset(m.tensor(X), m.tensor(Y))[2:4]",
    "list(D.DataLoader(D.TensorDataset(m.tensor(X), m.tensor(Y)), batch_size=4))",
    "list(D.DataLoader(D.TensorDataset(m.tensor(X), m.tensor(Y)), batch_size=4, drop_last=True))",
    "len(D.DataLoader(D.TensorDataset(m.tensor(X)), batch_size=3))",
    "len(D.DataLoader(D.TensorDataset(m.tensor(X)), batch_size=3, drop_last=True))",
    "len(D.DataLoader(D.TensorDataset(m.tensor(X)), batch_size=None))",
    "list(D.DataLoader(D.TensorDataset(m.tensor(X[:3])), batch_size=None))",
    "list(D.DataLoader(D.TensorDataset(m.tensor(X[:3])), batch_size=1))",
    "list(D.DataLoader([(1.5, 2, True, 'a'), (2.5, 3, False, 'b')], batch_size=2))",
    "list(D.DataLoader([{'x': m.ones(2), 'n': 1}, {'x': m.zeros(2), 'n': 2}], batch_size=2))",
    "list(D.DataLoader([Point(m.ones(1), 1.0), Point(m.zeros(1), 2.0)], batch_size=2))",
    "list(D.DataLoader([X[0], X[1], X[2]], batch_size=2))",
    "list(D.DataLoader([np.float32(1.5), np.float32(2.5)], batch_size=2))",
    "list(D.DataLoader([[1, 2], [3, 4]], batch_size=2))",
    "D.default_collate([(m.ones(2), 1), (m.zeros(2), 0)])",
    "D.Subset(D.TensorDataset(m.tensor(X)), [4, 1])[0]",
    "len(D.Subset(D.TensorDataset(m.tensor(X)), [4, 1]))",
    "[len(s) for s in D.random_split(range(10), [0.3, 0.7])]",
    "[len(s) for s in D.random_split(range(10), [0.33, 0.33, 0.34])]",
    "[len(s) for s in D.random_split(range(10), [3, 7])]",
    "[len(s) for s in D.random_split(range(10), [0.05, 0.95])]",
    "type(D.random_split(range(10), [3, 7])[0]).__name__",
])
def test_prints_what_torch_prints(expr):
    theirs, ours = both(expr)
    assert ours == theirs


class Stream:
    """The same IterableDataset in both libraries."""

    @staticmethod
    def make(m):
        class Numbers(m.utils.data.IterableDataset):
            def __iter__(self):
                return iter(range(5))

        return Numbers()


def test_iterable_dataset_like_torch():
    for m in (torch, ag):
        assert text(list(m.utils.data.DataLoader(Stream.make(m), batch_size=2))) == (
            "[tensor([0, 1]), tensor([2, 3]), tensor([4])]")
        with pytest.raises(ValueError, match="expected unspecified shuffle option, but got "
                                             "shuffle=True"):
            m.utils.data.DataLoader(Stream.make(m), shuffle=True)
        with pytest.raises(TypeError, match="has no len"):
            len(m.utils.data.DataLoader(Stream.make(m), batch_size=2))


def raised(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        return type(e).__name__, str(e)
    raise AssertionError("no error")


@pytest.mark.parametrize("expr", [
    "D.TensorDataset(m.ones(2), m.ones(3))",
    "D.random_split(range(10), [3, 3])",
    "D.random_split(range(10), [0.5, 0.6])",
    "D.random_split(range(10), [1.2, -0.2])",
    "D.DataLoader(range(3), batch_size=0)",
    "D.DataLoader(range(3), num_workers=-1)",
    "list(D.DataLoader(D.Dataset()))",
    "D.Dataset()[0]",
    "list(D.DataLoader([[1, 2], [3]], batch_size=2))",
])
def test_errors_like_torch(expr):
    out = [raised(lambda m=m: eval(expr, {"m": m, "D": m.utils.data})) for m in (torch, ag)]
    assert out[1] == out[0]


def test_num_workers_is_refused_clearly():
    with pytest.raises(ValueError, match="num_workers=2: autograd_lib's DataLoader loads the "
                                         "data in the main process only; use num_workers=0"):
        ag.utils.data.DataLoader(range(3), num_workers=2)


def test_shuffle_each_epoch_a_new_permutation_reproducible_with_a_generator():
    ds = ag.utils.data.TensorDataset(ag.arange(10))
    loader = ag.utils.data.DataLoader(ds, batch_size=3, shuffle=True,
                                      generator=ag.Generator().manual_seed(1))
    epochs = [ag.cat([b for (b,) in loader]).tolist() for _ in range(3)]
    assert all(sorted(e) == list(range(10)) for e in epochs)
    assert epochs[0] != epochs[1]
    again = ag.utils.data.DataLoader(ds, batch_size=3, shuffle=True,
                                     generator=ag.Generator().manual_seed(1))
    assert [ag.cat([b for (b,) in again]).tolist() for _ in range(3)] == epochs
    # Without a generator: the global stream, so manual_seed makes it reproducible.
    ag.manual_seed(0)
    first = [b.tolist() for (b,) in ag.utils.data.DataLoader(ds, batch_size=5, shuffle=True)]
    ag.manual_seed(0)
    assert [b.tolist() for (b,) in ag.utils.data.DataLoader(ds, batch_size=5, shuffle=True)] == (
        first)
    assert [len(b) for (b,) in loader] == [3, 3, 3, 1]


def test_random_split_disjoint_covering_reproducible_and_warns_like_torch():
    parts = ag.utils.data.random_split(range(10), [0.5, 0.3, 0.2],
                                       generator=ag.Generator().manual_seed(0))
    indices = [i for p in parts for i in p.indices]
    assert sorted(indices) == list(range(10)) and [len(p) for p in parts] == [5, 3, 2]
    assert parts[0][0] == parts[0].indices[0]  # Subset of a range
    again = ag.utils.data.random_split(range(10), [0.5, 0.3, 0.2],
                                       generator=ag.Generator().manual_seed(0))
    assert [p.indices for p in again] == [p.indices for p in parts]
    for m in (torch, ag):
        with pytest.warns(UserWarning, match="Length of split at index 1 is 0"):
            m.utils.data.random_split(range(3), [0.05, 0.05, 0.9])


def test_a_training_loop_with_a_data_loader():
    """The loop of every tutorial: a TensorDataset, a shuffled DataLoader, an optimizer."""
    ag.manual_seed(0)
    x = ag.randn(64, 3)
    y = x @ ag.tensor([[2.0], [-1.0], [0.5]]) + 0.3
    loader = ag.utils.data.DataLoader(ag.utils.data.TensorDataset(x, y), batch_size=8,
                                      shuffle=True)
    model = ag.nn.Linear(3, 1)
    opt = ag.optim.SGD(model.parameters(), lr=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(20):
            for xb, yb in loader:
                opt.zero_grad()
                ag.nn.functional.mse_loss(model(xb), yb).backward()
                opt.step()
    np.testing.assert_allclose(model.weight.detach().numpy(), [[2.0, -1.0, 0.5]], atol=1e-3)
    np.testing.assert_allclose(model.bias.detach().numpy(), [0.3], atol=1e-3)
