"""The benchmark workloads, written once per implementation.

Every workload is a set of *factories*, one per implementation.  A factory builds the data for
one run (outside the timed region) and returns a :class:`Case`: ``step()`` is one timed
iteration, ``probe()`` reads back a few numbers after a step so the harness can check that all
implementations computed the same thing.

torch and autograd_lib share their code (``_TorchAPI``): the workload is written once against
PyTorch's API and run with ``T = torch`` or ``T = autograd_lib``, which is the whole point of
the library.  The other implementations are written in their own idiom, doing the same math.

Implementations:

* ``autograd_lib`` - this project (``import autograd_lib as torch``)
* ``torch``        - PyTorch, CPU, one thread
* ``numpy``        - hand-written NumPy forward and backward (the reference for W2-W4)
* ``mygrad``       - MyGrad, a NumPy-based autograd library with a similar design
* ``hips``         - HIPS autograd, ``grad`` of a plain Python function (W1, W1b)
* ``micrograd``    - Karpathy's micrograd ``Value`` (W1, W1b)
* ``autograd_lib@<rev>`` - an older revision of this project (``--baseline REV``, see
  ``baseline.py``), run with the same ``_TorchAPI`` code on W1, W1b, W2, W3 and W4

W1b-fn has one row per *variant* of W1b's chain, keyed ``impl/variant`` (``autograd_lib/fn-tanh``:
the tanh step done by a custom ``autograd.Function``; ``autograd_lib/no-tanh``: the chain without
that step).  A variant is compared with the same variant of the reference implementation.
"""

from __future__ import annotations

import importlib
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

IMPLEMENTATIONS = ("autograd_lib", "torch", "numpy", "mygrad", "hips", "micrograd")

# Import name of each implementation (numpy is always there); ``register`` adds baselines.
_MODULES = {
    "autograd_lib": "autograd_lib",
    "torch": "torch",
    "numpy": "numpy",
    "mygrad": "mygrad",
    "hips": "autograd",
    "micrograd": "micrograd.engine",
}


def register(impl: str, module: str) -> None:
    """Make ``load(impl)`` import ``module`` (an older autograd_lib from ``baseline.py``)."""
    _MODULES[impl] = module


class Skipped(Exception):
    """Raised by a factory whose implementation lacks a feature (the row is skipped, noted)."""


@dataclass(frozen=True)
class Sizes:
    """Problem sizes.  ``FULL`` is what the targets refer to; ``SMOKE`` only proves it runs."""

    chain_ops: int = 100  # W1b: ops in the scalar chain (a multiple of 4)
    lr_epochs: int = 100  # W2: epochs of the tutorial's linear regression
    mlp: tuple[int, int, int, int] = (512, 784, 256, 10)  # W3: batch, in, hidden, out
    matmul_n: int = 2048  # W4: size of the square matrices
    leak_epochs: int = 10_000  # leak check: W2 epochs in one process


FULL = Sizes()
SMOKE = Sizes(chain_ops=100, lr_epochs=100, mlp=(16, 32, 16, 4), matmul_n=64, leak_epochs=1000)


@dataclass
class Case:
    """One implementation of one workload, set up and ready to time."""

    step: Callable[[], object]
    probe: Callable[[], list[float]]


@dataclass
class Workload:
    key: str  # e.g. "W3-f32"
    title: str
    factories: dict[str, Callable[[Sizes], Case]]
    per: Callable[[Sizes], int] = lambda sizes: 1  # report time per this many units
    unit: str = "run"  # what one reported time is for
    target: tuple[str, float] | None = None  # autograd_lib / baseline <= ratio
    repeats: int = 21  # default number of interleaved repeats
    rtol: float = 1e-4  # tolerance of the cross-implementation check
    tags: tuple[str, ...] = field(default=())


def load(impl: str):
    """Import an implementation's module (raises ImportError when it is not installed)."""
    return importlib.import_module(_MODULES[impl])


