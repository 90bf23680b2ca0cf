"""Forward-mode AD (``autograd.forward_ad``), compared with PyTorch 2.13.

For every differentiable op: the tangent that forward mode gives equals torch's, and equals
the reverse-mode Jacobian (``func.jacrev``, which does not use forward mode) times the
tangents. Then the API (``dual_level``, ``make_dual``, ``unpack_dual``) and its errors,
in-place ops and views, custom ``Function.jvp``, ``func.jvp``/``jacfwd``, ``gradcheck(...,
check_forward_ad=True)``, and PyTorch's forward-mode tutorial run with both libraries.

Only one dual level at a time, as in PyTorch (nesting raises its error; nested forward mode is
``func.jvp`` inside ``func.jvp``, tested below).
"""

import re

import numpy as np
import pytest
import torch
import torch.autograd.forward_ad as tfw
from _oracle import ag
from conftest import CUPY
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from test_function import same_error, same_results
from test_tutorials_func import assert_same_lines, run, shim  # noqa: F401  (a fixture)

import autograd_lib.autograd.forward_ad as afw

FW = {torch: tfw, ag: afw}

# -- every op: (expression in m and the inputs a, b, c, ...; {input: (shape, kind)}) -----------
# kind "any": values in +-(0.5, 2) (away from 0, the kink of abs, relu, sign ...); "pos": in
# (0.5, 2) (for log, sqrt, powers); "unit": in (-0.9, 0.9).
A, B = (3, 4), (4, 5)
CASES = [
    # arithmetic, with broadcasting and numbers
    ("a + b", {"a": ((3, 1), "any"), "b": ((4,), "any")}),
    ("m.add(a, b, alpha=2.5)", {"a": (A, "any"), "b": (A, "any")}),
    ("a - b", {"a": ((2, 3), "any"), "b": ((3,), "any")}),
    ("m.sub(a, b, alpha=3)", {"a": (A, "any"), "b": (A, "any")}),
    ("3 - a", {"a": (A, "any")}),
    ("m.rsub(a, 2.0, alpha=2)", {"a": (A, "any")}),
    ("a * b", {"a": ((2, 1, 3), "any"), "b": ((4, 1), "any")}),
    ("a * 2.5", {"a": (A, "any")}),
    ("a / b", {"a": ((3, 4), "any"), "b": ((4,), "any")}),
    ("a / 3", {"a": (A, "any")}),
    ("2 / a", {"a": (A, "any")}),
    ("-a", {"a": (A, "any")}),
    ("a.reciprocal()", {"a": (A, "any")}),
    ("a ** 2", {"a": (A, "any")}),
    ("a ** 3.5", {"a": (A, "pos")}),
    ("a ** 0", {"a": (A, "pos")}),
    ("a ** b", {"a": ((3, 4), "pos"), "b": ((4,), "any")}),
    ("2 ** a", {"a": (A, "any")}),
    ("a.square()", {"a": (A, "any")}),
    # elementwise
    ("a.exp()", {"a": (A, "any")}),
    ("a.log()", {"a": (A, "pos")}),
    ("a.sqrt()", {"a": (A, "pos")}),
    ("a.abs()", {"a": (A, "any")}),
    ("a.sin()", {"a": (A, "any")}),
    ("a.cos()", {"a": (A, "any")}),
    ("a.tanh()", {"a": (A, "any")}),
    ("a.sigmoid()", {"a": (A, "any")}),
    ("a.relu()", {"a": (A, "any")}),
    ("a.clamp(-1.0, 1.0)", {"a": (A, "any")}),
    ("a.clamp(min=0.0)", {"a": (A, "any")}),
    ("a.clamp(max=0.0)", {"a": (A, "any")}),
    ("a.sign()", {"a": (A, "any")}),
    ("m.where(a > 0, a, b)", {"a": (A, "any"), "b": ((4,), "any")}),
    ("m.where(a > 0, a, 0.0)", {"a": (A, "any")}),
    ("m.lerp(a, b, 0.3)", {"a": (A, "any"), "b": (A, "any")}),
    ("m.lerp(a, b, c)", {"a": (A, "any"), "b": (A, "any"), "c": (A, "unit")}),
    ("m.maximum(a, b)", {"a": (A, "any"), "b": (A, "any")}),
    ("m.minimum(a, b)", {"a": (A, "any"), "b": (A, "any")}),
    # reductions
    ("a.sum()", {"a": (A, "any")}),
    ("a.sum(1)", {"a": (A, "any")}),
    ("a.sum((0, 1), keepdim=True)", {"a": ((2, 3, 4), "any")}),
    ("a.mean()", {"a": (A, "any")}),
    ("a.mean(0, keepdim=True)", {"a": (A, "any")}),
    ("a.logsumexp(1)", {"a": (A, "any")}),
    ("a.var()", {"a": (A, "any")}),
    ("a.var(1, correction=0)", {"a": (A, "any")}),
    ("a.std(0)", {"a": (A, "any")}),
    ("a.max()", {"a": (A, "any")}),
    ("a.min()", {"a": (A, "any")}),
    ("a.max(1).values", {"a": (A, "any")}),
    ("a.min(0, keepdim=True).values", {"a": (A, "any")}),
    ("a.amax(1)", {"a": (A, "any")}),
    ("a.amin((0, 1))", {"a": (A, "any")}),
    ("a.prod()", {"a": (A, "any")}),
    ("a.prod(1)", {"a": (A, "any")}),
    ("a.norm()", {"a": (A, "any")}),
    ("a.norm(dim=1)", {"a": (A, "any")}),
    ("a.norm(p=1)", {"a": (A, "any")}),
    ("a.norm(p=3, dim=0)", {"a": (A, "any")}),
    ("a.norm(p=float('inf'))", {"a": (A, "any")}),
    # products
    ("a @ b", {"a": (A, "any"), "b": (B, "any")}),
    ("m.mm(a, b)", {"a": (A, "any"), "b": (B, "any")}),
    ("m.dot(a, b)", {"a": ((4,), "any"), "b": ((4,), "any")}),
    ("m.mv(a, b)", {"a": (A, "any"), "b": ((4,), "any")}),
    ("a @ b", {"a": ((2, 3, 4), "any"), "b": (B, "any")}),
    ("a @ b", {"a": ((4,), "any"), "b": ((2, 4, 3), "any")}),
    ("m.bmm(a, b)", {"a": ((2, 3, 4), "any"), "b": ((2, 4, 5), "any")}),
    ("m.addmm(c, a, b, beta=0.5, alpha=2)", {"c": ((5,), "any"), "a": (A, "any"),
                                             "b": (B, "any")}),
    ("m.outer(a, b)", {"a": ((3,), "any"), "b": ((4,), "any")}),
    ("m.kron(a, b)", {"a": ((2, 2), "any"), "b": ((2, 3), "any")}),
    ("m.einsum('ij,jk->ik', a, b)", {"a": (A, "any"), "b": (B, "any")}),
    ("m.einsum('ii', a)", {"a": ((3, 3), "any")}),
    ("m.einsum('bij,bj->bi', a, b)", {"a": ((2, 3, 4), "any"), "b": ((2, 4), "any")}),
    ("m.einsum('...i,...i->...', a, b)", {"a": ((2, 3), "any"), "b": ((2, 3), "any")}),
    # shapes and views
    ("a.reshape(2, 6)", {"a": (A, "any")}),
    ("a.view(-1)", {"a": (A, "any")}),
    ("a.flatten()", {"a": ((2, 3, 2), "any")}),
    ("a.t()", {"a": (A, "any")}),
    ("a.T", {"a": ((2, 3, 4), "any")}),
    ("a.mT", {"a": ((2, 3, 4), "any")}),
    ("a.transpose(0, 2)", {"a": ((2, 3, 4), "any")}),
    ("a.permute(2, 0, 1)", {"a": ((2, 3, 4), "any")}),
    ("a.movedim(0, -1)", {"a": ((2, 3, 4), "any")}),
    ("a.squeeze()", {"a": ((3, 1, 4), "any")}),
    ("a.squeeze(1)", {"a": ((3, 1, 4), "any")}),
    ("a.unsqueeze(1)", {"a": (A, "any")}),
    ("a.expand(2, 3, 4)", {"a": ((3, 1), "any")}),
    ("a.expand_as(b) * b", {"a": ((4,), "any"), "b": (A, "any")}),
    ("a[1]", {"a": (A, "any")}),
    ("a[:, 1:3]", {"a": (A, "any")}),
    ("a[..., None]", {"a": (A, "any")}),
    ("a[[0, 2, 2]]", {"a": (A, "any")}),
    ("a[a > 0]", {"a": (A, "any")}),
    ("a.split(2, 1)[1]", {"a": ((3, 5), "any")}),
    ("a.split([1, 2], 0)[1]", {"a": (A, "any")}),
    ("a.chunk(2, 1)[0]", {"a": (A, "any")}),
    ("a.unbind(1)[2]", {"a": (A, "any")}),
    ("m.cat([a, b], 1)", {"a": (A, "any"), "b": ((3, 2), "any")}),
    ("m.cat([a, b * 2, a], 0)", {"a": (A, "any"), "b": ((1, 4), "any")}),
    ("m.stack([a, b], 1)", {"a": (A, "any"), "b": (A, "any")}),
    ("a.clone()", {"a": (A, "any")}),
    ("a.t().contiguous()", {"a": (A, "any")}),
    ("a.repeat(2, 1, 3)", {"a": (A, "any")}),
    ("a.tile((2,))", {"a": (A, "any")}),
    ("a.flip(0, 1)", {"a": (A, "any")}),
    ("a.roll(1, 1)", {"a": (A, "any")}),
    ("a.roll(2)", {"a": (A, "any")}),
    # indexing ops
    ("a.gather(1, m.tensor([[0, 3], [1, 1], [2, 0]]))", {"a": (A, "any")}),
    ("a.scatter_add(0, m.tensor([[0, 1, 2, 0]]), b)", {"a": (A, "any"), "b": ((1, 4), "any")}),
    ("a.scatter(1, m.tensor([[0], [2], [3]]), b)", {"a": (A, "any"), "b": ((3, 1), "any")}),
    ("a.scatter(1, m.tensor([[0], [2], [3]]), value=2.0)", {"a": (A, "any")}),
    ("a.index_select(1, m.tensor([3, 0, 0]))", {"a": (A, "any")}),
    ("a.index_add(0, m.tensor([2, 0]), b, alpha=2)", {"a": (A, "any"), "b": ((2, 4), "any")}),
    ("a.masked_fill(a > 0, 1.5)", {"a": (A, "any")}),
    ("a.masked_fill(a > 0, b)", {"a": (A, "any"), "b": ((), "any")}),
    # matrices
    ("m.diag(a)", {"a": ((3,), "any")}),
    ("m.diag(a, 1)", {"a": ((3,), "any")}),
    ("m.diag(a)", {"a": ((3, 3), "any")}),
    ("m.diag(a, -1)", {"a": (A, "any")}),
    ("m.trace(a)", {"a": (A, "any")}),
    ("m.tril(a)", {"a": (A, "any")}),
    ("m.triu(a, 1)", {"a": (A, "any")}),
    # scans, sorting, rounding, softmax
    ("a.cumsum(1)", {"a": (A, "any")}),
    ("a.cumprod(0)", {"a": (A, "any")}),
    ("a.sort(1).values", {"a": (A, "any")}),
    ("a.sort(0, descending=True).values", {"a": (A, "any")}),
    ("a.topk(2).values", {"a": (A, "any")}),
    ("a.round()", {"a": (A, "any")}),
    ("a.floor()", {"a": (A, "any")}),
    ("a.ceil()", {"a": (A, "any")}),
    ("a.trunc()", {"a": (A, "any")}),
    ("a.softmax(1)", {"a": (A, "any")}),
    ("a.log_softmax(0)", {"a": (A, "any")}),
    ("a.to(m.float32).to(m.float64)", {"a": (A, "any")}),
    # nn.functional (made of the ops above, or with nodes of their own)
    ("m.nn.functional.linear(a, b, c)", {"a": (A, "any"), "b": ((5, 4), "any"),
                                         "c": ((5,), "any")}),
    ("m.nn.functional.mse_loss(a, b)", {"a": (A, "any"), "b": (A, "any")}),
    ("m.nn.functional.cross_entropy(a, m.tensor([0, 3, 1]))", {"a": (A, "any")}),
    ("m.nn.functional.binary_cross_entropy(a.sigmoid(), b.sigmoid())",
     {"a": (A, "any"), "b": (A, "any")}),
    ("m.nn.functional.binary_cross_entropy_with_logits(a, b.sigmoid())",
     {"a": (A, "any"), "b": (A, "any")}),
    ("m.nn.functional.gelu(a)", {"a": (A, "any")}),
    ("m.nn.functional.silu(a)", {"a": (A, "any")}),
    ("m.nn.functional.softplus(a)", {"a": (A, "any")}),
    ("m.nn.functional.leaky_relu(a, 0.1)", {"a": (A, "any")}),
    ("m.nn.functional.layer_norm(a, (4,), b, c)", {"a": (A, "any"), "b": ((4,), "any"),
                                                   "c": ((4,), "any")}),
    ("m.nn.functional.embedding(m.tensor([2, 0, 2]), a)", {"a": (A, "any")}),
]


