"""Custom autograd functions (``autograd_lib.autograd.Function``), compared with PyTorch 2.13.

Each test is a scenario written once as a function of the module ``m`` (``torch`` or
``autograd_lib``): it defines its ``m.autograd.Function`` subclasses, runs them and returns what
it saw (values, gradients, flags, node names, errors). The test runs it with both modules on the
same NumPy data and compares the two results: tensors by dtype, shape, requires_grad and values
(float64 to 1e-12 relative, float32 to 1e-6: NumPy and torch may round exp or a sum differently
in the last bit), everything else exactly. Error messages are compared with ``error_of``: the
exception's type name and its text, with ``autograd_lib.`` written as ``torch.``.

``AUTOGRAD_LIB_UNDER_TEST=torch`` runs every scenario with torch on both sides: a dry run of the
scenarios themselves (see ``_oracle``).
"""

import contextlib
import io
import math
import re
import warnings

import numpy as np
import torch
from _oracle import ag

# ----------------------------------------------------------------------------------------------
# Comparing two results
# ----------------------------------------------------------------------------------------------

RTOL = {"float64": 1e-12, "float32": 1e-6}


def is_tensor(value):
    return isinstance(value, (torch.Tensor, ag.Tensor))


def dtype_name(dtype):
    return str(dtype).rsplit(".", 1)[-1]


def to_numpy(t):
    return np.asarray(t.detach().numpy())


def assert_same(ours, theirs, what="result"):
    """``ours`` (autograd_lib) equals ``theirs`` (torch): tensors in dtype, shape, requires_grad
    and values; tuples, lists and dicts item by item; anything else with ``==``."""
    if is_tensor(theirs):
        assert is_tensor(ours), f"{what}: {ours!r}, torch's is a tensor {theirs!r}"
        assert dtype_name(ours.dtype) == dtype_name(theirs.dtype), (
            f"{what}: dtype {ours.dtype}, torch's {theirs.dtype}"
        )
        assert tuple(ours.shape) == tuple(theirs.shape), (
            f"{what}: shape {tuple(ours.shape)}, torch's {tuple(theirs.shape)}"
        )
        assert ours.requires_grad == theirs.requires_grad, (
            f"{what}: requires_grad {ours.requires_grad}, torch's {theirs.requires_grad}"
        )
        expected = to_numpy(theirs)
        if expected.dtype.kind == "f":
            rtol = RTOL[dtype_name(theirs.dtype)]
            np.testing.assert_allclose(to_numpy(ours), expected, rtol=rtol, atol=0, err_msg=what)
        else:
            np.testing.assert_array_equal(to_numpy(ours), expected, err_msg=what, strict=True)
    elif isinstance(theirs, (tuple, list)):
        assert isinstance(ours, type(theirs)) and len(ours) == len(theirs), (
            f"{what}: {ours!r}, torch's {theirs!r}"
        )
        for i, (a, b) in enumerate(zip(ours, theirs)):
            assert_same(a, b, f"{what}[{i}]")
    elif isinstance(theirs, dict):
        assert isinstance(ours, dict) and list(ours) == list(theirs), f"{what}: keys {list(ours)}"
        for key in theirs:
            assert_same(ours[key], theirs[key], f"{what}[{key!r}]")
    else:
        assert ours == theirs, f"{what}: {ours!r}, torch's {theirs!r}"


def same_results(scenario):
    """Run ``scenario(m)`` with both modules and compare what they return."""
    theirs = scenario(torch)
    ours = scenario(ag)
    assert_same(ours, theirs)
    return ours, theirs


def error_of(action):
    """The (type name, message) that ``action()`` raises (None if it raises nothing)."""
    try:
        action()
    except Exception as exc:  # noqa: BLE001 - which exception is what is compared
        return type(exc).__name__, str(exc).replace("autograd_lib.", "torch.")
    return None


def same_error(make_action):
    """``make_action(m)`` raises the same exception, with the same text, in both modules."""
    theirs = error_of(lambda: make_action(torch))
    ours = error_of(lambda: make_action(ag))
    assert theirs is not None, "torch raised nothing: the scenario is wrong"
    assert ours == theirs
    return ours


def edges(node):
    """``node.next_functions`` with each node replaced by its name (None stays None). torch
    calls a leaf's node "torch::autograd::AccumulateGrad", autograd_lib "AccumulateGrad" (not
    what this file is about): the C++ namespace is dropped."""
    return tuple(
        (None if fn is None else fn.name().replace("torch::autograd::", ""), nr)
        for fn, nr in node.next_functions
    )


