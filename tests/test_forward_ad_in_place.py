"""Forward-mode AD through ``zero_``, ``fill_`` and ``copy_``, and reverse mode through a
tangent, against PyTorch 2.13's ``torch.autograd.forward_ad``.

``zero_()`` and ``fill_(number)`` leave a zero tangent; ``fill_(dual 0-d tensor)`` its tangent;
``copy_(src)`` a copy of src's tangent (broadcast, in the destination's dtype), or zeros if src
has none; an integer destination none. The tangent is written into the old one (views of the
tensor, and the tangent given to ``make_dual``, see the change) and is never src's own object.
"""

import numpy as np
import pytest
import torch
import torch.autograd.forward_ad as tfw
from test_function import assert_same

import autograd_lib as ag
import autograd_lib.autograd.forward_ad as afw

FW = {torch: tfw, ag: afw}


def host(t):
    return None if t is None else t.detach().cpu()


def same_on(device, scenario):
    """``scenario(m, dev)`` with torch on the CPU and autograd_lib on ``device``: the same
    tensors come back (brought to the CPU)."""
    theirs = scenario(torch, "cpu")
    ours = scenario(ag, device)
    assert_same([host(t) for t in ours], [host(t) for t in theirs])


def dual(m, dev, values, tangent):
    return FW[m].make_dual(m.tensor(values, device=dev), m.tensor(tangent, device=dev))


SCENARIOS = {
    "zero_": lambda m, d, x: x.zero_(),
    "fill_ number": lambda m, d, x: x.fill_(5.0),
    "fill_ dual 0-d": lambda m, d, x: x.fill_(dual(m, d, 5.0, 7.0)),
    "copy_ plain": lambda m, d, x: x.copy_(m.tensor([9.0, 8.0], device=d)),
    "copy_ dual": lambda m, d, x: x.copy_(dual(m, d, [7.0, 8.0], [5.0, 6.0])),
    "copy_ float64 dual": lambda m, d, x: x.copy_(FW[m].make_dual(
        m.tensor([7.0, 8.0], dtype=m.float64, device=d),
        m.tensor([5.0, 6.0], dtype=m.float64, device=d))),
    "copy_ broadcast": lambda m, d, x: x.copy_(dual(m, d, 7.0, 3.0)),
}


@pytest.mark.parametrize("op", SCENARIOS)
def test_in_place_changes_of_a_dual_tensor(op, device):
    def scenario(m, dev):
        fw = FW[m]
        old = m.tensor([3.0, 4.0], device=dev)
        with fw.dual_level():
            x = fw.make_dual(m.tensor([1.0, 2.0], device=dev), old)
            view = x[:1]
            assert SCENARIOS[op](m, dev, x) is x
            return x, fw.unpack_dual(x).tangent, fw.unpack_dual(view).tangent, old

    same_on(device, scenario)


VIEW_SCENARIOS = {
    "zero_": lambda m, d, x: x.zero_(),
    "fill_ number": lambda m, d, x: x.fill_(5.0),
    "copy_ plain": lambda m, d, x: x.copy_(m.tensor([9.0], device=d)),
    "copy_ dual": lambda m, d, x: x.copy_(dual(m, d, [9.0], [-1.0])),
}


@pytest.mark.parametrize("op", VIEW_SCENARIOS)
def test_in_place_changes_of_a_view_reach_the_base_tangent(op, device):
    def scenario(m, dev):
        fw = FW[m]
        old = m.tensor([3.0, 4.0], device=dev)
        with fw.dual_level():
            x = fw.make_dual(m.tensor([1.0, 2.0], device=dev), old)
            view = x[1:]
            VIEW_SCENARIOS[op](m, dev, view)
            return x, fw.unpack_dual(x).tangent, fw.unpack_dual(view).tangent, old

    same_on(device, scenario)


