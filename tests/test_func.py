"""Derivatives of whole functions: ``autograd.functional`` and ``func`` (``torch.func``),
compared with PyTorch 2.13.

Each scenario is written once as a function of the module ``m`` (``torch`` or ``autograd_lib``)
and run with both on the same NumPy data; results are compared as in ``test_function.py``
(tensors by dtype, shape, requires_grad and values; errors by type and text).
"""

import importlib

import numpy as np
import pytest
from _oracle import ag
from test_function import same_error, same_results

import autograd_lib.autograd.functional  # noqa: F401  (autograd_lib imports it too)

RNG = np.random.default_rng(7)
X = RNG.standard_normal(3)
Y = RNG.standard_normal(3)
W = RNG.standard_normal((4, 3))
BATCH = RNG.standard_normal((5, 3))


def func_of(m):
    """``torch.func`` or ``autograd_lib.func``."""
    return importlib.import_module(m.__name__ + ".func")


def fnl(m):
    """``torch.autograd.functional`` or ``autograd_lib.autograd.functional``."""
    return m.autograd.functional


def cubic(x):
    return (x.sin() * x ** 2).sum()


def pair(x, y):
    return x * y, (x.exp() * y).sum()


# -- autograd.functional ------------------------------------------------------------------------
FUNCTIONAL = {
    "jacobian": lambda m: fnl(m).jacobian(lambda x: x.tanh() * 2, m.tensor(X)),
    "jacobian, tuples": lambda m: fnl(m).jacobian(pair, (m.tensor(X), m.tensor(Y))),
    "jacobian, unused input": lambda m: fnl(m).jacobian(lambda x, y: x * 2,
                                                        (m.tensor(X), m.tensor(Y))),
    "jacobian, create_graph": lambda m: fnl(m).jacobian(lambda x: x ** 3, m.tensor(X),
                                                        create_graph=True),
    "jacobian, vectorize": lambda m: fnl(m).jacobian(lambda x: x.tanh(), m.tensor(X),
                                                     vectorize=True),
    "hessian": lambda m: fnl(m).hessian(cubic, m.tensor(X)),
    "hessian, tuples": lambda m: fnl(m).hessian(lambda x, y: (x * y.sin()).sum(),
                                                (m.tensor(X), m.tensor(Y))),
    "vjp, scalar": lambda m: fnl(m).vjp(cubic, m.tensor(X)),
    "vjp": lambda m: fnl(m).vjp(lambda x: x.tanh(), m.tensor(X), m.tensor(Y)),
    "jvp": lambda m: fnl(m).jvp(lambda x: x.tanh(), m.tensor(X), m.tensor(Y)),
    "jvp, tuples": lambda m: fnl(m).jvp(pair, (m.tensor(X), m.tensor(Y)),
                                        (m.tensor(Y), m.tensor(X))),
    "vhp": lambda m: fnl(m).vhp(cubic, m.tensor(X), m.tensor(Y)),
    "hvp": lambda m: fnl(m).hvp(lambda x, y: (x * y.sin()).sum(), (m.tensor(X), m.tensor(Y)),
                                (m.tensor(Y), m.tensor(X))),
    "vjp, create_graph keeps the graph": lambda m: fnl(m).vjp(
        cubic, m.tensor(X, requires_grad=True), create_graph=True)[1].requires_grad,
    "inputs untouched": lambda m: (lambda x: (fnl(m).jacobian(lambda a: a * 2, x),
                                              x.requires_grad, x.grad))(m.tensor(X)),
}


@pytest.mark.parametrize("name", list(FUNCTIONAL))
def test_functional(name):
    same_results(FUNCTIONAL[name])


FUNCTIONAL_ERRORS = {
    "v needed": lambda m: fnl(m).vjp(lambda x: x * 2, m.tensor(X)),
    "strict, unused input": lambda m: fnl(m).jacobian(lambda x, y: x * 2,
                                                      (m.tensor(X), m.tensor(Y)), strict=True),
    "strict, output without grad": lambda m: fnl(m).vjp(lambda x: m.ones(()), m.tensor(X),
                                                        strict=True),
    "hessian of a vector": lambda m: fnl(m).hessian(lambda x: x * 2, m.tensor(X)),
    "hessian of a tuple": lambda m: fnl(m).hessian(lambda x: (x.sum(), x.sum()), m.tensor(X)),
    "v of the wrong size": lambda m: fnl(m).jvp(lambda x: x * 2, m.tensor(X), m.tensor(Y[:2])),
    "v of the wrong length": lambda m: fnl(m).vjp(pair, (m.tensor(X), m.tensor(Y)),
                                                  (m.tensor(X),)),
    "not a tensor": lambda m: fnl(m).jacobian(lambda x: x, [1.0]),
    "strategy": lambda m: fnl(m).jacobian(lambda x: x, m.tensor(X), strategy="sideways"),
    "forward-mode without vectorize": lambda m: fnl(m).jacobian(lambda x: x, m.tensor(X),
                                                                strategy="forward-mode"),
}