def t64(m, values, requires_grad=False):
    return m.tensor(np.asarray(values, dtype=np.float64), requires_grad=requires_grad)


X = [0.5, -1.0, 2.0]


def test_public_names():
    """autograd.Function is autograd.function.Function; the ctx that forward receives is a
    FunctionCtx; once_differentiable keeps the name of the backward it wraps."""

    def scenario(m):
        seen = []

        class Probe(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                seen.append(isinstance(ctx, m.autograd.function.FunctionCtx))
                return x * 2

            @staticmethod
            @m.autograd.function.once_differentiable
            def backward(ctx, g):
                return g * 2

        Probe.apply(t64(m, X, requires_grad=True))
        return {
            "same class": m.autograd.Function is m.autograd.function.Function,
            "ctx is a FunctionCtx": seen,
            "wrapped name": Probe.backward.__name__,
        }

    ours, _ = same_results(scenario)
    assert ours == {"same class": True, "ctx is a FunctionCtx": [True], "wrapped name": "backward"}


# ----------------------------------------------------------------------------------------------
# 1. The tutorial
# ----------------------------------------------------------------------------------------------

# "Learning PyTorch with Examples", section "PyTorch: Defining new autograd functions",
# https://pytorch.org/tutorials/beginner/pytorch_with_examples.html (examples_autograd/
# polynomial_custom_function.py). Unchanged except that x and y come in as NumPy arrays (the
# same for both libraries) instead of torch.linspace and torch.sin, and the docstrings are left
# out.


def legendre_tutorial(torch, x_np, y_np):
    class LegendrePolynomial3(torch.autograd.Function):
        # (the tutorial's docstrings of the class and its two methods left out)

        @staticmethod
        def forward(ctx, input):
            ctx.save_for_backward(input)
            return 0.5 * (5 * input ** 3 - 3 * input)

        @staticmethod
        def backward(ctx, grad_output):
            input, = ctx.saved_tensors
            return grad_output * 1.5 * (5 * input ** 2 - 1)

    dtype = torch.float
    device = torch.device("cpu")
    # torch.device("cuda:0")  # Uncomment this to run on GPU

    # Create Tensors to hold input and outputs.
    # By default, requires_grad=False, which indicates that we do not need to
    # compute gradients with respect to these Tensors during the backward pass.
    x = torch.tensor(x_np, device=device, dtype=dtype)
    y = torch.tensor(y_np, device=device, dtype=dtype)

    # Create random Tensors for weights. For this example, we need
    # 4 weights: y = a + b * P3(c + d * x), these weights need to be initialized
    # not too far from the correct result to ensure convergence.
    # Setting requires_grad=True indicates that we want to compute gradients with
    # respect to these Tensors during the backward pass.
    a = torch.full((), 0.0, device=device, dtype=dtype, requires_grad=True)
    b = torch.full((), -1.0, device=device, dtype=dtype, requires_grad=True)
    c = torch.full((), 0.0, device=device, dtype=dtype, requires_grad=True)
    d = torch.full((), 0.3, device=device, dtype=dtype, requires_grad=True)

    learning_rate = 5e-6
    for t in range(2000):
        # To apply our Function, we use Function.apply method. We alias this as 'P3'.
        P3 = LegendrePolynomial3.apply

        # Forward pass: compute predicted y using operations; we compute
        # P3 using our custom autograd operation.
        y_pred = a + b * P3(c + d * x)

        # Compute and print loss
        loss = (y_pred - y).pow(2).sum()
        if t % 100 == 99:
            print(t, loss.item())

        # Use autograd to compute the backward pass.
        loss.backward()

        # Update weights using gradient descent
        with torch.no_grad():
            a -= learning_rate * a.grad
            b -= learning_rate * b.grad
            c -= learning_rate * c.grad
            d -= learning_rate * d.grad

            # Manually zero the gradients after updating weights
            a.grad = None
            b.grad = None
            c.grad = None
            d.grad = None

    print(f'Result: y = {a.item()} + {b.item()} * P3({c.item()} + {d.item()} x)')


def printed_by_tutorial(m):
    x_np = np.linspace(-math.pi, math.pi, 2000, dtype=np.float32)
    y_np = np.sin(x_np)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        legendre_tutorial(m, x_np, y_np)
    return out.getvalue().splitlines()


NUMBER = r"(-?\d+(?:\.\d+)?(?:e[-+]?\d+)?)"
RESULT = re.compile(
    rf"Result: y = {NUMBER} \+ {NUMBER} \* P3\({NUMBER} \+ {NUMBER} x\)"
)


def test_legendre_tutorial_prints_what_pytorch_prints():
    """The tutorial's training loop (2000 iterations, float32) prints the same 20 lines of
    ``t loss`` and the same final ``Result: y = a + b * P3(c + d x)``.

    Not digit for digit: loss is a float32 sum of 2000 terms, which NumPy and torch add in
    different orders, so the printed losses differ in the last float32 bits (e.g. 71.03520202636719
    against 71.03518676757812, 2 ulp); the iteration numbers and the line format must be equal,
    the losses within rtol 1e-5 (a few float32 ulps). b and d converge to the same values within
    rtol 1e-5; a and c converge to 0 (sin is odd and x symmetric), where only the rounding noise
    is left (torch prints about 1e-10, which differs from run to run of the order of the sum), so
    they are compared with atol 1e-7.

    The tutorial's 2000 iterations are kept: measured, each library takes 0.5 to 2 s."""
    theirs = printed_by_tutorial(torch)
    ours = printed_by_tutorial(ag)
    assert len(ours) == len(theirs) == 21, ours
    for mine, torchs in zip(ours[:-1], theirs[:-1]):
        t_mine, loss_mine = mine.split(" ")
        t_torch, loss_torch = torchs.split(" ")
        assert t_mine == t_torch
        assert math.isclose(float(loss_mine), float(loss_torch), rel_tol=1e-5), (mine, torchs)
    mine, torchs = RESULT.fullmatch(ours[-1]), RESULT.fullmatch(theirs[-1])
    assert torchs is not None and mine is not None, ours[-1]
    a, b, c, d = map(float, mine.groups())
    ta, tb, tc, td = map(float, torchs.groups())
    assert math.isclose(b, tb, rel_tol=1e-5) and math.isclose(d, td, rel_tol=1e-5), ours[-1]
    assert abs(a - ta) < 1e-7 and abs(c - tc) < 1e-7, (ours[-1], theirs[-1])
    # The tutorial's result: y = -2.2085 * P3(0.2555 x), near sin on [-pi, pi].
    assert math.isclose(tb, -2.2085, rel_tol=1e-4) and math.isclose(td, 0.25549, rel_tol=1e-4)


# ----------------------------------------------------------------------------------------------
# Shared example functions
# ----------------------------------------------------------------------------------------------


def my_exp(m):
    """exp, saving its output (the pattern of torch's docs, "Extending torch.autograd")."""

    class MyExp(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            y = x.exp()
            ctx.save_for_backward(y)
            return y

        @staticmethod
        def backward(ctx, grad):
            (y,) = ctx.saved_tensors
            return grad * y

    return MyExp


def cube(m):
    """x ** 3 with a backward written in differentiable ops (so it has higher derivatives)."""

    class Cube(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return 3 * x**2 * grad

    return Cube


# ----------------------------------------------------------------------------------------------
# 2. One Function used several times in a graph
# ----------------------------------------------------------------------------------------------


def test_function_used_twice_in_one_graph():
    """y = F(F(x)) and z = F(x) + F(x): each apply is its own node; gradients chain and add."""

    def scenario(m):
        MyExp = my_exp(m)
        x = t64(m, X, requires_grad=True)
        y = MyExp.apply(MyExp.apply(x))
        y.sum().backward()
        nested = x.grad.clone()
        x.grad = None
        f1, f2 = MyExp.apply(x), MyExp.apply(x)
        z = f1 + f2
        (z * t64(m, [1.0, 2.0, 3.0])).sum().backward()
        return {
            "y": y,
            "grad of sum(F(F(x)))": nested,
            "z": z,
            "grad of z": x.grad,
            "two nodes": f1.grad_fn is not f2.grad_fn,
            "edges of z": edges(z.grad_fn),
            "edges of F(F(x))": edges(y.grad_fn),
        }

    same_results(scenario)


# ----------------------------------------------------------------------------------------------
# 3. Several outputs
# ----------------------------------------------------------------------------------------------


def two_outputs(m, materialize):
    """(x * w, x * x); records the gradients its backward receives."""
    received = []

    class TwoOutputs(m.autograd.Function):
        @staticmethod
        def forward(ctx, x, w):
            if not materialize:
                ctx.set_materialize_grads(False)
            ctx.save_for_backward(x, w)
            return x * w, x * x

        @staticmethod
        def backward(ctx, g1, g2):
            received.append((g1, g2))
            x, w = ctx.saved_tensors
            grad = 0
            if g1 is not None:
                grad = grad + g1 * w
            if g2 is not None:
                grad = grad + 2 * x * g2
            return grad, None

    return TwoOutputs, received


def test_two_outputs_only_one_used_gets_zeros_for_the_other():
    """forward returns a tuple of two tensors; both have the same grad_fn node; a loss of the
    second output only sends zeros to backward for the first (materialize_grads is on)."""

    def scenario(m):
        TwoOutputs, received = two_outputs(m, materialize=True)
        x = t64(m, [1.0, 2.0], requires_grad=True)
        w = t64(m, [3.0, 4.0])
        p, q = TwoOutputs.apply(x, w)
        (q * t64(m, [1.0, 10.0])).sum().backward()
        return {
            "outputs": (p, q),
            "same node": p.grad_fn is q.grad_fn,
            "name": p.grad_fn.name(),
            "edges": edges(p.grad_fn),
            "received": received,
            "grad": x.grad,
        }

    same_results(scenario)


def test_two_outputs_set_materialize_grads_false_gives_none():
    """With ``ctx.set_materialize_grads(False)`` the unused output's gradient arrives as None."""

    def scenario(m):
        TwoOutputs, received = two_outputs(m, materialize=False)
        x = t64(m, [1.0, 2.0], requires_grad=True)
        p, q = TwoOutputs.apply(x, t64(m, [3.0, 4.0]))
        q.sum().backward()
        first = x.grad.clone()
        x.grad = None
        p, q = TwoOutputs.apply(x, t64(m, [3.0, 4.0]))
        (p + q).sum().backward()
        return {"received": received, "grad of q": first, "grad of p + q": x.grad}

    same_results(scenario)


def test_two_outputs_edges_name_which_output():
    """A node downstream of the second output points at (TwoOutputsBackward, 1): torch's
    next_functions say which output of the custom node an input was."""

    def scenario(m):
        TwoOutputs, _ = two_outputs(m, materialize=True)
        x = t64(m, [1.0, 2.0], requires_grad=True)
        p, q = TwoOutputs.apply(x, t64(m, [3.0, 4.0]))
        s = p + q
        (fp, ip), (fq, iq) = s.grad_fn.next_functions
        return {"edges": edges(s.grad_fn), "one node": fp is fq is p.grad_fn, "nrs": (ip, iq)}

    same_results(scenario)


# ----------------------------------------------------------------------------------------------
# 4. Non-tensor arguments, needs_input_grad
# ----------------------------------------------------------------------------------------------


def test_non_tensor_arguments_and_needs_input_grad():
    """apply(x, y, 2.5, "s", None): the plain values reach forward unchanged, only tensors get
    edges, ``ctx.needs_input_grad`` is (True, False, False, False, False) in forward and in
    backward, backward returns None for the plain values, and a gradient returned for ``y``
    (a tensor that needs none) is dropped."""

    def scenario(m):
        seen = {}

        class Mixed(m.autograd.Function):
            @staticmethod
            def forward(ctx, a, b, k, s, n):
                seen["forward args"] = (k, s, n)
                seen["needs_input_grad in forward"] = ctx.needs_input_grad
                ctx.k = k
                ctx.save_for_backward(a, b)
                return a * b * k

            @staticmethod
            def backward(ctx, g):
                seen["needs_input_grad in backward"] = ctx.needs_input_grad
                a, b = ctx.saved_tensors
                return g * b * ctx.k, g * a * ctx.k, None, None, None

        x = t64(m, [1.0, 2.0], requires_grad=True)
        y = t64(m, [3.0, -4.0])
        out = Mixed.apply(x, y, 2.5, "s", None)
        out.sum().backward()
        return {**seen, "out": out, "edges": edges(out.grad_fn), "x.grad": x.grad, "y": y.grad}

    same_results(scenario)


def test_integer_argument_and_int_output_dtype():
    """An int scale passed to apply keeps the float64 output (and the int passes through as
    an int, not a tensor)."""

    def scenario(m):
        class Scale(m.autograd.Function):
            @staticmethod
            def forward(ctx, x, k):
                ctx.k = k
                return x * k

            @staticmethod
            def backward(ctx, g):
                return g * ctx.k, None

        x = t64(m, X, requires_grad=True)
        out = Scale.apply(x, 3)
        out.backward(t64(m, [1.0, 2.0, 3.0]))
        return {"out": out, "grad": x.grad}

    same_results(scenario)


# ----------------------------------------------------------------------------------------------
# 5. mark_dirty
# ----------------------------------------------------------------------------------------------


def doubling_in_place(m):
    class DoubleInPlace(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            x.mul_(2)
            ctx.mark_dirty(x)
            return x

        @staticmethod
        def backward(ctx, grad):
            return 2 * grad

    return DoubleInPlace


def test_mark_dirty_returns_the_modified_input():
    """An in-place forward on a non-leaf: the output *is* the input tensor, now with the
    custom node as grad_fn; torch counts two versions (the mul_ and mark_dirty); the gradient
    flows through the custom backward to the leaf."""

    def scenario(m):
        DoubleInPlace = doubling_in_place(m)
        leaf = t64(m, [1.0, 2.0], requires_grad=True)
        a = leaf * 1
        before = a._version
        b = DoubleInPlace.apply(a)
        (b * t64(m, [1.0, 3.0])).sum().backward()
        plain = t64(m, [1.0, 2.0])
        DoubleInPlace.apply(plain)
        return {
            "is the input": b is a,
            "versions": (before, a._version),
            "grad_fn": b.grad_fn.name(),
            "edges": edges(b.grad_fn),
            "b": b,
            "leaf.grad": leaf.grad,
            "plain tensor": plain,
            "plain version": plain._version,
        }

    same_results(scenario)


def test_mark_dirty_on_a_leaf_that_requires_grad_raises():
    """Modifying a leaf that requires grad in place through a Function is torch's error."""

    def action(m):
        leaf = t64(m, [1.0, 2.0], requires_grad=True)
        doubling_in_place(m).apply(leaf)

    assert same_error(action) == (
        "RuntimeError",
        "a leaf Variable that requires grad has been used in an in-place operation.",
    )


def test_mark_dirty_invalidates_earlier_saved_tensor():
    """a is saved by a * a, then modified in place by the Function: backward of a * a sees
    version 2 instead of 0, and names the custom op as a's producer ("output 0 of
    DoubleInPlace"). The part before "Hint:" is compared (see test_saved_tensor_modified)."""

    def action(m):
        leaf = t64(m, [1.0, 2.0], requires_grad=True)
        a = leaf * 1
        s = a * a
        doubling_in_place(m).apply(a)
        s.sum().backward()

    assert_same_before_hint(action)


def assert_same_before_hint(action):
    theirs = error_of(lambda: action(torch))
    ours = error_of(lambda: action(ag))
    assert theirs is not None and ours is not None, (ours, theirs)
    cut = theirs[1].index("Hint:")
    assert ours[0] == theirs[0]
    assert ours[1][:cut] == theirs[1][:cut], (ours[1], theirs[1])


# ----------------------------------------------------------------------------------------------
# 6. mark_non_differentiable
# ----------------------------------------------------------------------------------------------


def test_mark_non_differentiable_index_output():
    """A max-like function returning (values, indices), the indices marked non-differentiable
    (the pattern of torch's docs for mark_non_differentiable, with max instead of sort):
    indices don't require grad; backward still receives a (zero, int64) gradient for them."""

    def scenario(m):
        received = []

        class MaxRow(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                values, indices = x.max(dim=1)
                ctx.mark_non_differentiable(indices)
                ctx.save_for_backward(x, values)
                return values, indices

            @staticmethod
            def backward(ctx, g, g_indices):
                received.append((g, g_indices))
                x, values = ctx.saved_tensors
                return m.where(x == values.unsqueeze(-1), g.unsqueeze(-1), 0.0)

        x = t64(m, [[1.0, 5.0, 2.0], [7.0, 0.0, 3.0]], requires_grad=True)
        values, indices = MaxRow.apply(x)
        (values * t64(m, [1.0, 10.0])).sum().backward()
        return {
            "values": values,
            "indices": indices,
            "indices grad_fn": indices.grad_fn,
            "received": received,
            "grad": x.grad,
        }

    same_results(scenario)


def test_mark_non_differentiable_float_output():
    """A float output marked non-differentiable: requires_grad False, no grad_fn, a leaf; a
    loss using it still runs, and its gradient reaches backward as zeros."""

    def scenario(m):
        received = []

        class WithClamped(m.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                clamped = x.clamp(min=2.0)
                ctx.mark_non_differentiable(clamped)
                return x * 2, clamped

            @staticmethod
            def backward(ctx, g, g_clamped):
                received.append((g, g_clamped))
                return 2 * g

        x = t64(m, [1.2, 2.7], requires_grad=True)
        doubled, clamped = WithClamped.apply(x)
        flags = (clamped.requires_grad, clamped.grad_fn is None, clamped.is_leaf)
        (doubled.sum() + clamped.sum()).backward()
        return {"outputs": (doubled, clamped), "flags": flags, "received": received, "g": x.grad}

    same_results(scenario)


# ----------------------------------------------------------------------------------------------
# 7. Higher derivatives, gradcheck
# ----------------------------------------------------------------------------------------------


def test_double_and_triple_backward_through_a_custom_function():
    """Cube's backward is made of differentiable ops: grad(create_graph=True) records it, so
    grad of grad gives 6x, and once more 6."""

    def scenario(m):
        Cube = cube(m)
        x = t64(m, X, requires_grad=True)
        y = Cube.apply(x)
        (g,) = m.autograd.grad(y.sum(), x, create_graph=True)
        (gg,) = m.autograd.grad(g.sum(), x, create_graph=True)
        (ggg,) = m.autograd.grad(gg.sum(), x)
        return {"g": g, "gg": gg, "ggg": ggg}

    same_results(scenario)


def test_double_backward_with_backward_and_saved_output():
    """MyExp saves its output: second derivative through backward(create_graph=True) on a
    loss that mixes the custom function with built-in ops."""

    def scenario(m):
        MyExp = my_exp(m)
        x = t64(m, X, requires_grad=True)
        loss = (MyExp.apply(x) * x).sum()
        (g,) = m.autograd.grad(loss, x, create_graph=True)
        (g * t64(m, [1.0, -2.0, 0.5])).sum().backward()
        return {"g": g, "hvp": x.grad}

    same_results(scenario)


def test_gradcheck_and_gradgradcheck_pass_on_a_custom_function():
    """Both libraries' gradcheck and gradgradcheck accept Cube and MyExp on float64 inputs."""

    def scenario(m):
        x = t64(m, X, requires_grad=True)
        return [
            m.autograd.gradcheck(cube(m).apply, (x,)),
            m.autograd.gradgradcheck(cube(m).apply, (x,)),
            m.autograd.gradcheck(my_exp(m).apply, (x,)),
            m.autograd.gradgradcheck(my_exp(m).apply, (x,)),
        ]

    ours, _ = same_results(scenario)
    assert ours == [True] * 4


def wrong_cube(m):
    class WrongCube(cube(m)):
        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return 2 * x**2 * grad  # should be 3 * x**2

    return WrongCube


def test_gradcheck_fails_on_a_wrong_backward():
    """gradcheck catches a wrong backward: False with raise_exception=False, else a
    GradcheckError whose message starts with torch's (the Jacobian mismatch and both Jacobians;
    autograd_lib adds a sentence on the largest difference after them)."""

    def scenario(m):
        return m.autograd.gradcheck(wrong_cube(m).apply, (t64(m, X, requires_grad=True),),
                                    raise_exception=False)

    ours, _ = same_results(scenario)
    assert ours is False

    def action(m):
        m.autograd.gradcheck(wrong_cube(m).apply, (t64(m, X, requires_grad=True),))

    theirs = error_of(lambda: action(torch))
    mine = error_of(lambda: action(ag))
    assert theirs[0] == "GradcheckError" and mine is not None and mine[0] == theirs[0]
    assert theirs[1].startswith("Jacobian mismatch for output 0 with respect to input 0,\n")
    assert mine[1].startswith(theirs[1]), (mine[1], theirs[1])


# ----------------------------------------------------------------------------------------------
# 8. once_differentiable
# ----------------------------------------------------------------------------------------------


def once_cube(m):
    seen = []

    class OnceCube(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        @m.autograd.function.once_differentiable
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            seen.append(grad.requires_grad)
            return 3 * x**2 * grad

    return OnceCube, seen


def test_once_differentiable_first_order():
    """A backward decorated with once_differentiable gives the first derivative; it runs
    without recording a graph (the result has no grad_fn even with create_graph=True when
    the incoming gradient needs none)."""

    def scenario(m):
        OnceCube, seen = once_cube(m)
        x = t64(m, X, requires_grad=True)
        OnceCube.apply(x).sum().backward()
        (g,) = m.autograd.grad(OnceCube.apply(x).sum(), x, create_graph=True)
        return {"x.grad": x.grad, "g": g, "g.grad_fn": g.grad_fn, "grad requires_grad": seen}

    same_results(scenario)


def test_once_differentiable_double_backward_raises():
    """Differentiating twice through it is torch's error (the incoming gradient 2 * y needs
    grad, so the first derivative gets an error node that raises on backward)."""

    def action(m):
        OnceCube, _ = once_cube(m)
        x = t64(m, X, requires_grad=True)
        y = OnceCube.apply(x)
        (g,) = m.autograd.grad((y * y).sum(), x, create_graph=True)
        assert g.requires_grad
        g.sum().backward()

    assert same_error(action) == (
        "RuntimeError",
        "trying to differentiate twice a function that was marked with @once_differentiable",
    )


# ----------------------------------------------------------------------------------------------
# 9. How the node shows
# ----------------------------------------------------------------------------------------------


def test_grad_fn_name_and_repr():
    """The node of MyExp is called MyExpBackward: name(), repr of the node (its address
    aside) and the grad_fn=<...> in the tensor's repr."""

    def scenario(m):
        x = t64(m, X, requires_grad=True)
        y = my_exp(m).apply(x)
        text = re.sub(r"0x[0-9a-f]+", "0x…", repr(y.grad_fn)).replace("autograd_lib.", "torch.")
        # "dtype=autograd_lib.float64" is longer than torch's, so the line wraps elsewhere
        tensor = re.sub(r"\s+", " ", repr(y).replace("autograd_lib.", "torch."))
        return {"name": y.grad_fn.name(), "repr": text, "tensor": tensor}

    ours, _ = same_results(scenario)
    assert ours["repr"] == "<torch.autograd.function.MyExpBackward object at 0x…>"
    assert ours["tensor"].endswith(", grad_fn=<MyExpBackward>)")


# ----------------------------------------------------------------------------------------------
# 10. Errors
# ----------------------------------------------------------------------------------------------


def returning(m, grads):
    """Mul of two inputs whose backward returns ``grads(g)``."""

    class Bad(m.autograd.Function):
        @staticmethod
        def forward(ctx, x, y):
            return x * y

        @staticmethod
        def backward(ctx, g):
            return grads(g, m)

    return Bad


def run_bad(m, grads, second=None):
    x = t64(m, X, requires_grad=True)
    y = t64(m, X, requires_grad=True) if second is None else second
    returning(m, grads).apply(x, y).sum().backward()


def test_error_too_few_gradients():
    """backward returns one gradient for two inputs."""
    same_error(lambda m: run_bad(m, lambda g, m: (g,)))


def test_error_too_many_gradients():
    """backward returns three gradients for two inputs."""
    same_error(lambda m: run_bad(m, lambda g, m: (g, g, g)))


def test_error_gradient_of_a_scalar_shape():
    """A 0-d gradient for a [3] input."""
    same_error(lambda m: run_bad(m, lambda g, m: (g.sum(), g)))


def test_error_gradient_of_the_wrong_shape():
    """A [5] gradient for a [3] input (the second one)."""
    same_error(lambda m: run_bad(m, lambda g, m: (g, t64(m, [1.0] * 5))))


def test_error_tensor_gradient_for_a_non_tensor_input():
    """backward returns a tensor for the int argument."""
    same_error(lambda m: run_bad(m, lambda g, m: (g * 2, g), second=2))


def test_error_saved_tensor_modified_in_place():
    """A tensor saved by the Function, changed in place before backward: torch's
    version-counter error, for a non-leaf (its producer named: "output 0 of Add", the add_
    that changed it) and for a leaf. Compared up to "Hint:": torch's hint names its anomaly
    detection, autograd_lib's (graph._version_message) says how to avoid the in-place change;
    test_semantics compares the other version-counter errors the same way."""

    def non_leaf(m):
        x = t64(m, X, requires_grad=True)
        a = x * 1
        out = cube(m).apply(a)
        a.add_(1)
        out.sum().backward()

    def leaf(m):
        a = t64(m, X, requires_grad=True)
        out = cube(m).apply(a)
        with m.no_grad():
            a.add_(1)
        out.sum().backward()

    assert_same_before_hint(non_leaf)
    assert_same_before_hint(leaf)


def test_error_instantiating_the_function():
    """Calling an instance, the pre-1.3 style: torch warns on the instantiation and raises its
    legacy-function error on the call."""

    def action(m):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            instance = cube(m)()
        message = str(caught[0].message).replace("autograd_lib.", "torch.")
        assert (caught[0].category.__name__, message) == (
            "DeprecationWarning",
            f"{cube(m)!r} should not be instantiated. Methods on autograd functions are all "
            "static, so you should invoke them on the class itself. Instantiating an autograd "
            "function will raise an error in a future version of PyTorch.",
        )
        instance(t64(m, X, requires_grad=True))

    assert same_error(action) == (
        "RuntimeError",
        "Legacy autograd function with non-static forward method is deprecated. Please use "
        "new-style autograd function with static forward method. (Example: "
        "https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function)",
    )


def test_calling_forward_directly_is_a_plain_call():
    """forward is a plain static method: called directly with a FunctionCtx, it runs the
    built-in ops it is made of (the result's grad_fn is exp's, not MyExpBackward)."""

    def scenario(m):
        x = t64(m, X, requires_grad=True)
        y = my_exp(m).forward(m.autograd.function.FunctionCtx(), x)
        return {"y": y, "grad_fn": y.grad_fn.name()}

    ours, _ = same_results(scenario)
    assert ours["grad_fn"] == "ExpBackward0"


def test_forward_returning_non_tensors():
    """torch 2.13 raises nothing when forward returns a non-tensor: apply hands it back as is
    (3, None, or the 3 next to a tensor, which gets the custom grad_fn)."""

    def scenario(m):
        results = []
        for value in (3, None, "text"):
            results.append(returning_value(m, lambda x, v=value: v))
        pair = returning_value(m, lambda x: (x * 2, 3))
        return {"plain": results, "pair": pair, "pair grad_fn": pair[0].grad_fn.name()}

    same_results(scenario)


def returning_value(m, make):
    class Returning(m.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return make(x)

        @staticmethod
        def backward(ctx, g):
            return g

    return Returning.apply(t64(m, X, requires_grad=True))


def test_error_backward_twice_frees_saved_tensors():
    """A second backward without retain_graph: ctx.saved_tensors is gone (torch's message);
    with retain_graph=True the second backward works and accumulates."""

    def twice(m):
        x = t64(m, X, requires_grad=True)
        out = cube(m).apply(x)
        out.sum().backward()
        out.sum().backward()

    same_error(twice)

    def retained(m):
        x = t64(m, X, requires_grad=True)
        out = cube(m).apply(x)
        out.sum().backward(retain_graph=True)
        out.sum().backward()
        return x.grad

    same_results(retained)


def test_error_saved_tensors_of_the_node_after_backward():
    """``y.grad_fn.saved_tensors`` (the ctx is the node) before backward: the saved output;
    after a backward that freed the graph: torch's error."""

    def scenario(m):
        y = my_exp(m).apply(t64(m, X, requires_grad=True))
        return list(y.grad_fn.saved_tensors)

    same_results(scenario)

    def action(m):
        y = my_exp(m).apply(t64(m, X, requires_grad=True))
        y.sum().backward()
        return y.grad_fn.saved_tensors

    same_error(action)


# ----------------------------------------------------------------------------------------------
# 11. forward without ctx, setup_context
# ----------------------------------------------------------------------------------------------


def test_setup_context_style():
    """The newer style (torch >= 2.0): forward(x, k) without ctx, and
    ``setup_context(ctx, inputs, output)`` saving what backward needs. Values, gradients,
    needs_input_grad, double backward and the node name are torch's."""

    def scenario(m):
        seen = {}

        class ScaledCube(m.autograd.Function):
            @staticmethod
            def forward(x, k):
                seen["forward args"] = (type(x).__name__, k)
                return k * x**3

            @staticmethod
            def setup_context(ctx, inputs, output):
                x, k = inputs
                seen["inputs"] = (inputs[1], len(inputs), output.requires_grad)
                ctx.k = k
                ctx.save_for_backward(x)

            @staticmethod
            def backward(ctx, grad):
                seen["needs_input_grad"] = ctx.needs_input_grad
                (x,) = ctx.saved_tensors
                return 3 * ctx.k * x**2 * grad, None

        x = t64(m, X, requires_grad=True)
        y = ScaledCube.apply(x, 2.0)
        (g,) = m.autograd.grad(y.sum(), x, create_graph=True)
        (gg,) = m.autograd.grad(g.sum(), x)
        return {**seen, "y": y, "g": g, "gg": gg, "name": y.grad_fn.name()}

    same_results(scenario)


# ----------------------------------------------------------------------------------------------
# 12. Outputs as ordinary tensors: hooks, retain_grad, no_grad
# ----------------------------------------------------------------------------------------------


def test_hooks_and_retain_grad_on_outputs():
    """The output of a Function is a non-leaf like any other: a hook sees (and may change)
    its gradient, retain_grad keeps the changed one, the gradient flows on to x."""

    def scenario(m):
        x = t64(m, X, requires_grad=True)
        y = my_exp(m).apply(x)
        seen = []
        y.register_hook(lambda g: seen.append(g.clone()) or g * 2)
        y.retain_grad()
        flags = (y.is_leaf, y.requires_grad)
        (y * 3).sum().backward()
        return {"flags": flags, "hook saw": seen, "y.grad": y.grad, "x.grad": x.grad}

    same_results(scenario)


def test_no_graph_without_grad():
    """No grad_fn when no input requires grad, or under no_grad."""

    def scenario(m):
        MyExp = my_exp(m)
        plain = MyExp.apply(t64(m, X))
        with m.no_grad():
            quiet = MyExp.apply(t64(m, X, requires_grad=True))
        return {"plain": plain, "plain node": plain.grad_fn, "quiet": quiet,
                "quiet node": quiet.grad_fn}

    same_results(scenario)