def _values(rng, shape, kind):
    if kind == "unit":
        return rng.uniform(-0.9, 0.9, shape)
    x = rng.uniform(0.5, 2.0, shape)
    return x if kind == "pos" else x * rng.choice([-1.0, 1.0], shape)


def _first(out):
    return out[0] if isinstance(out, tuple) else out


def forward_mode(m, expr, values, tangents, device="cpu"):
    """``expr`` on dual tensors (on ``device``): (primal, tangent) of the result, as arrays."""
    fw = FW[m]
    with fw.dual_level():
        env = {k: fw.make_dual(m.tensor(v, device=device), m.tensor(tangents[k], device=device))
               for k, v in values.items()}
        out = _first(eval(expr, {"m": m}, env))
        primal, tangent = fw.unpack_dual(out)
        if tangent is None:
            tangent = m.zeros_like(primal)
        assert primal.device.type == tangent.device.type == device, (primal.device, tangent.device)
        return primal.detach().cpu().numpy(), tangent.detach().cpu().numpy()


def jacobian_times_tangents(expr, values, tangents):
    """The same by reverse mode: ``sum_i J_i v_i``, ``J_i`` from ``func.jacrev``."""
    names = list(values)

    def f(*xs):
        return _first(eval(expr, {"m": ag}, dict(zip(names, xs))))

    xs = [ag.tensor(values[k]) for k in names]
    jacobians = ag.func.jacrev(f, argnums=tuple(range(len(names))))(*xs)
    out = f(*xs)
    total = np.zeros(out.shape)
    for k, jac in zip(names, jacobians):
        v = tangents[k]
        total += np.tensordot(jac.numpy(), v, axes=v.ndim) if v.ndim else jac.numpy() * v
    return total