@pytest.mark.parametrize("name", list(FUNCTIONAL_ERRORS))
def test_functional_errors(name):
    same_error(FUNCTIONAL_ERRORS[name])


# -- func -----------------------------------------------------------------------------------------
def f_sum(m):
    return lambda x: (x.sin() * x).sum()


FUNC = {
    "grad": lambda m: func_of(m).grad(cubic)(m.tensor(X)),
    "grad of grad": lambda m: func_of(m).grad(lambda x: func_of(m).grad(cubic)(x).sum())(
        m.tensor(X)),
    "grad, argnums tuple": lambda m: func_of(m).grad(lambda x, y: (x * y.exp()).sum(),
                                                     argnums=(0, 1))(m.tensor(X), m.tensor(Y)),
    "grad, argnums 1": lambda m: func_of(m).grad(lambda x, y: (x * y.exp()).sum(),
                                                 argnums=1)(m.tensor(X), m.tensor(Y)),
    "grad, dict input": lambda m: func_of(m).grad(lambda p: (p["w"] @ p["x"]).sum())(
        {"w": m.tensor(W), "x": m.tensor(X)}),
    "grad, unused input": lambda m: func_of(m).grad(lambda x: m.ones(()))(m.tensor(X)),
    "grad, kwargs": lambda m: func_of(m).grad(lambda x, scale: (x * scale).sum())(
        m.tensor(X), scale=3.0),
    "grad_and_value": lambda m: func_of(m).grad_and_value(cubic)(m.tensor(X)),
    "grad, has_aux": lambda m: func_of(m).grad(lambda x: ((x ** 2).sum(), x * 3),
                                               has_aux=True)(m.tensor(X)),
    "grad of a tensor that requires grad": lambda m: func_of(m).grad(cubic)(
        m.tensor(X, requires_grad=True)),
    "vjp": lambda m: func_of(m).vjp(lambda x: x.tanh() * 2, m.tensor(X))[1](m.tensor(Y)),
    "vjp, called twice": lambda m: (lambda fn: (fn(m.tensor(Y)), fn(m.tensor(X))))(
        func_of(m).vjp(lambda x: x.tanh(), m.tensor(X))[1]),
    "vjp, two outputs": lambda m: func_of(m).vjp(pair, m.tensor(X), m.tensor(Y))[1](
        (m.tensor(Y), m.tensor(2.0, dtype=m.float64))),
    "jvp": lambda m: func_of(m).jvp(lambda x: x.tanh() * 2, (m.tensor(X),), (m.tensor(Y),)),
    "jvp of grad (forward over reverse)": lambda m: func_of(m).jvp(
        func_of(m).grad(cubic), (m.tensor(X),), (m.tensor(Y),)),
    "jacrev": lambda m: func_of(m).jacrev(lambda x: x.tanh() * 2)(m.tensor(X)),
    "jacrev, argnums tuple": lambda m: func_of(m).jacrev(lambda w, x: (w @ x).tanh(),
                                                         argnums=(0, 1))(m.tensor(W), m.tensor(X)),
    "jacrev, two outputs": lambda m: func_of(m).jacrev(pair)(m.tensor(X), m.tensor(Y)),
    "jacfwd": lambda m: func_of(m).jacfwd(lambda w, x: (w @ x).tanh(), argnums=1)(
        m.tensor(W), m.tensor(X)),
    "jacfwd, argnums tuple": lambda m: func_of(m).jacfwd(lambda w, x: (w @ x).tanh(),
                                                         argnums=(0, 1))(m.tensor(W), m.tensor(X)),
    "hessian": lambda m: func_of(m).hessian(cubic)(m.tensor(X)),
    "jacrev of jacrev": lambda m: func_of(m).jacrev(func_of(m).jacrev(cubic))(m.tensor(X)),
    "vmap": lambda m: func_of(m).vmap(lambda a, b: (a * b).sum())(m.tensor(W), m.tensor(W)),
    "vmap, in_dims None": lambda m: func_of(m).vmap(lambda a, b: a @ b, in_dims=(0, None))(
        m.tensor(W), m.tensor(X)),
    "vmap, in_dims and out_dims 1": lambda m: func_of(m).vmap(lambda a: a * 2, in_dims=1,
                                                              out_dims=1)(m.tensor(W)),
    "vmap, tuple output": lambda m: func_of(m).vmap(lambda a: (a.sum(), a * 2))(m.tensor(W)),
    "vmap, nested": lambda m: func_of(m).vmap(func_of(m).vmap(lambda a: a.exp()))(m.tensor(W)),
    "vmap of grad (per-sample gradients)": lambda m: func_of(m).vmap(
        func_of(m).grad(lambda w, x: (w @ x).tanh().sum()), in_dims=(None, 0))(
        m.tensor(W), m.tensor(BATCH)),
    "vmap of jacrev": lambda m: func_of(m).vmap(func_of(m).jacrev(lambda x: x.tanh()))(
        m.tensor(BATCH)),
    "vmap of vjp_fn (the Jacobian)": lambda m: func_of(m).vmap(
        func_of(m).vjp(lambda x: (m.tensor(W) @ x).tanh(), m.tensor(X))[1])(m.eye(4).double()),
    "grad through vmap": lambda m: func_of(m).grad(
        lambda x: func_of(m).vmap(lambda r: (r * x).sum())(m.tensor(BATCH)).sum())(m.tensor(X)),
}


