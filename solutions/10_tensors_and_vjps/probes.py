"""Probes of lesson 10 (tensors, vector-Jacobian products, autograd_lib): what the judge checks
in each exercise (docs/authoring.md).

Each function is named after an exercise's test cell. It runs in the grading kernel after the
student's cells; every probe's value is compared, in the grader, with the value the same probe
returns on the solution. Messages are shown to the student; the inputs here are not.

Exercises 1 and 2 use the notebook's given `Value` engine (lesson 9's, complete) through
`answer.Value`.
"""

import random

import autograd_lib as torch
from autograd_course import spies

# -- Exercise 1: one function, two engines ------------------------------------------------------


def _random_expressions(count=60, names=("p", "q", "r", "s")):
    """The hidden tests' random expressions and points: [(source, xs)]."""
    rng = random.Random(5772)

    def expr(depth):
        if depth == 0 or rng.random() < 0.1:
            return rng.choice(names)
        if rng.random() < 0.4:
            e = expr(depth - 1)
            return rng.choice([f"({e}).tanh()", f"({e}).relu()", f"(({e}).tanh() * 2).exp()",
                               f"({e}) ** 3", f"(({e}) ** 2 + 0.5) ** 0.5", f"-({e})"])
        left, right = expr(depth - 1), expr(depth - 1)
        if rng.random() < 0.3:
            c = f"({rng.uniform(-3, 3):.2f})"
            left, right = (c, right) if rng.random() < 0.5 else (left, c)
        op = rng.choice(["+", "-", "*", "/"])
        return f"({left}) / (({right}) ** 2 + 0.25)" if op == "/" else f"({left}) {op} ({right})"

    out = []
    for _ in range(count):
        source = expr(4)
        xs = [rng.randint(-1536, 1536) / 1024 for _ in names]
        out.append((eval(f"lambda {', '.join(names)}: {source}"), xs))
    return out


def _result_kind(result):
    """What the visible tests asserted about a (value, grads) pair."""
    if not (isinstance(result, tuple) and len(result) == 2):
        return {"pair": False}
    out, grads = result
    return {"pair": True, "float value": type(out) is float,
            "list of float gradients": isinstance(grads, list) and
            all(type(g) is float for g in grads)}


def ex1_tests(answer, probe):
    Value, value_grads, autograd_lib_grads = (
        answer.Value, answer.value_grads, answer.autograd_lib_grads)

    def f(a, b):
        return (a * b + a.tanh()) / (b ** 2 + 1)

    for name, fn in [("value_grads", value_grads), ("autograd_lib_grads", autograd_lib_grads)]:
        probe(f"{name} kind", lambda: _result_kind(fn(f, [0.5, -1.5])),
              f"{name} should return a tuple (value, grads): the value a float, the gradients a "
              "list of floats")
        probe(f"{name} value", lambda: fn(f, [0.5, -1.5])[0],
              f"{name}: the value of (a*b + tanh(a)) / (b**2 + 1) at (0.5, -1.5) is wrong",
              rtol=1e-12)
        probe(f"{name} grads", lambda: list(fn(f, [0.5, -1.5])[1]),
              f"{name}: the gradients of (a*b + tanh(a)) / (b**2 + 1) at (0.5, -1.5) are wrong",
              rtol=1e-12)

    def g(a, b):
        return a * 3.0  # b is not used

    probe("value_grads unused", lambda: list(value_grads(g, [2.0, 5.0])[1]),
          "value_grads of a * 3 (b unused) should give the gradients [3, 0]")
    probe("autograd_lib_grads unused", lambda: list(autograd_lib_grads(g, [2.0, 5.0])[1]),
          "autograd_lib_grads of a * 3 (b unused) should give [3, 0]: b.grad is None when no "
          "gradient reaches b; report 0.0 for it")
    probe("autograd_lib_grads float64", lambda: autograd_lib_grads(lambda a: a / 3,
                                                                   [1 + 2 ** -20])[0],
          "autograd_lib_grads of a / 3 at a = 1 + 2**-20 is not exact enough: use float64 "
          "tensors", rtol=1e-12, atol=1e-15)

    # the hidden tests: random expressions of 4 variables
    def engine():
        out = []
        for fn, xs in _random_expressions():
            inputs = [Value(x) for x in xs]
            y = fn(*inputs)
            y.backward()
            out.append([y.data, [v.grad for v in inputs]])
        return out

    probe("engine values", lambda: [r[0] for r in engine()],
          "your engine computes wrong values of random expressions (built from + - * / ** "
          "exp tanh relu, with numbers on either side)", rtol=1e-9, atol=1e-12)
    probe("engine grads", lambda: [r[1] for r in engine()],
          "your engine computes wrong gradients of random expressions (built from + - * / ** "
          "exp tanh relu, with numbers on either side)", rtol=1e-8, atol=1e-10)

    def through(fn):
        return [[r[0], list(r[1])] for r in (fn(f, xs) for f, xs in _random_expressions())]

    probe("random value_grads kinds", lambda: [_result_kind(value_grads(f, xs))
                                        for f, xs in _random_expressions()],
          "value_grads should return a tuple (value, grads) of floats for any function")
    probe("random value_grads values", lambda: [r[0] for r in through(value_grads)],
          "value_grads gives wrong values on random expressions", rtol=1e-9, atol=1e-12)
    probe("random value_grads grads", lambda: [r[1] for r in through(value_grads)],
          "value_grads gives wrong gradients on random expressions", rtol=1e-8, atol=1e-10)
    probe("random autograd_lib_grads kinds", lambda: [_result_kind(autograd_lib_grads(f, xs))
                                               for f, xs in _random_expressions()],
          "autograd_lib_grads should return a tuple (value, grads) of floats for any function")
    probe("random autograd_lib_grads values", lambda: through(autograd_lib_grads),
          "autograd_lib_grads gives wrong values or gradients on random expressions (float64 "
          "tensors that require grad, 0.0 for an input no gradient reaches)",
          rtol=1e-12, atol=1e-14)