def test_copy_of_a_dual_tensor_copies_its_tangent(device):
    def scenario(m, dev):
        fw = FW[m]
        with fw.dual_level():
            src_tangent = m.tensor([5.0, 6.0], device=dev)
            src = fw.make_dual(m.tensor([7.0, 8.0], device=dev), src_tangent)
            plain = m.zeros(2, device=dev).copy_(src)
            rows = m.zeros(2, 2, device=dev).copy_(src)  # broadcast
            integers = m.zeros(2, dtype=m.int64, device=dev).copy_(src)
            src_tangent.mul_(10)  # src's tangent changes; the copies keep theirs
            return (fw.unpack_dual(src).tangent, fw.unpack_dual(plain).tangent,
                    fw.unpack_dual(rows).tangent, fw.unpack_dual(integers).tangent, integers)

    same_on(device, scenario)


def test_a_tangent_that_requires_grad_is_copied_with_its_graph():
    def scenario(m, dev):
        fw = FW[m]
        w = m.tensor([1.0, 2.0], requires_grad=True)
        with fw.dual_level():
            x = fw.make_dual(m.ones(2), m.ones(2))
            x.copy_(fw.make_dual(m.tensor([1.0, 2.0]), w * 3))
            tangent = fw.unpack_dual(x).tangent
        tangent.sum().backward()
        return tangent, w.grad

    same_on("cpu", scenario)


# -- reverse mode through a tangent ----------------------------------------------------------------

TANGENTS = ["d.sin()", "d * d", "(d.sin() * 3).exp()", "d.exp()", "d.tanh()", "d.sigmoid()",
            "d.sqrt()", "d.cumprod(0)", "d[1:] * d[:2]", "m.stack([d, d.sin()])",
            "m.cat([d, d.exp()])", "d.reshape(3, 1) @ d.reshape(1, 3)", "d.log().sum()"]


@pytest.mark.parametrize("expr", TANGENTS)
def test_backward_through_a_tangent_needs_no_retain_graph(expr, device):
    """``unpack_dual(y).tangent.sum().backward()`` once: no ``retain_graph=True`` needed, in
    either library. (A second backward through the nodes the tangent shares with ``y``, e.g.
    exp's saved result, needs it in both: the last test.)"""

    def scenario(m, dev):
        fw = FW[m]
        x = m.tensor([0.5, 1.0, 2.0], dtype=m.float64, device=dev, requires_grad=True)
        v = m.tensor([1.0, 2.0, -1.0], dtype=m.float64, device=dev)
        with fw.dual_level():
            y = eval(expr, {"m": m, "d": fw.make_dual(x, v)})
            tangent = fw.unpack_dual(y).tangent
        tangent.sum().backward()
        return tangent, x.grad

    same_on(device, scenario)


@pytest.mark.parametrize("second", ["primal", "tangent"])
@pytest.mark.parametrize("expr, shares", [("d * d", False), ("(d ** 3).sum()", False),
                                          ("d.sin() * 2", True),
                                          ("d.exp()", True), ("(d.sin() * 3).exp().sum()", True)])
def test_a_second_backward_fails_where_torchs_does(expr, shares, second):
    def run(m):
        fw = FW[m]
        x = m.tensor([0.5, -1.0, 2.0], dtype=m.float64, requires_grad=True)
        with fw.dual_level():
            y = eval(expr, {"d": fw.make_dual(x, m.tensor([1.0, 2.0, -1.0], dtype=m.float64))})
            tangent = fw.unpack_dual(y).tangent
        first, then = (tangent, y) if second == "primal" else (y, tangent)
        first.sum().backward()
        try:
            then.sum().backward()
        except RuntimeError as exc:
            return str(exc).split(".")[0]
        return np.asarray(x.grad.tolist())

    mine, theirs = run(ag), run(torch)
    assert isinstance(theirs, str) == shares
    if shares:
        assert mine == theirs == "Trying to backward through the graph a second time (or " \
                                 "directly access saved tensors after they have already been freed)"
    else:
        np.testing.assert_allclose(mine, theirs, rtol=1e-12)
