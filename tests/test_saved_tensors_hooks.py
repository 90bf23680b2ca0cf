"""Hooks on saved tensors (``autograd.graph.saved_tensors_hooks``, ``save_on_cpu``,
``disable_saved_tensors_hooks``), compared with PyTorch 2.13 as in ``test_function.py``.

The scenarios follow PyTorch's tutorial "Hooks for autograd saved tensors"
(https://pytorch.org/tutorials/intermediate/autograd_saved_tensors_hooks_tutorial.html).
"""

import numpy as np
import pytest
from _oracle import ag
from test_function import same_error, same_results

X = np.array([0.5, -1.0, 2.0])


def logging_hooks(log):
    """A pack/unpack pair that writes what it sees (values, as lists) to ``log``."""

    def pack(t):
        log.append(("pack", t.detach().numpy().tolist()))
        return t

    def unpack(t):
        log.append(("unpack", t.detach().numpy().tolist()))
        return t

    return pack, unpack


def with_hooks(m, pack, unpack, make):
    """``make(x)`` under the hooks, then backward: the gradient."""
    x = m.tensor(X, requires_grad=True)
    with m.autograd.graph.saved_tensors_hooks(pack, unpack):
        y = make(x)
    y.sum().backward()
    return x.grad


def scenario_log(make):
    def run(m):
        log = []
        grad = with_hooks(m, *logging_hooks(log), lambda x: make(m, x))
        return grad, log
    return run


SCENARIOS = {
    # what pow, exp (its result) and a chain of ops pack and unpack, in order
    "pow": scenario_log(lambda m, x: m.pow(x, 2)),
    "exp saves its result": scenario_log(lambda m, x: x.exp()),
    "a chain": scenario_log(lambda m, x: (x.exp() * 3).tanh()),
    "hooks that scale": lambda m: with_hooks(m, lambda t: t * 4, lambda t: t / 4,
                                             lambda x: m.pow(x, 2)),
    "hooks that keep an index": lambda m: (lambda store: with_hooks(
        m, lambda t: store.append(t) or len(store) - 1, lambda i: store[i],
        lambda x: x * x))([]),
    "hooks that return a tuple": lambda m: with_hooks(
        m, lambda t: (t - 1, lambda u: u + 1), lambda p: p[1](p[0]), lambda x: x * x),
    "hooks that return a string": lambda m: with_hooks(
        m, lambda t: repr(t.detach()), lambda s: eval("m." + s, {"m": m, m.__name__: m}),
        lambda x: x.sin()),
    "save_on_cpu": lambda m: with_hooks_cm(m, m.autograd.graph.save_on_cpu(),
                                           lambda x: (x * x).exp()),
    "the innermost pair applies": lambda m: nested(m),
    "double backward through hooks": lambda m: double(m),
    "a custom Function's saved tensors": lambda m: function_saved(m),
}


def with_hooks_cm(m, cm, make):
    x = m.tensor(X, requires_grad=True)
    with cm:
        y = make(x)
    y.sum().backward()
    return x.grad


def nested(m):
    outer, inner = [], []
    x = m.tensor(X, requires_grad=True)
    with m.autograd.graph.saved_tensors_hooks(*logging_hooks(outer)):
        with m.autograd.graph.saved_tensors_hooks(*logging_hooks(inner)):
            y = x.exp()
        z = y.sin()
    z.sum().backward()
    return x.grad, outer, inner


def double(m):
    x = m.tensor(X, requires_grad=True)
    with m.autograd.graph.saved_tensors_hooks(lambda t: t * 2, lambda t: t / 2):
        y = (x * x * x).sum()
    (g,) = m.autograd.grad(y, x, create_graph=True)
    return g, m.autograd.grad(g.sum(), x)


def function_saved(m):
    class Cube(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 3 * x ** 2

    log = []
    grad = with_hooks(m, *logging_hooks(log), Cube.apply)
    return grad, log


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_saved_tensors_hooks(name):
    same_results(SCENARIOS[name])


ERRORS = {
    "unpack_hook returns a number": lambda m: with_hooks(m, lambda t: t, lambda p: 5,
                                                         lambda x: x * x),
    "hooks disabled": lambda m: disabled(m),
}


def disabled(m):
    with m.autograd.graph.disable_saved_tensors_hooks("no hooks in this block"):
        with m.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t):
            pass


@pytest.mark.parametrize("name", list(ERRORS))
def test_saved_tensors_hooks_errors(name):
    same_error(ERRORS[name])


def test_hooks_end_with_their_block():
    """Outside the block, nothing is packed: saved tensors are kept as they are."""
    calls = []
    x = ag.tensor(X, requires_grad=True)
    with ag.autograd.graph.saved_tensors_hooks(lambda t: calls.append(1) or t, lambda t: t):
        x.exp()
    y = x.exp()
    assert len(calls) == 1
    assert ag.autograd.graph.saved_tensors_hooks is not None and type(y.grad_fn._saved) is tuple


def test_the_tutorial_prints_what_torch_prints(tmp_path):
    """tests/tutorial/saved_tensors_hooks.py (the tutorial's code, its CPU parts) run with
    torch and with autograd_lib in torch's place print the same lines."""
    from test_tutorials_func import SHIM, assert_same_lines, run

    (tmp_path / "sitecustomize.py").write_text(SHIM)
    assert_same_lines(run("saved_tensors_hooks.py", tmp_path), run("saved_tensors_hooks.py"))