@pytest.mark.parametrize("expr,inputs", CASES, ids=[c[0] + str(i) for i, c in enumerate(CASES)])
def test_jvp_of_every_op(expr, inputs):
    rng = np.random.default_rng(abs(hash(expr)) % 2 ** 32)
    values = {k: _values(rng, shape, kind) for k, (shape, kind) in inputs.items()}
    tangents = {k: rng.standard_normal(shape) for k, (shape, _) in inputs.items()}
    ours_p, ours_t = forward_mode(ag, expr, values, tangents)
    theirs_p, theirs_t = forward_mode(torch, expr, values, tangents)
    np.testing.assert_allclose(ours_p, theirs_p, rtol=1e-12, atol=1e-12)
    assert ours_t.shape == theirs_t.shape
    np.testing.assert_allclose(ours_t, theirs_t, rtol=1e-10, atol=1e-12)
    rtol = 1e-6 if "float32" in expr else 1e-10  # (rounded to float32 on the way)
    np.testing.assert_allclose(ours_t, jacobian_times_tangents(expr, values, tangents),
                               rtol=rtol, atol=1e-12)


@pytest.mark.cuda
@pytest.mark.skipif(CUPY is None, reason="no CUDA GPU (or CuPy not installed)")
@pytest.mark.parametrize("expr,inputs", [c for c in CASES if "m.tensor(" not in c[0]],
                         ids=[c[0] + str(i) for i, c in enumerate(CASES)
                              if "m.tensor(" not in c[0]])
