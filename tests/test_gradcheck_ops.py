"""autograd_lib.autograd.gradcheck: the analytical gradient of every op (the list in
`_oracle.OPS`) agrees with finite differences in float64, and gradcheck itself catches a wrong
gradient and says so."""

import pytest
from _oracle import OPS, SETTINGS, ag, differentiable, dtype_name, make_inputs, outputs
from hypothesis import given, settings
from hypothesis import strategies as st

DIFFERENTIABLE_OPS = [case for case in OPS if differentiable(case) and not case.kink]


def float_outputs(result):
    """The differentiable outputs: (values, indices) loses its int64 indices."""
    outs = [out for out in outputs(result) if dtype_name(out.dtype).startswith("float")]
    return outs[0] if len(outs) == 1 else tuple(outs)


@pytest.mark.parametrize("case", DIFFERENTIABLE_OPS, ids=str)
@settings(SETTINGS, max_examples=max(1, SETTINGS.max_examples // 4))
@given(data=st.data())
def test_gradcheck(case, device, data):
    arrays = data.draw(case.arrays("float64"), label="inputs")
    tensors = make_inputs(ag, arrays, case.grad_flags(), device)
    wrt = [i for i, t in enumerate(tensors) if t.requires_grad]

    def fn(*diff_inputs):
        args = list(tensors)
        for i, t in zip(wrt, diff_inputs):
            args[i] = t
        return float_outputs(case.fn(ag, *args))

    if fn(*(tensors[i] for i in wrt)).numel() == 0:
        return  # nothing to differentiate (x[10:], an all-False mask): see the test below
    assert ag.autograd.gradcheck(fn, tuple(tensors[i] for i in wrt)) is True


@pytest.mark.parametrize("expr", ["x[10:]", "x[x > 5]", "x[:, 2:]"])
def test_gradcheck_of_an_empty_output(expr, device):
    """An empty output has an empty Jacobian: gradcheck passes, as torch's does."""
    x = ag.tensor([[0.5, -1.0], [2.0, 0.25]], dtype=ag.float64, device=device, requires_grad=True)
    assert ag.autograd.gradcheck(lambda t: eval(expr, {"x": t}), (x,)) is True


def doubled_gradient(x):
    """x * 3, but a hook doubles the gradient flowing back through it: analytical 6,
    numerical 3."""
    y = x * 3
    y.register_hook(lambda grad: grad * 2)
    return y


def test_gradcheck_catches_a_wrong_gradient(device):
    x = ag.tensor([[0.5, -1.0], [2.0, 0.25]], dtype=ag.float64, device=device, requires_grad=True)
    with pytest.raises(Exception, match="(?i)mismatch") as info:
        ag.autograd.gradcheck(doubled_gradient, (x,))
    report = str(info.value)
    assert "numerical" in report and "analytical" in report, report


def test_gradcheck_can_return_false_instead(device):
    x = ag.tensor([0.5, -1.0, 2.0], dtype=ag.float64, device=device, requires_grad=True)
    assert ag.autograd.gradcheck(doubled_gradient, (x,), raise_exception=False) is False
    assert ag.autograd.gradcheck(lambda t: t * 3, (x,), raise_exception=False) is True


@pytest.mark.parametrize("fn", [lambda t: t * 2, lambda t: t.relu() + 1, lambda t: (t * t).sum()],
                         ids=["linear", "piecewise linear", "quadratic"])
def test_gradgradcheck_passes_where_the_first_derivative_is_constant(fn, device):
    """As torch's: the first derivative is also checked against the output gradients ``v``,
    so a function whose first derivative does not depend on ``x`` passes (it used to raise)."""
    x = ag.tensor([0.5, -1.0, 2.0], dtype=ag.float64, device=device, requires_grad=True)
    assert ag.autograd.gradgradcheck(fn, (x,)) is True


def test_gradgradcheck_catches_a_wrong_second_derivative(device):
    """A Function whose backward is right but not differentiable in ``x`` (it uses
    ``x.detach()``): its first derivative passes gradcheck, its second fails gradgradcheck."""

    class Cube(ag.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 3 * x.detach() ** 2

    x = ag.tensor([0.5, -1.0, 2.0], dtype=ag.float64, device=device, requires_grad=True)
    assert ag.autograd.gradcheck(Cube.apply, (x,)) is True
    assert ag.autograd.gradgradcheck(Cube.apply, (x,), raise_exception=False) is False
