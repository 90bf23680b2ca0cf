"""``func.vmap(..., randomness=)`` and ``func.jacfwd(..., randomness=)`` against PyTorch 2.13.

The numbers differ between the libraries (different generators), so each test compares what
does not depend on them: the error and its text in ``'error'`` mode, and in the other modes
the shapes, dtypes and which rows are equal (``'different'``: none; ``'same'``: all).
"""

import numpy as np
import pytest
import torch
import torch.func

import autograd_lib as ag
import autograd_lib.creation
import autograd_lib.func

FUNC = {ag: ag.func, torch: torch.func}

# Random operations inside the mapped function, ``r`` one row of the batch.
# Rows of 16 numbers: two rows of independent draws are not equal by chance.
# (``g``: a generator of the row's device; ``d``: that device)
RANDOM = [
    "r + m.rand(16, device=d)", "r + m.randn(16, device=d)",
    "r + m.randint(0, 5, (16,), device=d)", "r + m.randperm(16, device=d)",
    "r + m.normal(0.0, 1.0, (16,), device=d)", "m.rand_like(r)", "m.randn_like(r)",
    "m.nn.functional.dropout(r)", "m.nn.Dropout(0.5)(r)", "r.clone().uniform_()",
    "r.clone().normal_()", "r.clone().random_(0, 10)", "r + m.rand(16, generator=g, device=d)",
    "m.nn.init.uniform_(r.clone())",
]
ERROR = ("vmap: called random operation while in randomness error mode. Please either use the "
         "'same' or 'different' randomness flags on vmap or perform the randomness operation "
         "out of vmap")


def batch(m, device):
    return m.ones(4, 16, device=device if m is ag else "cpu")


def run(m, device, expr, **vmap_kwargs):
    dev = device if m is ag else "cpu"
    names = {"m": m, "g": m.Generator(dev), "d": dev}
    return FUNC[m].vmap(lambda r: eval(expr, {**names, "r": r}), **vmap_kwargs)(batch(m, device))


@pytest.mark.parametrize("expr", RANDOM)
def test_a_random_operation_raises_torchs_error_by_default(expr, device):
    for m in (torch, ag):
        with pytest.raises(RuntimeError) as caught:
            run(m, device, expr)
        assert str(caught.value) == ERROR
        with pytest.raises(RuntimeError, match="randomness error mode"):
            run(m, device, expr, randomness="error")
    assert autograd_lib.creation.draw_hook is None  # (nothing left behind by the error)


def rows_equal(t):
    rows = [np.asarray(row.tolist()) for row in t]
    return [bool(np.array_equal(rows[0], row)) for row in rows[1:]]


@pytest.mark.parametrize("expr", RANDOM)
@pytest.mark.parametrize("randomness", ["different", "same"])
def test_different_and_same_as_torch(expr, randomness, device):
    mine, theirs = run(ag, device, expr, randomness=randomness), run(torch, device, expr,
                                                                    randomness=randomness)
    assert tuple(mine.shape) == tuple(theirs.shape)
    assert mine.dtype.name == str(theirs.dtype).removeprefix("torch.")
    assert mine.device.type == device
    expected = [randomness == "same"] * 3
    assert rows_equal(mine) == rows_equal(theirs) == expected


def test_without_random_operations_every_mode_works(device):
    for m in (ag, torch):
        for randomness in ("error", "different", "same"):
            out = run(m, device, "m.nn.functional.dropout(r * 2, training=False)",
                      randomness=randomness)
            assert out.tolist() == [[2.0] * 16] * 4


def test_same_draws_one_elements_numbers():
    """After ``'same'`` the generator stands where one element's draws leave it."""
    ag.manual_seed(7)
    rows = ag.func.vmap(lambda r: r + ag.rand(3), randomness="same")(ag.ones(4, 3))
    after = ag.rand(2)
    ag.manual_seed(7)
    first = ag.rand(3)
    assert rows.tolist() == [(first + 1).tolist()] * 4
    assert ag.rand(2).tolist() == after.tolist()


@pytest.mark.parametrize("m", [ag, torch], ids=["autograd_lib", "torch"])
def test_nested_vmaps_each_have_their_say(m):
    x, vmap = m.ones(3, 2), FUNC[m].vmap
    for outer, inner, rows_same, columns_same in [("different", "same", False, True),
                                                  ("same", "different", True, False)]:
        out = vmap(vmap(lambda v: v + m.rand(()), randomness=inner), randomness=outer)(x)
        assert rows_equal(out) == [rows_same] * 2, (outer, inner)
        assert all((row[0] == row[1]).item() == columns_same for row in out)
    with pytest.raises(RuntimeError, match="randomness error mode"):  # an enclosing 'error'
        vmap(vmap(lambda v: v + m.rand(()), randomness="different"))(x)  # refuses


def test_invalid_randomness_is_refused_as_torch_does():
    for m in (ag, torch):
        for make in (lambda f: f.vmap(lambda r: r, randomness="foo"),  # at once
                     lambda f: f.jacfwd(lambda r: r, randomness="foo")(m.ones(2))):  # noqa: B023
            with pytest.raises(RuntimeError) as caught:
                make(FUNC[m])
            assert str(caught.value) == ("Only allowed values for randomness are 'error', "
                                         "'different', or 'same'. Got foo")


@pytest.mark.parametrize("m", [ag, torch], ids=["autograd_lib", "torch"])
def test_jacfwd_and_hessian_take_the_randomness_of_their_columns(m, device):
    f, dev = FUNC[m], device if m is ag else "cpu"
    x = m.ones(3, device=dev)

    def noisy(r):
        return r * m.rand(3, device=dev)

    with pytest.raises(RuntimeError) as caught:
        f.jacfwd(noisy)(x)
    assert str(caught.value) == ERROR
    with pytest.raises(RuntimeError, match="randomness error mode"):
        f.hessian(lambda r: noisy(r).sum())(x)
    for randomness in ("same", "different"):  # a diagonal Jacobian: the draws
        jacobian = f.jacfwd(noisy, randomness=randomness)(x)
        assert tuple(jacobian.shape) == (3, 3)
        assert (jacobian - m.diag(m.diag(jacobian))).abs().sum().item() == 0
    assert tuple(f.jacrev(noisy)(x).shape) == (3, 3)  # (its forward pass is not a batch)