def version_of(impl: str) -> str:
    """Import an implementation and return its version."""
    from importlib.metadata import PackageNotFoundError, version

    module = load(impl)
    top = importlib.import_module(module.__name__.split(".")[0])
    found = getattr(top, "__version__", None)
    if found:
        return str(found)
    try:
        return version(_MODULES[impl].split(".")[0])
    except PackageNotFoundError:
        return "?"


def to_array(value) -> np.ndarray:
    """Any implementation's scalar/tensor/array as a float64 NumPy array (for checks only)."""
    if isinstance(value, (int, float, np.ndarray, np.generic)):
        return np.asarray(value, dtype=np.float64)
    if hasattr(value, "detach"):  # torch, autograd_lib (on any device)
        value = value.detach().cpu()
    if hasattr(value, "get"):  # a CuPy array
        return np.asarray(value.get(), dtype=np.float64)
    if hasattr(value, "numpy"):
        return np.asarray(value.numpy(), dtype=np.float64)
    if hasattr(value, "data"):  # mygrad.Tensor (ndarray), micrograd.Value (float)
        return np.asarray(value.data, dtype=np.float64)
    return np.asarray(value, dtype=np.float64)


def _total(value) -> float:
    return float(to_array(value).sum())


def scalar_chain(x, groups: int, tanh):
    """W1b's chain from ``x``: ``(y * 1.0001, + 0.0001, tanh, + 0.5)``, ``groups`` times.
    ``tanh`` is each library's own (``torch.tanh``, ``mygrad.tanh``, ...)."""
    y = x
    for _ in range(groups):
        y = y * 1.0001
        y = y + 0.0001
        y = tanh(y)
        y = y + 0.5
    return y


# W1b-fn: W1b's chain with one step of each group of 4 done by a custom autograd.Function, and
# the chain without that step, so that (chain with the step - chain without it) / groups is the
# cost of one such step, forward and backward (see ``function_costs`` in run.py).
FUNCTION_STEPS = ("tanh", "mul")
W1B_FN_VARIANTS = ("", *(f"{kind}-{step}" for step in FUNCTION_STEPS for kind in ("fn", "no")))


def scalar_chain_no_tanh(x, groups: int):
    """W1b's chain without its tanh step: ``(y * 1.0001, + 0.0001, + 0.5)``."""
    y = x
    for _ in range(groups):
        y = y * 1.0001
        y = y + 0.0001
        y = y + 0.5
    return y


def scalar_chain_mul(x, groups: int, tanh, mul):
    """W1b's chain with the multiply step done by ``mul(y, 1.0001)``."""
    y = x
    for _ in range(groups):
        y = mul(y, 1.0001)
        y = y + 0.0001
        y = tanh(y)
        y = y + 0.5
    return y


def scalar_chain_no_mul(x, groups: int, tanh):
    """W1b's chain without its multiply step: ``(y + 0.0001, tanh, + 0.5)``."""
    y = x
    for _ in range(groups):
        y = y + 0.0001
        y = tanh(y)
        y = y + 0.5
    return y


def custom_functions(T):
    """W1b-fn's custom ops, written the PyTorch way (the "Extending torch.autograd" recipe);
    the same code runs with ``T = torch`` and ``T = autograd_lib``.  Raises ``Skipped`` when
    ``T.autograd`` has no ``Function``."""
    Function = getattr(getattr(T, "autograd", None), "Function", None)
    if Function is None:
        raise Skipped(f"{T.__name__}.autograd has no Function (yet)")

    class Tanh(Function):
        @staticmethod
        def forward(ctx, x):
            y = x.tanh()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, grad_output):
            (y,) = ctx.saved_tensors
            return grad_output * (1 - y * y)

    class MulConstant(Function):
        @staticmethod
        def forward(ctx, x, constant):
            ctx.constant = constant
            return x * constant

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output * ctx.constant, None

    return Tanh, MulConstant


# --------------------------------------------------------------------------------------------
# Data shared by all implementations (plain NumPy arrays, converted by each factory).
# --------------------------------------------------------------------------------------------