def per_sample_grads(m):
    """Per-sample gradients of a model's loss: ``vmap(grad(loss))`` over the batch, the model
    called as a function of its parameters (PyTorch's "Per-sample-gradients" tutorial,
    https://pytorch.org/tutorials/intermediate/per_sample_grads.html)."""
    f = func_of(m)
    model = m.nn.Sequential(m.nn.Linear(3, 4), m.nn.Tanh(), m.nn.Linear(4, 1)).double()
    with m.no_grad():
        for p in model.parameters():
            p.copy_(m.tensor(np.linspace(-1, 1, p.numel()).reshape(tuple(p.shape))))
    params = {k: v.detach() for k, v in model.named_parameters()}

    def loss(p, x, y):
        out = f.functional_call(model, p, (x.unsqueeze(0),))
        return ((out.squeeze() - y) ** 2)

    grads = f.vmap(f.grad(loss), in_dims=(None, 0, 0))(params, m.tensor(BATCH),
                                                      m.tensor(X[:1].repeat(5)))
    return (grads, model[0].weight.requires_grad,
            f.functional_call(model, params, m.ones(2, 3, dtype=m.float64)))


FUNC["vmap of grad of functional_call (per-sample gradients)"] = per_sample_grads


@pytest.mark.parametrize("name", list(FUNC))
def test_func(name):
    same_results(FUNC[name])


FUNC_ERRORS = {
    "grad of a vector": lambda m: func_of(m).grad(lambda x: x * 2)(m.ones(2)),
    "grad of a number": lambda m: func_of(m).grad(lambda x: 2.0)(m.ones(2)),
    "argnum out of range": lambda m: func_of(m).grad(lambda x: x.sum(), argnums=1)(m.ones(2)),
    "aux not a tensor": lambda m: func_of(m).grad(lambda x: (x.sum(), 1), has_aux=True)(
        m.ones(2)),
    "has_aux without a pair": lambda m: func_of(m).grad(lambda x: x.sum(), has_aux=True)(
        m.ones(2)),
    "input not a tensor": lambda m: func_of(m).grad(lambda x: x.sum())(1.0),
    "cotangent of the wrong shape": lambda m: func_of(m).vjp(lambda x: x * 2, m.ones(2))[1](
        m.ones(3)),
    "tangent of the wrong shape": lambda m: func_of(m).jvp(lambda x: x * 2, (m.ones(2),),
                                                           (m.ones(3),)),
    "tangents not a tuple": lambda m: func_of(m).jvp(lambda x: x * 2, (m.ones(2),), m.ones(2)),
    "vmap sizes differ": lambda m: func_of(m).vmap(lambda x, y: x + y)(m.ones(2), m.ones(3)),
    "vmap returns a number": lambda m: func_of(m).vmap(lambda x: 1.0)(m.ones(2)),
    "vmap in_dims None": lambda m: func_of(m).vmap(lambda x: x, in_dims=None)(m.ones(2)),
    "vmap in_dim out of range": lambda m: func_of(m).vmap(lambda x: x, in_dims=3)(m.ones(2)),
    "vmap in_dims structure": lambda m: func_of(m).vmap(lambda x: x, in_dims=(0, 1))(m.ones(2)),
    "vmap nothing to map": lambda m: func_of(m).vmap(lambda x: x, in_dims=(None,))(m.ones(2)),
}


@pytest.mark.parametrize("name", list(FUNC_ERRORS))
def test_func_errors(name):
    same_error(FUNC_ERRORS[name])


def test_func_results_carry_no_graph_of_their_own():
    """A transform's result at the top level has no history (``requires_grad`` False), and the
    caller's tensor is left as it was."""
    x = ag.tensor(X)
    g = func_of(ag).grad(cubic)(x)
    assert not g.requires_grad and g.grad_fn is None
    assert not x.requires_grad and x.grad is None
