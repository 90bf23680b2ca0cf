"""``autograd_lib.Generator`` and ``generator=`` on the random functions, beside PyTorch's.

The numbers cannot equal PyTorch's (NumPy's PCG64 draws them), so these tests check what a
program relies on: a seed repeats its numbers, generators are independent of each other and of
the default one, ``get_state``/``set_state`` rewind, and shapes, dtypes and errors are torch's.
"""

import pytest
import torch

import autograd_lib as ag

DRAWS = {
    "rand": lambda m, g, dev: m.rand(2, 3, generator=g, device=dev),
    "randn": lambda m, g, dev: m.randn((4,), generator=g, device=dev),
    "randint": lambda m, g, dev: m.randint(0, 10, (3, 2), generator=g, device=dev),
    "randint(high, size)": lambda m, g, dev: m.randint(5, (6,), generator=g, device=dev),
    "randperm": lambda m, g, dev: m.randperm(7, generator=g, device=dev),
    "normal": lambda m, g, dev: m.normal(2.0, 3.0, (5,), generator=g, device=dev),
    "uniform_": lambda m, g, dev: m.empty(3, device=dev).uniform_(-1, 1, generator=g),
    "normal_": lambda m, g, dev: m.empty(2, 2, device=dev, dtype=m.float64).normal_(
        generator=g),
    "random_": lambda m, g, dev: m.empty(4, device=dev).random_(0, 5, generator=g),
}


def same(a, b):
    return a.shape == b.shape and a.dtype == b.dtype and bool((a == b).all())


@pytest.mark.parametrize("name", DRAWS)
def test_generator_draws_have_torchs_shape_and_dtype_and_repeat(name, device):
    draw = DRAWS[name]
    g = ag.Generator(device=device)
    first = draw(ag, g.manual_seed(7), device)
    expected = draw(torch, torch.Generator().manual_seed(7), "cpu")
    assert tuple(first.shape) == tuple(expected.shape)
    assert first.dtype.name == str(expected.dtype).removeprefix("torch.")
    assert str(first.device).split(":")[0] == device  # "cuda" makes cuda:0, as in PyTorch
    assert same(draw(ag, g.manual_seed(7), device), first)  # the same seed, the same numbers
    assert not same(draw(ag, g, device), first) or name == "randint(high, size)"


def test_generators_are_independent_of_each_other_and_of_the_default():
    ag.manual_seed(0)
    plain = ag.randn(5)
    ag.manual_seed(0)
    g = ag.Generator().manual_seed(0)
    ag.randn(100, generator=g)  # drawing from g leaves the default stream where it was
    assert same(ag.randn(5), plain)
    h, k = ag.Generator().manual_seed(0), ag.Generator().manual_seed(0)
    a = ag.randn(3, generator=h)
    ag.randn(50, generator=ag.Generator().manual_seed(0))  # a third one changes neither
    assert same(ag.randn(3, generator=k), a)
    assert same(ag.randn(3, generator=k), ag.randn(3, generator=h))


def test_get_state_and_set_state_rewind():
    g = ag.Generator().manual_seed(3)
    ag.rand(1, generator=g)
    state = g.get_state()
    a = ag.randn(4, generator=g)
    g.set_state(state)
    assert same(ag.randn(4, generator=g), a)
    assert state.dtype is ag.uint8 and state.ndim == 1
    assert ag.Generator().set_state(state).initial_seed() == 3
    ag.manual_seed(11)
    saved = ag.get_rng_state()
    b = ag.rand(3)
    ag.set_rng_state(saved)
    assert same(ag.rand(3), b)


def test_seeds_as_torchs():
    assert ag.Generator().initial_seed() == torch.Generator().initial_seed()
    g = ag.Generator()
    assert g.manual_seed(-1) is g and g.initial_seed() == torch.Generator().manual_seed(
        -1).initial_seed()
    assert ag.manual_seed(5) is ag.default_generator and ag.initial_seed() == 5
    s = ag.seed()
    assert isinstance(s, int) and ag.initial_seed() == s
    assert repr(g).startswith("<autograd_lib.Generator object at 0x")
    with pytest.raises(ValueError, match="Overflow when unpacking long long"):
        g.manual_seed(2**64)
    with pytest.raises(ValueError, match="Overflow when unpacking long long"):
        torch.Generator().manual_seed(2**64)


def test_generator_errors_as_torchs():
    g = ag.Generator()
    with pytest.raises(TypeError, match="RNG state must be a autograd_lib.ByteTensor"):
        g.set_state(ag.zeros(3))
    with pytest.raises(TypeError, match="RNG state must be a torch.ByteTensor"):
        torch.Generator().set_state(torch.zeros(3))
    with pytest.raises(RuntimeError, match="Expected a CPUGeneratorImplState of size 80 but "
                       "found the input RNG state size to be 3"):
        g.set_state(ag.zeros(3, dtype=ag.uint8))
    with pytest.raises(TypeError, match=r"rand\(\) received an invalid combination of arguments"):
        ag.rand(2, generator=3)
    with pytest.raises(TypeError, match=r"rand\(\) received an invalid combination of arguments"):
        torch.rand(2, generator=3)