LR_X = [[1.0], [2.0], [3.0]]
LR_Y = [[2.0], [4.0], [6.0]]
LR = 0.01


def mlp_data(sizes: Sizes, dtype) -> dict[str, np.ndarray]:
    batch, n_in, n_hidden, n_out = sizes.mlp
    rng = np.random.default_rng(0)
    return {
        "x": rng.standard_normal((batch, n_in)).astype(dtype),
        "y": rng.standard_normal((batch, n_out)).astype(dtype),
        "w1": (rng.standard_normal((n_in, n_hidden)) * math.sqrt(2.0 / n_in)).astype(dtype),
        "b1": (rng.standard_normal(n_hidden) * 0.01).astype(dtype),
        "w2": (rng.standard_normal((n_hidden, n_out)) * math.sqrt(1.0 / n_hidden)).astype(dtype),
        "b2": (rng.standard_normal(n_out) * 0.01).astype(dtype),
    }


MLP_PARAMS = ("w1", "b1", "w2", "b2")


def matmul_data(sizes: Sizes) -> dict[str, np.ndarray]:
    n = sizes.matmul_n
    rng = np.random.default_rng(1)
    # Positive entries, so the loss is far from zero and a relative check is meaningful.
    return {k: rng.random((n, n), dtype=np.float32) for k in ("a", "b", "c")}


# --------------------------------------------------------------------------------------------
# torch and autograd_lib: the same code, PyTorch's API.
# --------------------------------------------------------------------------------------------