# -- Exercise 2: the tutorial's regression with Value -------------------------------------------


def ex2_tests(answer, probe):
    fit_line = answer.fit_line

    def kind(result, epochs):
        if not (isinstance(result, tuple) and len(result) == 3):
            return {"(w, b, losses)": False}
        w, b, losses = result
        return {"(w, b, losses)": True, "float w and b": type(w) is float and type(b) is float,
                "a list of losses, one per epoch": isinstance(losses, list) and
                len(losses) == epochs,
                "float losses": isinstance(losses, list) and all(type(v) is float for v in losses)}

    def fit(xs, ys, lr, epochs):
        w, b, losses = fit_line(xs, ys, lr=lr, epochs=epochs)
        return {"w": w, "b": b, "losses": list(losses)}

    def engine(xs, ys, lr, epochs):
        with spies.calls(answer.Value, "backward") as value_backward, \
                spies.calls(torch.Tensor, "backward") as tensor_backward:
            fit_line(xs, ys, lr=lr, epochs=epochs)
        return [value_backward.count == epochs, tensor_backward.count == 0]

    xs, ys = [1.0, 2.0, 3.0], [2.0, 3.0, 4.0]
    probe("default kind", lambda: kind(fit_line(xs, ys), 100),
          "fit_line(xs, ys) should return a tuple (w, b, losses): w and b floats (w.data, not "
          "Values), losses a list of 100 floats (loss.data)")
    probe("first loss", lambda: fit_line(xs, ys)[2][0],
          "the loss of epoch 0, with w = b = 0, should be the mean of y**2 (computed before the "
          "first update)")
    probe("kind", lambda: kind(fit_line(xs, ys, lr=0.01, epochs=100), 100),
          "fit_line(xs, ys, lr=0.01, epochs=100) should return a tuple (w, b, losses) of floats, "
          "with one loss per epoch")
    probe("tutorial's fit", lambda: fit(xs, ys, 0.01, 100),
          "the losses or the final w and b of the tutorial's fit (xs = [1, 2, 3], "
          "ys = [2, 3, 4], lr = 0.01, 100 epochs) are wrong (if the losses drift away, reset "
          "w.grad and b.grad to 0 every epoch)", rtol=1e-8)

    rng = random.Random(1414)
    for k in range(3):
        n = rng.randint(2, 7)
        hxs = [rng.randint(-2048, 2048) / 1024 for _ in range(n)]
        hys = [round((-1.5 * x + 0.7 + rng.gauss(0, 0.1)) * 1024) / 1024 for x in hxs]
        lr, epochs = rng.choice([0.02, 0.05, 0.1]), rng.randint(5, 60)
        probe(f"random fit {k} kind",
              lambda: kind(fit_line(hxs, hys, lr=lr, epochs=epochs), epochs),
              "with other points, learning rates and numbers of epochs, fit_line should return "
              "(w, b, losses): floats, and one loss per epoch")
        probe(f"random fit {k} engine", lambda: engine(hxs, hys, lr, epochs),
              "fit_line should use the Value engine: one backward() of a Value per epoch, and no "
              "tensors")
        probe(f"random fit {k}", lambda: fit(hxs, hys, lr, epochs),
              "fit_line gives wrong losses or parameters for other points, learning rates and "
              "numbers of epochs (use lr and epochs, and the mean over all the points)",
              rtol=1e-8)


