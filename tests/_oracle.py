"""Differential testing of autograd_lib against PyTorch: the shared machinery.

Every op test is one declarative ``Case``: a Python expression that calls the op the way
PyTorch spells it, with ``m`` standing for the module (``torch`` or ``autograd_lib``), and
one value generator ("sampler") per input tensor::

    case("a + b", a=ANY, b=ANY, exact=True)
    case("x.sum(dim=-1, keepdim=True)", x=ANY, shapes=any_shape(min_dims=1))

The expression is also the test id, so a failing test names the code that failed.
``check_against_torch`` evaluates the expression once with ``m = torch`` (on the CPU) and once
with ``m = autograd_lib`` (on the device under test), on the same input values, then compares
the outputs (values, dtype, shape, device, requires_grad), runs ``backward(g)`` with the same
random upstream gradient ``g`` in both, and compares the gradient of every input.

Shapes come from hypothesis (``shapes=`` is a strategy for one shape per sampled input; by
default all inputs get mutually broadcastable shapes), values from a numpy generator seeded
by hypothesis, so a failure report shows the exact input arrays.

Tolerances: an ``exact=True`` op must match torch bit for bit (values, and gradients that are
not sums over broadcast or repeated elements); any other result is compared with
``TOLERANCES`` (float64: rtol 1e-12; float32: rtol 1e-5, atol 1e-6), scaled by ``tol=``.
Inputs stay away from kinks, poles and ties, except in the cases marked ``kink=True``, which
pin down torch's convention at such points.

Environment: ``ORACLE_MAX_EXAMPLES=200`` runs more hypothesis examples per test (default 8).
``AUTOGRAD_LIB_UNDER_TEST=torch`` makes the library under test torch itself: a dry run of this
machinery without autograd_lib.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from typing import Any

import hypothesis
import numpy as np
import torch
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

if os.environ.get("AUTOGRAD_LIB_UNDER_TEST") == "torch":
    ag: Any = torch
else:
    import autograd_lib as ag

FLOAT_DTYPES = ["float32", "float64"]

# (rtol, atol) for results that are not a single correctly rounded operation.
TOLERANCES = {"float32": (1e-5, 1e-6), "float64": (1e-12, 1e-12)}

MAX_EXAMPLES = int(os.environ.get("ORACLE_MAX_EXAMPLES", "8"))

# Locally hypothesis explores new examples on every run; on CI (CI=true) it is derandomized
# so that a run is reproducible. `database=None` keeps the repo free of .hypothesis/.
SETTINGS = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,
    derandomize=bool(os.environ.get("CI")),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],  # no explain
)

MAX_SIDE = 4


# ----------------------------------------------------------------------------------------------
# Shapes: hypothesis strategies that yield a tuple with one shape per sampled input.
# ----------------------------------------------------------------------------------------------


def broadcastable(n: int, min_dims: int = 0, max_dims: int = 3) -> st.SearchStrategy:
    """n shapes that broadcast together, e.g. ((3, 1), (4,)) or ((), (2, 3))."""
    return hnp.mutually_broadcastable_shapes(
        num_shapes=n, min_dims=min_dims, max_dims=max_dims, min_side=1, max_side=MAX_SIDE
    ).map(lambda result: result.input_shapes)


def any_shape(min_dims: int = 0, max_dims: int = 3) -> st.SearchStrategy:
    """One shape with min_dims..max_dims dimensions of sizes 1..4."""
    return broadcastable(1, min_dims, max_dims)


def same_shape(n: int, min_dims: int = 0, max_dims: int = 3) -> st.SearchStrategy:
    """n copies of one shape."""
    return hnp.array_shapes(
        min_dims=min_dims, max_dims=max_dims, min_side=1, max_side=MAX_SIDE
    ).map(lambda s: (s,) * n)


def fixed(*shapes: tuple[int, ...]) -> st.SearchStrategy:
    """Exactly these shapes."""
    return st.just(shapes)


# matmul's own broadcasting rules: 1-D @ 1-D, 2-D @ 1-D, 1-D @ 2-D, batched with broadcasting.
MATMUL_SHAPES = hnp.mutually_broadcastable_shapes(
    signature=np.matmul.signature, max_dims=2, min_side=1, max_side=MAX_SIDE
).map(lambda result: result.input_shapes)

_SIDE = st.integers(1, MAX_SIDE)
MM_SHAPES = st.tuples(_SIDE, _SIDE, _SIDE).map(lambda nkp: ((nkp[0], nkp[1]), (nkp[1], nkp[2])))


# ----------------------------------------------------------------------------------------------
# Samplers: make one input array from a numpy Generator, a shape and the float dtype under test.
# Float samplers make inputs that require grad; the others make constant int/bool tensors.
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Floats:
    """Uniform in [lo, hi], at least `gap` away from every point in `avoid` (kinks, poles)."""

    lo: float = -2.0
    hi: float = 2.0
    avoid: tuple[float, ...] = ()
    gap: float = 0.1
    grad = True
    needs_shape = True

    def __call__(self, rng: np.random.Generator, shape, dtype: str) -> np.ndarray:
        x = rng.uniform(self.lo, self.hi, size=shape)
        for _ in range(1000):
            bad = np.zeros(x.shape, dtype=bool)
            for p in self.avoid:
                bad |= np.abs(x - p) < self.gap
            if not bad.any():
                return np.asarray(x, dtype=dtype)
            x = np.where(bad, rng.uniform(self.lo, self.hi, size=shape), x)
        raise AssertionError(f"cannot sample {self}")


@dataclass(frozen=True)
class Distinct:
    """Floats without ties (pairwise at least 0.2 apart): for max/min and their indices."""

    grad = True
    needs_shape = True

    def __call__(self, rng: np.random.Generator, shape, dtype: str) -> np.ndarray:
        n = math.prod(shape)
        x = (rng.permutation(n) - n / 2) * 0.25 + rng.uniform(0.0, 0.05, size=n)
        return np.asarray(x.reshape(shape), dtype=dtype)


@dataclass(frozen=True)
class Ties:
    """Floats in {-1, 0, 1}: many ties, for comparisons."""

    grad = True
    needs_shape = True

    def __call__(self, rng: np.random.Generator, shape, dtype: str) -> np.ndarray:
        return np.asarray(rng.integers(-1, 2, size=shape), dtype=dtype)


@dataclass(frozen=True)
class Mask:
    """A random boolean tensor (no grad)."""

    grad = False
    needs_shape = True

    def __call__(self, rng: np.random.Generator, shape, dtype: str) -> np.ndarray:
        return rng.random(size=shape) < 0.5


@dataclass(frozen=True)
class Const:
    """Fixed values; it takes no shape from `shapes`. Ints make an int64 tensor (e.g. an index),
    bools a bool tensor, floats a tensor of the dtype under test that requires grad."""

    value: Any
    needs_shape = False

    @property
    def grad(self) -> bool:
        return np.asarray(self.value).dtype.kind == "f"

    def __call__(self, rng: np.random.Generator, shape, dtype: str) -> np.ndarray:
        value = np.asarray(self.value)
        kind = value.dtype.kind
        return value.astype(np.int64 if kind in "iu" else dtype if kind == "f" else bool)

    def __repr__(self) -> str:
        return f"Const({self.value!r})"


ANY = Floats()
POSITIVE = Floats(0.1, 3.0)
NONZERO = Floats(avoid=(0.0,), gap=0.3)
NO_KINK = Floats(avoid=(0.0,))
DISTINCT = Distinct()
TIES = Ties()
MASK = Mask()


# ----------------------------------------------------------------------------------------------
# Cases
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    expr: str
    inputs: dict[str, Any]
    shapes: st.SearchStrategy
    exact: bool = False
    tol: float = 1.0
    label: str = ""
    kink: bool = False
    fn: Any = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        source = f"lambda m, {', '.join(self.inputs)}: {self.expr}"
        object.__setattr__(self, "fn", eval(source))  # the expression *is* the test

    @property
    def id(self) -> str:
        return f"{self.expr} [{self.label}]" if self.label else self.expr

    def __str__(self) -> str:
        return self.id

    def __repr__(self) -> str:
        return f"<case {self.id}>"

    def _repr_pretty_(self, printer, cycle) -> None:  # how hypothesis prints a failing case
        printer.text(repr(self))

    def arrays(self, dtype: str) -> st.SearchStrategy:
        """Strategy for the tuple of input arrays, one per input, in declaration order."""
        return st.tuples(self.shapes, st.integers(0, 2**32 - 1)).map(
            lambda shapes_seed: self.sample(*shapes_seed, dtype)
        )

    def sample(self, shapes, seed: int, dtype: str) -> tuple[np.ndarray, ...]:
        rng = np.random.default_rng(seed)
        shapes = iter(shapes)
        return tuple(
            sampler(rng, next(shapes) if sampler.needs_shape else None, dtype)
            for sampler in self.inputs.values()
        )

    def grad_flags(self) -> list[bool]:
        return [sampler.grad for sampler in self.inputs.values()]


def case(
    expr: str,
    shapes: st.SearchStrategy | None = None,
    exact: bool = False,
    tol: float = 1.0,
    label: str = "",
    kink: bool = False,
    **inputs,
) -> Case:
    """One op test. `exact`: the op is a single correctly rounded operation (or none at all),
    so values and unreduced gradients must be bit-identical to torch's. `tol` scales the
    default tolerances. `kink`: the inputs sit where the op is not differentiable, to check
    torch's convention there; finite differences (gradcheck) don't apply."""
    if not inputs:
        inputs = {"x": ANY}
    if shapes is None:
        n = sum(s.needs_shape for s in inputs.values())
        shapes = broadcastable(n) if n else fixed()
    return Case(expr, inputs, shapes, exact, tol, label, kink)


def cases(*exprs: str, **common) -> list[Case]:
    """The same op spelled several ways (operator, function, method) with common settings."""
    return [case(expr, **common) for expr in exprs]


def find(cases_: list[Case], expr: str) -> Case:
    """The case whose id is `expr`."""
    (found,) = [c for c in cases_ if c.id == expr]
    return found


# ----------------------------------------------------------------------------------------------
# Running a case in both libraries
# ----------------------------------------------------------------------------------------------


def make_inputs(m, arrays, grad_flags, device: str):
    """Tensors of module m on `device` from numpy arrays; float ones require grad if flagged."""
    out = []
    for array, grad in zip(arrays, grad_flags):
        requires_grad = grad and array.dtype.kind == "f"
        if m is torch:
            out.append(torch.tensor(array, requires_grad=requires_grad))
        else:
            out.append(m.tensor(array, device=device, requires_grad=requires_grad))
    return out


def outputs(result) -> list:
    """The output tensors of an op, in order (a (values, indices) pair gives two)."""
    return list(result) if isinstance(result, tuple) else [result]


def to_numpy(t) -> np.ndarray:
    return np.asarray(t.detach().cpu().numpy())


def dtype_name(dtype) -> str:
    return str(dtype).rsplit(".", 1)[-1]


def assert_values(actual, expected, dtype: str, exact: bool, tol: float, what: str) -> None:
    """Compare two numpy arrays: bit-identical if `exact` or not floating, else allclose."""
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    if exact or expected.dtype.kind not in "fc":
        np.testing.assert_array_equal(actual, expected, err_msg=what, strict=True)
    else:
        rtol, atol = TOLERANCES[dtype]
        np.testing.assert_allclose(
            actual, expected, rtol=rtol * tol, atol=atol * tol, err_msg=what, strict=True
        )


def assert_tensor_matches(
    actual, expected, device: str, what: str, exact=False, tol=1.0, precision: str | None = None
):
    """`actual` (autograd_lib, on `device`) equals `expected` (torch, CPU) in every respect.
    `precision` (a dtype name) sets the tolerances; by default the expected dtype's."""
    assert dtype_name(actual.dtype) == dtype_name(expected.dtype), (
        f"{what}: dtype {actual.dtype} != torch's {expected.dtype}"
    )
    assert actual.dtype == getattr(ag, dtype_name(expected.dtype))
    assert tuple(actual.shape) == tuple(expected.shape), (
        f"{what}: shape {tuple(actual.shape)} != torch's {tuple(expected.shape)}"
    )
    assert str(actual.device).split(":")[0] == device, f"{what}: on {actual.device}"
    assert actual.requires_grad == expected.requires_grad, (
        f"{what}: requires_grad {actual.requires_grad} != torch's {expected.requires_grad}"
    )
    precision = precision or dtype_name(expected.dtype)
    assert_values(to_numpy(actual), to_numpy(expected), precision, exact, tol, what)