class _TorchAPI:
    """Workloads written against PyTorch's API; ``T`` is ``torch`` or ``autograd_lib``."""

    def __init__(self, impl: str):
        self.impl = impl

    @property
    def T(self):  # reads like the tutorials' ``torch.``
        return load(self.impl)

    def w1(self, sizes: Sizes) -> Case:
        T = self.T
        out = {}

        def step():
            x = T.tensor(2.0, requires_grad=True)
            y = x**2 + 3 * x + 1
            y.backward()
            out["grad"] = x.grad
            return x.grad

        return Case(step, lambda: [_total(out["grad"])])

    def w1b(self, sizes: Sizes) -> Case:
        T = self.T
        groups = sizes.chain_ops // 4
        out = {}

        def step():
            x = T.tensor(0.5, requires_grad=True)
            y = scalar_chain(x, groups, T.tanh)
            y.backward()
            out["grad"] = x.grad
            return x.grad

        return Case(step, lambda: [_total(out["grad"])])

    def w1b_fn(self, sizes: Sizes, variant: str) -> Case:
        """W1b-fn: one variant of W1b's chain (see ``W1B_FN_VARIANTS``); "" is W1b itself."""
        T = self.T
        groups = sizes.chain_ops // 4
        tanh = T.tanh
        if variant == "fn-tanh":
            tanh = custom_functions(T)[0].apply
        mul = custom_functions(T)[1].apply if variant == "fn-mul" else None
        chain = {
            "": lambda x: scalar_chain(x, groups, tanh),
            "fn-tanh": lambda x: scalar_chain(x, groups, tanh),
            "no-tanh": lambda x: scalar_chain_no_tanh(x, groups),
            "fn-mul": lambda x: scalar_chain_mul(x, groups, tanh, mul),
            "no-mul": lambda x: scalar_chain_no_mul(x, groups, tanh),
        }[variant]
        out = {}

        def step():
            x = T.tensor(0.5, requires_grad=True)
            y = chain(x)
            y.backward()
            out["grad"] = x.grad
            return x.grad

        return Case(step, lambda: [_total(out["grad"])])

    def w2(self, sizes: Sizes) -> Case:
        T = self.T
        epochs = sizes.lr_epochs
        out = {}

        def step():
            # The tutorial's linear regression, as written (printing replaced by collecting).
            x_train = T.tensor(LR_X)
            y_train = T.tensor(LR_Y)
            w = T.tensor([[0.0]], requires_grad=True)
            b = T.tensor([[0.0]], requires_grad=True)
            lr = LR
            losses = []
            for epoch in range(epochs):
                y_pred = x_train.mm(w) + b
                loss = ((y_pred - y_train) ** 2).mean()
                loss.backward()
                with T.no_grad():
                    w -= lr * w.grad
                    b -= lr * b.grad
                w.grad.zero_()
                b.grad.zero_()
                if epoch % 10 == 0:
                    losses.append(loss.item())
            out.update(w=w, b=b, losses=losses)
            return losses

        return Case(step, lambda: [*out["losses"], _total(out["w"]), _total(out["b"])])

    def w3(self, sizes: Sizes, dtype, device=None) -> Case:
        T = self.T
        data = mlp_data(sizes, dtype)
        x, y = T.tensor(data["x"], device=device), T.tensor(data["y"], device=device)
        params = [T.tensor(data[k], requires_grad=True, device=device) for k in MLP_PARAMS]
        w1, b1, w2, b2 = params
        lr = LR
        out = {}

        def step():
            for p in params:  # optimizer.zero_grad() (set_to_none=True, PyTorch's default)
                p.grad = None
            h = (x @ w1 + b1).relu()
            pred = h @ w2 + b2
            loss = ((pred - y) ** 2).mean()
            loss.backward()
            with T.no_grad():  # optimizer.step() for plain SGD
                for p in params:
                    p -= lr * p.grad
            out["loss"] = loss
            return loss

        return Case(step, lambda: [_total(out["loss"])] + [_total(p.grad) for p in params])

    def w4(self, sizes: Sizes, device=None) -> Case:
        T = self.T
        data = matmul_data(sizes)
        a, b, c = (T.tensor(data[k], requires_grad=True, device=device) for k in ("a", "b", "c"))
        out = {}

        def step():
            a.grad = b.grad = c.grad = None
            loss = (a @ b @ c).sum()
            loss.backward()
            out["loss"] = loss
            return loss

        return Case(step, lambda: [_total(out["loss"])] + [_total(t.grad) for t in (a, b, c)])

    def leak_epoch(self):
        """W2's setup and a function running one epoch of it (for the leak check)."""
        T = self.T
        x_train = T.tensor(LR_X)
        y_train = T.tensor(LR_Y)
        w = T.tensor([[0.0]], requires_grad=True)
        b = T.tensor([[0.0]], requires_grad=True)
        lr = LR

        def epoch_fn(epoch: int):
            nonlocal w, b  # ``w -= ...`` rebinds the name (to the same, updated tensor)
            y_pred = x_train.mm(w) + b
            loss = ((y_pred - y_train) ** 2).mean()
            loss.backward()
            with T.no_grad():
                w -= lr * w.grad
                b -= lr * b.grad
            w.grad.zero_()
            b.grad.zero_()
            if epoch % 10 == 0:
                loss.item()

        return epoch_fn


# --------------------------------------------------------------------------------------------
# Hand-written NumPy (the reference for W2, W3 and W4).
# --------------------------------------------------------------------------------------------


def numpy_w2(sizes: Sizes) -> Case:
    epochs = sizes.lr_epochs
    out = {}

    def step():
        x_train = np.array(LR_X, dtype=np.float32)
        y_train = np.array(LR_Y, dtype=np.float32)
        w = np.zeros((1, 1), dtype=np.float32)
        b = np.zeros((1, 1), dtype=np.float32)
        lr = LR
        scale = 2.0 / y_train.size
        losses = []
        for epoch in range(epochs):
            diff = x_train @ w + b - y_train
            loss = (diff * diff).mean()
            g = diff * scale  # d loss / d y_pred
            w -= lr * (x_train.T @ g)
            b -= lr * g.sum(keepdims=True)
            if epoch % 10 == 0:
                losses.append(float(loss))
        out.update(w=w, b=b, losses=losses)
        return losses

    return Case(step, lambda: [*out["losses"], _total(out["w"]), _total(out["b"])])