def test_jvp_of_every_op_on_cuda(expr, inputs):
    """Every tangent formula also runs on the GPU (real CuPy, or its stand-in): the tangent stays
    on the device and equals the CPU's. (Not the cases that make a CPU tensor of indices.)"""
    rng = np.random.default_rng(abs(hash(expr)) % 2 ** 32)
    values = {k: _values(rng, shape, kind) for k, (shape, kind) in inputs.items()}
    tangents = {k: rng.standard_normal(shape) for k, (shape, _) in inputs.items()}
    cpu_p, cpu_t = forward_mode(ag, expr, values, tangents)
    gpu_p, gpu_t = forward_mode(ag, expr, values, tangents, device="cuda")
    np.testing.assert_allclose(gpu_p, cpu_p, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(gpu_t, cpu_t, rtol=1e-12, atol=1e-12)


@settings(max_examples=10, deadline=None)
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3),
       op=st.sampled_from(["a + b", "a - b", "a * b", "a / b", "m.where(a > b, a, b)",
                           "m.lerp(a, b, 0.25)"]),
       seed=st.integers(0, 2 ** 16))
def test_broadcasting_binary_ops(shapes, op, seed):
    rng = np.random.default_rng(seed)
    sa, sb = shapes.input_shapes
    values = {"a": _values(rng, sa, "any"), "b": _values(rng, sb, "any")}
    tangents = {"a": rng.standard_normal(sa), "b": rng.standard_normal(sb)}
    if op.startswith("m.lerp") and sa != sb:
        values["b"] = np.broadcast_to(values["b"], np.broadcast_shapes(sa, sb)).copy()
        tangents["b"] = rng.standard_normal(values["b"].shape)
    ours = forward_mode(ag, op, values, tangents)[1]
    np.testing.assert_allclose(ours, forward_mode(torch, op, values, tangents)[1], rtol=1e-10)
    np.testing.assert_allclose(ours, jacobian_times_tangents(op, values, tangents), rtol=1e-10)