def run_backward(m, outs, grads, device: str) -> None:
    """out.backward(g) for one output; for several, backward of sum((out * g).sum())."""
    gs = make_inputs(m, grads, [False] * len(grads), device)
    if len(outs) == 1:
        outs[0].backward(gs[0])
    else:
        total = outs[0].sum() * 0
        for out, g in zip(outs, gs):
            total = total + (out * g).sum()
        total.backward()


def check_against_torch(case_: Case, arrays, seed: int, device: str) -> None:
    """Run `case_` in torch and in autograd_lib on the same inputs and compare everything."""
    for name, array in zip(case_.inputs, arrays):
        hypothesis.note(f"{name} = np.{array!r}")
    grad_flags = case_.grad_flags()
    t_inputs = make_inputs(torch, arrays, grad_flags, "cpu")
    a_inputs = make_inputs(ag, arrays, grad_flags, device)
    expected = case_.fn(torch, *t_inputs)
    actual = case_.fn(ag, *a_inputs)

    # Forward: same structure, and each output the same in values, dtype, shape, requires_grad.
    if isinstance(expected, tuple):
        assert isinstance(actual, tuple) and len(actual) == len(expected), (
            f"{case_}: returned {type(actual).__name__}, torch a tuple of {len(expected)}"
        )
        for name in ("values", "indices"):
            if hasattr(expected, name):
                assert getattr(actual, name) is actual[("values", "indices").index(name)]
    t_outs, a_outs = outputs(expected), outputs(actual)
    for i, (a, t) in enumerate(zip(a_outs, t_outs)):
        what = f"{case_}: output {i}"
        assert_tensor_matches(a, t, device, what, exact=case_.exact, tol=case_.tol)

    # Backward with the same random upstream gradient for every differentiable output.
    diff = [i for i, t in enumerate(t_outs) if t.requires_grad]
    if not diff:
        return
    rng = np.random.default_rng(seed)
    grads = [
        np.asarray(rng.standard_normal(tuple(t_outs[i].shape)), dtype=to_numpy(t_outs[i]).dtype)
        for i in diff
    ]
    run_backward(torch, [t_outs[i] for i in diff], grads, "cpu")
    run_backward(ag, [a_outs[i] for i in diff], grads, device)

    out_numel = sum(math.prod(t_outs[i].shape) for i in diff)
    for name, a, t in zip(case_.inputs, a_inputs, t_inputs):
        if not t.requires_grad:
            continue
        what = f"{case_}: grad of {name}"
        if t.grad is None:
            assert a.grad is None, f"{what}: torch leaves it None, ours is {a.grad}"
            continue
        assert a.grad is not None, f"{what}: is None, torch's is {t.grad}"
        # An unreduced gradient (at most one contribution per element) is exact for an exact
        # op; a gradient summed over broadcast or repeated elements depends on the order.
        exact = case_.exact and out_numel <= math.prod(t.shape)
        assert_tensor_matches(a.grad, t.grad, device, what, exact=exact, tol=case_.tol)