def numpy_w3(sizes: Sizes, dtype, xp=np) -> Case:
    """MLP step with hand-written gradients, written to be fast but still the plain chain rule.

    It computes exactly what autograd computes (no gradient for ``x``), reuses buffers where a
    careful NumPy programmer would (in-place bias add, ReLU, scaling and update), and lets BLAS
    read transposed operands as views (``x.T @ dh`` is one GEMM call, no copy). ``xp``: the
    array module (``cupy`` gives the hand-written GPU reference).
    """
    data = {k: xp.array(v) for k, v in mlp_data(sizes, dtype).items()}
    x, y = data["x"], data["y"]
    w1, b1, w2, b2 = (data[k] for k in MLP_PARAMS)
    lr = LR
    scale = 2.0 / y.size
    out = {}

    def step():
        # forward
        h = x @ w1
        h += b1
        xp.maximum(h, 0, out=h)  # ReLU in place; h > 0 exactly where the pre-activation > 0
        diff = h @ w2
        diff += b2
        diff -= y
        loss = xp.vdot(diff, diff) / diff.size  # mean squared error
        # backward
        diff *= scale  # d loss / d pred
        g_w2 = h.T @ diff
        g_b2 = diff.sum(axis=0)
        g_h = diff @ w2.T
        g_h *= h > 0  # through the ReLU
        g_w1 = x.T @ g_h
        g_b1 = g_h.sum(axis=0)
        # SGD
        for p, g in ((w1, g_w1), (b1, g_b1), (w2, g_w2), (b2, g_b2)):
            g *= lr
            p -= g
        out.update(loss=loss, grads=(g_w1, g_b1, g_w2, g_b2))
        return loss

    def probe():
        return [_total(out["loss"])] + [_total(g) / lr for g in out["grads"]]

    return Case(step, probe)


def numpy_w4(sizes: Sizes, xp=np) -> Case:
    data = matmul_data(sizes)
    a, b, c = (xp.asarray(data[k]) for k in ("a", "b", "c"))
    out = {}

    def step():
        ab = a @ b
        abc = ab @ c
        loss = abc.sum()
        g = xp.ones_like(abc)  # d loss / d abc (the generic chain rule: no shortcut for ones)
        g_c = ab.T @ g
        g_ab = g @ c.T
        g_a = g_ab @ b.T
        g_b = a.T @ g_ab
        out.update(loss=loss, grads=(g_a, g_b, g_c))
        return loss

    return Case(step, lambda: [_total(out["loss"])] + [_total(g) for g in out["grads"]])


# --------------------------------------------------------------------------------------------
# MyGrad
# --------------------------------------------------------------------------------------------


def mygrad_w1(sizes: Sizes) -> Case:
    mg = load("mygrad")
    out = {}

    def step():
        x = mg.tensor(2.0)
        y = x**2 + 3 * x + 1
        y.backward()
        out["grad"] = x.grad
        return x.grad

    return Case(step, lambda: [_total(out["grad"])])


def mygrad_w1b(sizes: Sizes) -> Case:
    mg = load("mygrad")
    groups = sizes.chain_ops // 4
    out = {}

    def step():
        x = mg.tensor(0.5)
        y = scalar_chain(x, groups, mg.tanh)
        y.backward()
        out["grad"] = x.grad
        return x.grad

    return Case(step, lambda: [_total(out["grad"])])


def mygrad_w2(sizes: Sizes) -> Case:
    mg = load("mygrad")
    epochs = sizes.lr_epochs
    out = {}

    def step():
        x_train = mg.tensor(np.array(LR_X, dtype=np.float32), constant=True)
        y_train = mg.tensor(np.array(LR_Y, dtype=np.float32), constant=True)
        w = mg.tensor(np.zeros((1, 1), dtype=np.float32))
        b = mg.tensor(np.zeros((1, 1), dtype=np.float32))
        lr = LR
        losses = []
        for epoch in range(epochs):
            y_pred = mg.matmul(x_train, w) + b
            loss = ((y_pred - y_train) ** 2).mean()
            loss.backward()
            with mg.no_autodiff:
                w -= lr * w.grad
                b -= lr * b.grad
            # MyGrad clears .grad itself on the next backward: no zero_() needed.
            if epoch % 10 == 0:
                losses.append(loss.item())
        out.update(w=w, b=b, losses=losses)
        return losses

    return Case(step, lambda: [*out["losses"], _total(out["w"]), _total(out["b"])])