# -- Exercise 3: VJPs of matmul and softmax by hand ---------------------------------------------


def _no_autograd(fn):
    """fn() run with backward() and torch.autograd.grad counted: (result, calls)."""
    with spies.calls(torch.Tensor, "backward") as backward, \
            spies.calls(torch.autograd, "grad") as grad:
        result = fn()
    return result, backward.count + grad.count


def ex3_tests(answer, probe):
    matmul_vjp, softmax_vjp = answer.matmul_vjp, answer.softmax_vjp

    def matmul(n, k, m, seed):
        torch.manual_seed(seed)
        X = torch.randn(n, k, dtype=torch.float64)
        W = torch.randn(k, m, dtype=torch.float64)
        V = torch.randn(n, m, dtype=torch.float64)
        (X_bar, W_bar), calls = _no_autograd(lambda: matmul_vjp(X, W, V))
        return {"by hand": calls == 0, "X_bar": X_bar, "W_bar": W_bar}

    def softmax(n, seed, scale=1.0):
        torch.manual_seed(seed)
        z = torch.randn(n, dtype=torch.float64) * scale
        v = torch.randn(n, dtype=torch.float64)
        z_bar, calls = _no_autograd(lambda: softmax_vjp(z, v))
        return {"by hand": calls == 0, "z_bar": z_bar}

    probe("matmul visible", lambda: matmul(3, 4, 2, 0)["X_bar"].shape == (3, 4),
          "X_bar should have the shape of X")
    for n, k, m, seed in [(2, 5, 3, 11), (1, 1, 1, 12), (4, 1, 6, 13), (6, 3, 1, 14)]:
        probe(f"matmul {n}x{k}x{m} by hand", lambda: matmul(n, k, m, seed)["by hand"],
              "matmul_vjp must not call backward() or torch.autograd.grad: use the formulas")
        probe(f"matmul {n}x{k}x{m} X_bar", lambda: matmul(n, k, m, seed)["X_bar"],
              "matmul_vjp gives a wrong X_bar (shape or values) for other shapes", rtol=1e-9,
              atol=1e-12)
        probe(f"matmul {n}x{k}x{m} W_bar", lambda: matmul(n, k, m, seed)["W_bar"],
              "matmul_vjp gives a wrong W_bar (shape or values) for other shapes", rtol=1e-9,
              atol=1e-12)
    for n, seed, scale in [(5, 0, 1.0), (1, 21, 1.0), (3, 22, 5.0), (12, 23, 0.1), (7, 24, 3.0)]:
        probe(f"softmax {n} {seed} by hand", lambda: softmax(n, seed, scale)["by hand"],
              "softmax_vjp must not call backward() or torch.autograd.grad: use the formula")
        probe(f"softmax {n} {seed}", lambda: softmax(n, seed, scale)["z_bar"],
              "softmax_vjp gives wrong values (or shapes) for other vectors", rtol=1e-8,
              atol=1e-12)

    def constant_v():
        torch.manual_seed(31)
        z = torch.randn(6, dtype=torch.float64)
        return softmax_vjp(z, torch.full((6,), 2.5, dtype=torch.float64))

    probe("softmax constant v", constant_v,
          "softmax_vjp(z, v) must be 0 when all entries of v are equal (softmax sums to 1)",
          atol=1e-12)