# ----------------------------------------------------------------------------------------------
# The ops. One line per op (or per variant of it); every expression in a `cases(...)` call is a
# separate test. Inputs named a, b, c, x, y are float tensors that require grad; other names
# are constant int64/bool tensors.
# ----------------------------------------------------------------------------------------------

X = {"x": ANY}
AB = {"a": ANY, "b": ANY}
ONE_D = any_shape(min_dims=1)
TWO_D = any_shape(min_dims=2)
THREE_D = any_shape(min_dims=3, max_dims=3)
MATRIX = any_shape(min_dims=2, max_dims=2)

# fmt: off
OPS: list[Case] = [
    # --- arithmetic, with broadcasting -----------------------------------------------------------
    *cases("a + b", "m.add(a, b)", "a.add(b)", exact=True, **AB),
    *cases("a - b", "m.sub(a, b)", "a.sub(b)", exact=True, **AB),
    *cases("a * b", "m.mul(a, b)", "a.mul(b)", exact=True, **AB),
    *cases("a / b", "m.div(a, b)", "a.div(b)", a=ANY, b=NONZERO),
    *cases("a ** b", "m.pow(a, b)", "a.pow(b)", a=POSITIVE, b=ANY),
    *cases("-x", "m.neg(x)", "x.neg()", exact=True),
    # --- one tensor used twice: both gradient contributions accumulate ---------------------
    *cases("x + x", "x - x", "x * x", exact=True),
    case("x @ x.T", shapes=MATRIX),
    # --- with a python scalar, both sides ------------------------------------------------------
    *cases("x + 2", "2 + x", "x - 1", "1 - x", "x * 3", "3 * x", "x * 0.5", exact=True),
    *cases("x / 4", "x / 3", "x.div(3)", x=ANY),
    *cases("1 / x", "2.5 / x", x=NONZERO),
    *cases("x ** 2", "x ** 3", "x ** 0", "x.pow(2)", "m.pow(x, 3)", x=ANY),
    *cases("x ** 0.5", "x ** -1.5", "x ** -1", x=POSITIVE),
    *cases("2 ** x", "m.pow(2, x)", "0.5 ** x", x=ANY),
    # --- matrix products --------------------------------------------------------------------------
    *cases("a @ b", "m.matmul(a, b)", "a.matmul(b)", shapes=MATMUL_SHAPES, **AB),
    case("a @ b", shapes=fixed((3,), (3,)), label="1-d @ 1-d", **AB),
    case("a @ b", shapes=fixed((2, 3), (3,)), label="2-d @ 1-d", **AB),
    case("a @ b", shapes=fixed((3,), (3, 2)), label="1-d @ 2-d", **AB),
    case("a @ b", shapes=fixed((4, 3), (2, 1, 3, 2)), label="broadcast batch", **AB),
    case("a @ b", shapes=fixed((2, 1, 2, 3), (3, 3, 2)), label="broadcast batches", **AB),
    *cases("m.mm(a, b)", "a.mm(b)", shapes=MM_SHAPES, **AB),
    *cases("m.dot(a, b)", "a.dot(b)", shapes=same_shape(2, 1, 1), **AB),
    # --- reductions -------------------------------------------------------------------------------
    *cases("x.sum()", "m.sum(x)", "x.mean()", "m.mean(x)"),
    *cases("x.sum(0)", "x.sum(dim=-1)", "m.sum(x, dim=0, keepdim=True)", shapes=ONE_D),
    *cases("x.mean(0)", "x.mean(dim=-1, keepdim=True)", "m.mean(x, 0)", shapes=ONE_D),
    *cases("x.sum(dim=(0, 2))", "x.mean(dim=(-1, 0), keepdim=True)", shapes=THREE_D),
    *cases("x.max()", "m.max(x)", "x.min()", "m.min(x)", x=DISTINCT),
    *cases("x.max(dim=0)", "x.max(-1, keepdim=True)", "m.max(x, 0)", x=DISTINCT, shapes=ONE_D),
    *cases("x.min(dim=0)", "x.min(-1, keepdim=True)", "m.min(x, dim=0)", x=DISTINCT, shapes=ONE_D),
    *cases("x.max(dim=1).values", "x.min(dim=1).indices", x=DISTINCT, shapes=TWO_D),
    *cases("x.prod()", "m.prod(x)", "x.prod(0)", "x.prod(-1, keepdim=True)",
           x=Floats(-1.5, 1.5, avoid=(0.0,), gap=0.3), shapes=ONE_D),
    *cases("x.norm()", "m.norm(x)", "x.norm(p=1)", "x.norm(dim=0)", "x.norm(p=1, dim=-1)",
           "x.norm(dim=-1, keepdim=True)", x=NO_KINK, shapes=ONE_D),
    # --- elementwise functions -------------------------------------------------------------------
    *cases("x.exp()", "m.exp(x)", "x.sin()", "m.sin(x)", "x.cos()", "m.cos(x)"),
    *cases("x.tanh()", "m.tanh(x)", "x.sigmoid()", "m.sigmoid(x)"),
    *cases("x.log()", "m.log(x)", "x.sqrt()", "m.sqrt(x)", x=POSITIVE),
    *cases("x.abs()", "m.abs(x)", "abs(x)", "x.relu()", "m.relu(x)", x=NO_KINK, exact=True),
    *cases("x.clamp(-0.5, 0.5)", "m.clamp(x, min=-0.5, max=0.5)", "x.clamp(min=0.2)",
           "x.clamp(max=0.3)", x=Floats(avoid=(-0.5, 0.0, 0.2, 0.3, 0.5), gap=0.05), exact=True),
    *cases("m.where(c, a, b)", "m.where(a > b, a, b)", c=MASK, a=ANY, b=ANY, exact=True),
    case("m.where(c, x, 0.0)", c=MASK, x=ANY, exact=True),
    *cases("x.softmax(dim=-1)", "m.softmax(x, dim=0)", "x.log_softmax(-1)",
           "m.log_softmax(x, dim=0)", shapes=ONE_D, tol=4),
    *cases("x.softmax(-1)", "x.log_softmax(-1)", "x.sigmoid()", "x.tanh()",
           x=Const([1000.0, 1001.0, -1000.0]), label="large: no overflow"),
    # --- torch's conventions at kinks, ties and zeros (fixed inputs) --------------------------
    *cases("x.relu()", "x.abs()", "x.clamp(-1, 1)", "x.clamp(min=0)", "m.where(x > 0, x, 0.0)",
           x=Const([-1.0, 0.0, 1.0, 2.0]), exact=True, kink=True, label="at the kinks"),
    *cases("x.max()", "x.min()", x=Const([1.0, 3.0, 1.0, 3.0]), kink=True, label="ties"),
    *cases("x.norm()", "x.norm(p=1)", x=Const([0.0, 0.0]), kink=True, label="zero vector"),
    *cases("x.prod()", "x.prod(0)", x=Const([2.0, 0.0, 3.0]), label="one zero"),
    case("x.prod()", x=Const([0.0, 2.0, 0.0]), label="two zeros"),
    # --- comparisons: bool results that never require grad -----------------------------------
    *cases("a == b", "a != b", "a < b", "a <= b", "a > b", "a >= b", a=TIES, b=TIES),
    *cases("m.eq(a, b)", "a.ne(b)", "m.lt(a, b)", "a.le(b)", "m.gt(a, b)", "a.ge(b)",
           a=TIES, b=TIES),
    *cases("x > 0", "x <= 0.5", "0 < x", "x == 1", x=TIES),
    # --- shapes and views -------------------------------------------------------------------------
    *cases("x.reshape(-1)", "x.reshape(x.shape[-1], -1)", "m.reshape(x, (-1, 1))",
           "x.view(-1)", "x.view(1, *x.shape)", shapes=ONE_D, exact=True),
    *cases("x.reshape(4, -1)", "x.reshape((6, 4))", "x.view(2, 3, 2, 2)", "x.view(-1, 8)",
           shapes=fixed((2, 3, 4)), exact=True),
    *cases("x.flatten()", "m.flatten(x)", "x.flatten(1)", "x.flatten(0, 1)",
           "x.flatten(start_dim=-2, end_dim=-1)", shapes=THREE_D, exact=True),
    *cases("x.transpose(0, 1)", "m.transpose(x, 0, -1)", "x.transpose(-1, -2)",
           shapes=THREE_D, exact=True),
    *cases("x.permute(2, 0, 1)", "x.permute((1, 2, 0))", "m.permute(x, (2, 1, 0))",
           shapes=THREE_D, exact=True),
    *cases("x.t()", "m.t(x)", "x.T", shapes=MATRIX, exact=True),
    *cases("x.t()", shapes=any_shape(0, 1), exact=True, label="0-d and 1-d"),
    *cases("x.squeeze(1)", "m.squeeze(x, 1)", "x.squeeze(0)", "x.squeeze()", "x.squeeze(-1)",
           shapes=fixed((2, 1, 3)), exact=True),
    *cases("x.unsqueeze(0)", "m.unsqueeze(x, -1)", "x.unsqueeze(1)", shapes=ONE_D, exact=True),
    *cases("x.expand(2, 3, 4)", "x.expand(-1, 4)", "x.expand((2, -1, 4))",
           "x.expand(3, 1).expand(2, 3, 4)", shapes=fixed((3, 1)), exact=True),
    case("x.expand(x.shape)", shapes=any_shape(), exact=True),
    # --- indexing ---------------------------------------------------------------------------------
    *cases("x[1]", "x[-1]", "x[1:3]", "x[::2]", "x[-3:-1, 1]", "x[:, 1]", "x[..., 0]",
           "x[None]", "x[:, None, 1:]", "x[0, ..., None]", "x[1, 2]", "x[1:, ::2]",
           "x[..., None, ::2]", "x[-1, -2]", "x[10:]", "x[:, -2:]",
           shapes=fixed((4, 3)), exact=True),
    *cases("x[i]", "x[:, i]", "x[i, 1]", "x[1:, i]", i=Const([2, 0, -1]), x=ANY,
           shapes=fixed((3, 4)), exact=True),
    *cases("x[i]", "x[i, i]", "x[[0, 1, 0, 0]]", i=Const([0, 1, 1, 0]), x=ANY,
           shapes=fixed((3, 3)), label="repeated"),
    case("x[i]", i=Const([[0, 2], [2, 2]]), x=ANY, shapes=fixed((3, 2)), label="2-d index"),
    *cases("x[mask]", "x[x > 0]", x=ANY, mask=MASK, shapes=same_shape(2), exact=True),
    case("x[mask]", x=ANY, mask=MASK, shapes=fixed((3, 4), (3,)), exact=True, label="rows"),
    # --- joining ----------------------------------------------------------------------------------
    *cases("m.cat([a, b])", "m.cat((a, b), dim=0)", a=ANY, b=ANY, shapes=fixed((2, 3), (1, 3)),
           exact=True),
    *cases("m.cat([a, b, c], dim=1)", "m.cat([a, b, c], -1)", a=ANY, b=ANY, c=ANY,
           shapes=fixed((2, 1), (2, 3), (2, 2)), exact=True),
    *cases("m.stack([a, b])", "m.stack((a, b), dim=1)", "m.stack([a, b, a], dim=-1)",
           shapes=same_shape(2, min_dims=1), exact=True, **AB),
    case("m.stack([a, b])", shapes=fixed((), ()), exact=True, label="0-d", **AB),
    case("m.cat([a])", shapes=any_shape(1), exact=True, a=ANY),
]
# fmt: on
OP_IDS = [c.id for c in OPS]
assert len(set(OP_IDS)) == len(OP_IDS), "duplicate case ids"


def differentiable(case_: Case) -> bool:
    """Whether torch can differentiate the case: some output requires grad."""
    shapes = find_example(case_.shapes)
    arrays = case_.sample(shapes, 0, "float64")
    t_inputs = make_inputs(torch, arrays, case_.grad_flags(), "cpu")
    return any(t.requires_grad for t in outputs(case_.fn(torch, *t_inputs)))


def find_example(strategy: st.SearchStrategy):
    """The simplest example of a strategy (at collection time, outside of @given)."""
    quick = settings(database=None, phases=[hypothesis.Phase.generate], derandomize=True)
    return hypothesis.find(strategy, lambda _: True, settings=quick)