def mygrad_w3(sizes: Sizes, dtype) -> Case:
    mg = load("mygrad")
    data = mlp_data(sizes, dtype)
    x = mg.tensor(data["x"], constant=True)
    y = mg.tensor(data["y"], constant=True)
    params = [mg.tensor(data[k]) for k in MLP_PARAMS]
    w1, b1, w2, b2 = params
    lr = LR
    out = {}

    def step():
        h = mg.nnet.relu(x @ w1 + b1)
        pred = h @ w2 + b2
        loss = ((pred - y) ** 2).mean()
        loss.backward()
        with mg.no_autodiff:
            for p in params:
                p -= lr * p.grad
        out["loss"] = loss
        return loss

    return Case(step, lambda: [_total(out["loss"])] + [_total(p.grad) for p in params])


# --------------------------------------------------------------------------------------------
# HIPS autograd and micrograd (scalar workloads only)
# --------------------------------------------------------------------------------------------


def hips_w1(sizes: Sizes) -> Case:
    grad = load("hips").grad

    def f(x):
        return x**2 + 3 * x + 1

    df = grad(f)
    out = {}

    def step():
        out["grad"] = g = df(2.0)
        return g

    return Case(step, lambda: [_total(out["grad"])])


def hips_w1b(sizes: Sizes) -> Case:
    grad = load("hips").grad
    anp = importlib.import_module("autograd.numpy")
    groups = sizes.chain_ops // 4

    def f(x):
        return scalar_chain(x, groups, anp.tanh)

    df = grad(f)
    out = {}

    def step():
        out["grad"] = g = df(0.5)
        return g

    return Case(step, lambda: [_total(out["grad"])])


def _micrograd_tanh(v):
    """tanh for micrograd 0.1.0's Value (the PyPI release has no tanh; this is the version
    from Karpathy's lecture, in micrograd's own style: one node, one closure)."""
    Value = type(v)
    t = math.tanh(v.data)
    out = Value(t, (v,), "tanh")

    def _backward():
        v.grad += (1 - t * t) * out.grad

    out._backward = _backward
    return out


def micrograd_w1(sizes: Sizes) -> Case:
    Value = load("micrograd").Value
    out = {}

    def step():
        x = Value(2.0)
        y = x**2 + 3 * x + 1
        y.backward()
        out["grad"] = x.grad
        return x.grad

    return Case(step, lambda: [_total(out["grad"])])


def micrograd_w1b(sizes: Sizes) -> Case:
    Value = load("micrograd").Value
    tanh = _micrograd_tanh
    groups = sizes.chain_ops // 4
    out = {}

    def step():
        x = Value(0.5)
        y = scalar_chain(x, groups, tanh)
        y.backward()
        out["grad"] = x.grad
        return x.grad

    return Case(step, lambda: [_total(out["grad"])])


# --------------------------------------------------------------------------------------------
# The workload table
# --------------------------------------------------------------------------------------------


def _dtype_bound(fn, dtype):
    return lambda sizes: fn(sizes, dtype)


def _variant_bound(fn, variant):
    return lambda sizes: fn(sizes, variant)