def test_an_input_without_tangent_counts_as_zero():
    def scenario(m):
        fw = FW[m]
        with fw.dual_level():
            x = fw.make_dual(m.tensor([1.0, 2.0]), m.tensor([1.0, 1.0]))
            y = m.tensor([3.0, 4.0])
            return fw.unpack_dual(x * y + y.exp()).tangent, fw.unpack_dual(y * 2).tangent

    same_results(scenario)


# -- the API --------------------------------------------------------------------------------------
def test_unpack_dual_and_levels():
    def scenario(m):
        fw = FW[m]
        x, t = m.tensor([1.0, 2.0, 3.0]), m.tensor([0.5, 0.0, -1.0])
        with fw.dual_level() as level:
            d = fw.make_dual(x, t)
            unpacked = fw.unpack_dual(d)
            assert unpacked.tangent is t and unpacked[1] is t  # kept as it is
            assert type(unpacked).__name__ == "UnpackedDualTensor"
            assert fw.unpack_dual(unpacked.primal).tangent is None
            assert fw.unpack_dual(x).tangent is None
            inside = fw.unpack_dual(d * 2)
        after = fw.unpack_dual(d * 2)
        return level, unpacked.primal, tuple(inside), tuple(after), fw.unpack_dual(d).tangent

    same_results(scenario)


def test_make_dual_is_a_view_and_copies_a_tangent_of_another_layout():
    def scenario(m):
        fw = FW[m]
        x, t = m.zeros(2, 2), m.ones(2, 2)
        with fw.dual_level():
            d = fw.make_dual(x, t.T)
            other_layout = fw.unpack_dual(d).tangent is not t.T
            x.add_(1)  # d is a view of x
            return other_layout, d, fw.unpack_dual(d).tangent

    same_results(scenario)