# -- Exercise 4: Softplus as an autograd.Function, and gradcheck ---------------------------------


class _Scaled(torch.autograd.Function):
    """x * sin(x), with a backward scaled by a factor (1 is right)."""

    factor = 1.0

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x.sin()

    @classmethod
    def _grad(cls, x):
        return (x.sin() + x * x.cos()) * cls.factor


class _Right(_Scaled):
    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (x.sin() + x * x.cos())


class _Double(_Scaled):
    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return 2 * g * (x.sin() + x * x.cos())


class _OnlyFirstTerm(_Scaled):
    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * x.sin()


class _SigmoidOfMinus(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return (1 + x.exp()).log()

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * torch.sigmoid(-x)


def ex4_tests(answer, probe):
    Softplus, grad_ok = answer.Softplus, answer.grad_ok

    def softplus(seed, n, scale):
        torch.manual_seed(seed)
        x = (torch.randn(n, dtype=torch.float64) * scale).requires_grad_()
        y = Softplus.apply(x)
        graph = y.grad_fn is not None and len(y.grad_fn.saved_tensors) >= 1
        (y * torch.arange(1, n + 1, dtype=torch.float64)).sum().backward()
        return {"graph": graph, "y": y.detach(), "grad": x.grad}

    for seed, n, scale in [(1, 6, 1.0), (41, 1, 1.0), (42, 9, 4.0), (43, 4, 0.2)]:
        probe(f"softplus {seed} graph", lambda: softplus(seed, n, scale)["graph"],
              "Softplus.apply(x) should record a graph (forward returns a tensor) and keep what "
              "backward needs with ctx.save_for_backward")
        probe(f"softplus {seed} values", lambda: softplus(seed, n, scale)["y"],
              "Softplus.apply gives wrong values: log(1 + exp(x))", rtol=1e-9)
        probe(f"softplus {seed} grads", lambda: softplus(seed, n, scale)["grad"],
              "Softplus.backward gives wrong gradients: grad_output * sigmoid(x)", rtol=1e-9)

    def gradcheck_softplus(seed):
        torch.manual_seed(seed)
        x = torch.randn(7, dtype=torch.float64, requires_grad=True)
        return bool(torch.autograd.gradcheck(Softplus.apply, (x,), raise_exception=False))

    probe("gradcheck softplus", lambda: [gradcheck_softplus(s) for s in (51, 52)],
          "torch.autograd.gradcheck rejects your Softplus.backward")

    def check(fn, seed, n, dtype):
        torch.manual_seed(seed)
        x = torch.randn(n, dtype=dtype)
        before = x.tolist()
        with spies.calls(torch.autograd, "gradcheck") as calls:
            try:
                result = grad_ok(fn, x)
            except RuntimeError:
                result = "raised"
        return {"answer": result if type(result) is bool else repr(type(result)),
                "uses gradcheck": calls.count >= 1,
                "x unchanged": x.dtype == dtype and not x.requires_grad and x.tolist() == before}

    cases = [
        ("softplus float32", lambda: Softplus.apply, torch.float32),
        ("softplus float64", lambda: Softplus.apply, torch.float64),
        ("right float32", lambda: _Right.apply, torch.float32),
        ("tanh", lambda: (lambda t: t.tanh() * t), torch.float32),
        ("double", lambda: _Double.apply, torch.float64),
        ("only first term", lambda: _OnlyFirstTerm.apply, torch.float32),
        ("sigmoid of -x", lambda: _SigmoidOfMinus.apply, torch.float64),
    ]
    for k, (name, fn, dtype) in enumerate(cases):
        probe(f"grad_ok {name}", lambda: check(fn(), 60 + k, 5, dtype),
              "grad_ok gives the wrong answer for other functions, right or wrong, in float32 "
              "or float64 (use a float64 copy of x, gradcheck with raise_exception=False, and "
              "leave the caller's x as it is)")