def build_workloads(sizes: Sizes = FULL, baselines: tuple[str, ...] = ()) -> list[Workload]:
    """All workloads; ``sizes`` only fills in the titles (factories take sizes when called).
    ``baselines``: implementations registered with ``register`` (older autograd_libs), added
    to W1, W1b, W2, W3 and W4 next to ``autograd_lib``."""
    lib, torch_ = _TorchAPI("autograd_lib"), _TorchAPI("torch")
    bases = [_TorchAPI(b) for b in baselines]
    batch, n_in, n_hidden, n_out = sizes.mlp
    n = sizes.matmul_n
    workloads = [
        Workload(
            "W1",
            "tutorial scalar example: x**2 + 3*x + 1, backward, x.grad",
            {
                "autograd_lib": lib.w1,
                "torch": torch_.w1,
                "mygrad": mygrad_w1,
                "hips": hips_w1,
                "micrograd": micrograd_w1,
            },
            unit="iteration",
            target=("torch", 0.25),
        ),
        Workload(
            "W1b",
            f"{sizes.chain_ops}-op scalar chain: (mul, add, tanh, add) x {sizes.chain_ops // 4}"
            " + backward, per op",
            {
                "autograd_lib": lib.w1b,
                "torch": torch_.w1b,
                "mygrad": mygrad_w1b,
                "hips": hips_w1b,
                "micrograd": micrograd_w1b,
            },
            per=lambda sizes: sizes.chain_ops,
            unit="op",
            target=("torch", 0.5),
        ),
        Workload(
            "W1b-fn",
            f"W1b's chain with its tanh or mul step a custom autograd.Function (fn-), or without"
            f" it (no-), per group of ops ({sizes.chain_ops // 4} per chain)",
            {
                (impl.impl + "/" + v if v else impl.impl): _variant_bound(impl.w1b_fn, v)
                for impl in (lib, torch_)
                for v in W1B_FN_VARIANTS
            },
            per=lambda sizes: sizes.chain_ops // 4,
            unit="group",
        ),
        Workload(
            "W2",
            f"tutorial linear regression, {sizes.lr_epochs} epochs (3x1 data, float32)",
            {
                "autograd_lib": lib.w2,
                "torch": torch_.w2,
                "numpy": numpy_w2,
                "mygrad": mygrad_w2,
            },
            unit=f"{sizes.lr_epochs} epochs",
            target=("torch", 0.35),
        ),
    ]
    for dtype, tag in ((np.float32, "f32"), (np.float64, "f64")):
        workloads.append(
            Workload(
                f"W3-{tag}",
                f"MLP {batch}x{n_in}-{n_hidden}-{n_out}, ReLU, MSE, fwd+bwd+SGD,"
                f" {np.dtype(dtype).name}",
                {
                    "autograd_lib": _dtype_bound(lib.w3, dtype),
                    "torch": _dtype_bound(torch_.w3, dtype),
                    "numpy": _dtype_bound(numpy_w3, dtype),
                    "mygrad": _dtype_bound(mygrad_w3, dtype),
                },
                unit="step",
                target=("numpy", 1.05),
                repeats=15,
                rtol=1e-3 if tag == "f32" else 1e-8,
            )
        )
    workloads.append(
        Workload(
            "W4",
            f"(A @ B @ C).sum() backward, {n}x{n} float32",
            {"autograd_lib": lib.w4, "torch": torch_.w4, "numpy": numpy_w4},
            unit="step",
            target=("numpy", 1.02),
            repeats=7,
            rtol=1e-3,
        )
    )
    # A baseline runs the same code as autograd_lib, so it gets the same factories, bound to
    # its module, listed right after autograd_lib.
    for w in workloads:
        added = {}
        for base in bases:
            if w.key.startswith("W3-"):
                dtype = np.float32 if w.key == "W3-f32" else np.float64
                added[base.impl] = _dtype_bound(base.w3, dtype)
            elif w.key in ("W1", "W1b", "W2", "W4"):
                added[base.impl] = getattr(base, w.key.lower())
        if added:
            items = list(w.factories.items())
            w.factories = dict(items[:1] + list(added.items()) + items[1:])
    return workloads


# Factories used by the memory subprocess (benchmarks.memory): (workload, impl) -> factory.
def memory_factories() -> dict[tuple[str, str], Callable[[Sizes], Case]]:
    return {
        (w.key, impl): factory
        for w in build_workloads()
        if w.key.startswith(("W3", "W4"))
        for impl, factory in w.factories.items()
    }