def test_tangents_of_a_level_are_gone_in_the_next():
    def scenario(m):
        fw = FW[m]
        with fw.dual_level():
            d = fw.make_dual(m.ones(2), m.ones(2))
        with fw.dual_level():
            return fw.unpack_dual(d).tangent, fw.unpack_dual(d * 3).tangent

    same_results(scenario)


def test_enter_and_exit_dual_level():
    def scenario(m):
        fw = FW[m]
        levels = [fw.enter_dual_level()]
        fw.exit_dual_level()
        levels.append(fw.enter_dual_level())
        fw.exit_dual_level(level=0)
        return levels

    same_results(scenario)


def _nested(m):
    with FW[m].dual_level(), FW[m].dual_level():
        pass


@pytest.mark.parametrize("action", [
    lambda m: FW[m].make_dual(m.ones(2), m.ones(2)),  # no level
    _nested,
    lambda m: FW[m].exit_dual_level(),  # no level to exit
])
def test_level_errors(action):
    same_error(action)


def test_exit_of_another_level():
    def action(m):
        FW[m].enter_dual_level()
        try:
            FW[m].exit_dual_level(level=3)
        finally:
            FW[m].exit_dual_level()

    same_error(action)


@pytest.mark.parametrize("primal,tangent,level", [
    ("m.ones(3)", "m.ones(2)", None),
    ("m.ones(3)", "m.ones(3, 1)", None),
    ("m.ones(3).long()", "m.ones(3)", None),
    ("m.ones(3)", "m.ones(3).long()", None),
    ("m.ones(3)", "m.ones(3)", 5),
])
def test_make_dual_errors(primal, tangent, level):
    def action(m):
        with FW[m].dual_level():
            FW[m].make_dual(eval(primal), eval(tangent), level=level)

    same_error(action)


def test_a_float64_tangent_of_a_float32_primal_is_kept():
    def scenario(m):
        fw = FW[m]
        with fw.dual_level():
            d = fw.make_dual(m.ones(2), m.ones(2, dtype=m.float64))
            return fw.unpack_dual(d).tangent, fw.unpack_dual(d * 2).tangent

    same_results(scenario)


# -- in place and views ----------------------------------------------------------------------------
def test_in_place_ops_update_the_tangent_and_views_see_it():
    def scenario(m):
        fw = FW[m]
        t = m.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
        with fw.dual_level():
            d = fw.make_dual(m.tensor([[0.5, -1.0, 2.0], [1.5, 1.0, -0.5]]), t)
            row = d[0]
            col = d.t()[:, 1]
            d.mul_(2)
            d.add_(d.detach())  # a constant: the tangent stays
            d.sub_(m.ones(3), alpha=2)
            d.div_(4)
            view_tangents = fw.unpack_dual(row).tangent.clone(), fw.unpack_dual(col).tangent
            d.exp_() if hasattr(d, "exp_") else None
            return d, fw.unpack_dual(d).tangent, view_tangents, t

    same_results(scenario)


def test_in_place_with_a_dual_operand_and_copy_and_setitem():
    def scenario(m):
        fw = FW[m]
        with fw.dual_level():
            d = fw.make_dual(m.tensor([1.0, 2.0, 3.0]), m.tensor([1.0, -1.0, 0.5]))
            plain = m.ones(3)
            plain.mul_(d)  # the plain tensor gets d's tangent times 1
            copied = m.zeros(3)
            copied.copy_(d)
            rows = m.zeros(2, 3)
            rows[1] = d * 2
            return [fw.unpack_dual(x).tangent for x in (plain, copied, rows)]

    same_results(scenario)


def test_tangents_of_views_are_views():
    def scenario(m):
        fw = FW[m]
        t = m.zeros(2, 3)
        with fw.dual_level():
            d = fw.make_dual(m.ones(2, 3), t)
            fw.unpack_dual(d.t()).tangent[1, 0] = 5.0
            fw.unpack_dual(d[1]).tangent[2] = 7.0
            return t

    same_results(scenario)


def test_backward_through_a_tangent():
    """The tangent is itself differentiable by reverse mode (a Hessian-vector product)."""

    def scenario(m):
        fw = FW[m]
        x = m.tensor([0.5, -1.0, 2.0], dtype=m.float64, requires_grad=True)
        v = m.tensor([1.0, 2.0, -1.0], dtype=m.float64)
        with fw.dual_level():
            y = (fw.make_dual(x, v).sin() * 3).exp().sum()
            jvp = fw.unpack_dual(y).tangent
        (hvp,) = m.autograd.grad(jvp, x, retain_graph=True)
        y.backward()
        return jvp, hvp, x.grad

    same_results(scenario)


def test_no_grad_and_integer_results():
    def scenario(m):
        fw = FW[m]
        with fw.dual_level():
            d = fw.make_dual(m.tensor([1.0, 3.0, 2.0]), m.ones(3))
            with m.no_grad():
                y = d * 2
            return (fw.unpack_dual(y).tangent, fw.unpack_dual(d.argmax()).tangent,
                    fw.unpack_dual(d > 1).tangent, fw.unpack_dual(d.sort().indices).tangent)

    same_results(scenario)


# -- custom Functions ------------------------------------------------------------------------------
def _functions(m):
    class Scale(m.autograd.Function):
        @staticmethod
        def forward(ctx, x, y, k):
            ctx.save_for_forward(x, y)
            ctx.k = k
            return x * y * k, x.exp()

        @staticmethod
        def jvp(ctx, tx, ty, tk):
            x, y = ctx.saved_tensors
            assert tk is None
            return (tx * y + x * ty) * ctx.k, tx * x.exp()

        @staticmethod
        def backward(ctx, g, h):
            return None, None, None

    class NoJvp(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, g):
            return g * 2

    return Scale, NoJvp


def test_custom_function_jvp():
    def scenario(m):
        fw = FW[m]
        scale, _ = _functions(m)
        with fw.dual_level():
            x = fw.make_dual(m.tensor([1.0, 2.0]), m.tensor([1.0, 0.5]))
            y = m.tensor([3.0, -1.0])  # no tangent: jvp gets zeros
            a, b = scale.apply(x, y, 2.0)
            return a, b, fw.unpack_dual(a).tangent, fw.unpack_dual(b).tangent

    same_results(scenario)


def test_custom_function_without_jvp():
    def action(m):
        fw = FW[m]
        _, no_jvp = _functions(m)
        with fw.dual_level():
            no_jvp.apply(fw.make_dual(m.ones(2), m.ones(2)))

    same_error(action)

    def without_tangents(m):  # no tangent in: nothing to do, no error
        with FW[m].dual_level():
            return _functions(m)[1].apply(m.ones(2))

    same_results(without_tangents)


# -- func.jvp, jacfwd, hessian ---------------------------------------------------------------------
def test_func_jvp_and_jacfwd():
    rng = np.random.default_rng(3)
    x0, y0, v0 = rng.standard_normal(3), rng.standard_normal(3), rng.standard_normal(3)

    def f(x, y):
        return (x.sin() * y).exp(), (x @ y).tanh()

    def scenario(m):
        x, y, v = (m.tensor(a) for a in (x0, y0, v0))
        out, tangent = m.func.jvp(f, (x, y), (v, m.zeros(3, dtype=m.float64)))
        jac = m.func.jacfwd(f, argnums=(0, 1))(x, y)
        aux = m.func.jvp(lambda x: (x * 2, x.sum()), (x,), (v,), has_aux=True)
        nested = m.func.jvp(lambda x: m.func.jvp(lambda z: z.sin() * z, (x,), (v,))[1],
                            (x,), (v,))
        return out, tangent, jac, aux, nested, m.func.hessian(lambda x: (x.exp() * x).sum())(x)

    same_results(scenario)


def test_func_jvp_uses_forward_mode():
    """A Function with a jvp and no backward: only forward mode can differentiate it. Inside a
    dual level, autograd_lib's func.jvp falls back to two reverse passes."""

    def scenario(m):
        class Cube(m.autograd.Function):
            @staticmethod
            def forward(x):
                return x ** 3

            @staticmethod
            def setup_context(ctx, inputs, output):
                ctx.save_for_forward(*inputs)

            @staticmethod
            def jvp(ctx, t):
                (x,) = ctx.saved_tensors
                return 3 * x ** 2 * t

        x = m.tensor([1.0, 2.0])
        return m.func.jvp(Cube.apply, (x,), (m.ones(2),))

    same_results(scenario)
    with afw.dual_level():  # (torch refuses: "Nested forward mode AD is not supported")
        _, nested = ag.func.jvp(lambda x: x ** 3, (ag.tensor([1.0, 2.0]),), (ag.ones(2),))
    np.testing.assert_allclose(nested.numpy(), [3.0, 12.0])
    cube = ag.func.jacfwd(lambda x: ag.func.jvp(lambda z: z ** 3, (x,), (ag.ones(2),))[1])
    np.testing.assert_allclose(cube(ag.tensor([1.0, 2.0])).numpy(), [[6.0, 0.0], [0.0, 12.0]])


# -- gradcheck ---------------------------------------------------------------------------------
def test_gradcheck_with_forward_ad():
    x = ag.tensor(np.random.default_rng(0).standard_normal((3, 2)), requires_grad=True)
    assert ag.autograd.gradcheck(lambda x: (x.exp() @ x.T).softmax(0).cumprod(1), (x,),
                                 check_forward_ad=True)

    class WrongJvp(ag.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_forward(x)
            return x.sin()

        @staticmethod
        def jvp(ctx, t):
            (x,) = ctx.saved_tensors
            return t * x.cos() * 2  # twice too large

    assert ag.autograd.gradcheck(WrongJvp.apply, (x,), check_forward_ad=False,
                                 check_backward_ad=False)
    with pytest.raises(ag.autograd.GradcheckError, match="computed with forward mode mismatch"):
        ag.autograd.gradcheck(WrongJvp.apply, (x,), check_forward_ad=True,
                              check_backward_ad=False)
    assert not ag.autograd.gradcheck(WrongJvp.apply, (x,), check_forward_ad=True,
                                     check_backward_ad=False, raise_exception=False)


# -- the tutorial ------------------------------------------------------------------------------
# The tutorial's last part uses functorch (``ft.jvp``, ``ft.make_functional_with_buffers``); with
# autograd_lib in torch's place, ``functorch`` is a stand-in made of ``autograd_lib.func``.
FUNCTORCH = '''
import types
import autograd_lib
import autograd_lib.func

def make_functional_with_buffers(model):
    names = [n for n, _ in model.named_parameters()]
    buffers = {n: b for n, b in model.named_buffers()}
    params = tuple(p.detach() for p in model.parameters())

    def fmodel(params, buffers_, *args):
        return autograd_lib.func.functional_call(model, {**dict(zip(names, params)), **buffers},
                                                 args)

    return fmodel, params, tuple(buffers.values())

sys.modules["functorch"] = types.SimpleNamespace(
    jvp=autograd_lib.func.jvp, make_functional_with_buffers=make_functional_with_buffers)
'''


@pytest.mark.slow
def test_forward_ad_tutorial(shim):  # noqa: F811  (the fixture)
    (shim / "sitecustomize.py").write_text((shim / "sitecustomize.py").read_text() + FUNCTORCH)
    ours, theirs = run("forward_ad.py", shim), run("forward_ad.py")
    assert_same_lines(ours, theirs)
    assert any(re.match(r"jvp", line) for line in ours)


def _printed(m):
    fw = FW[m]
    lines = []
    with fw.dual_level():
        lines.append(str(fw.make_dual(m.tensor(2.0), m.tensor(1.5))))
        x = fw.make_dual(m.tensor([1.0, 2.0], requires_grad=True), m.tensor([3.0, 4.0]))
        lines += [str(x * 2), str(x.sin()), repr(fw.make_dual(m.tensor(2.0, requires_grad=True),
                                                               m.tensor(1.5)) * 3)]
        lines.append(str(fw.make_dual(m.tensor([[1.0, 2.0]]), m.tensor([[1 / 3, 0.5]]))))
    lines.append(str(x * 2))  # the level is gone: no tangent shown
    return "\n".join(lines).replace("autograd_lib.", "torch.")


def test_a_dual_tensor_prints_its_tangent_as_torch_does():
    assert _printed(ag) == _printed(torch)
