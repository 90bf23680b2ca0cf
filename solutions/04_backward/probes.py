"""Probes of lesson 04 (backward): what the judge checks in each exercise (docs/authoring.md).

Each function is named after an exercise's test cell. It runs in the grading kernel after the
student's cells; every probe's value is compared, in the grader, with the value the same probe
returns on the solution. Messages are shown to the student; the inputs here are not.
"""

import autograd_lib as torch
from autograd_course import spies


def ex1_tests(answer, probe):
    dfdx_by_hand = answer.dfdx_by_hand

    probe("not a tensor", lambda: not torch.is_tensor(dfdx_by_hand(1.3)),
          "dfdx_by_hand must return a Python float (computed with math), not a tensor")
    probe("f'(1.3)", lambda: float(dfdx_by_hand(1.3)),
          "dfdx_by_hand(1.3) is not f'(1.3)")
    for x0 in [-0.7, 0.0, 2.1, 0.25]:
        probe(f"f'({x0})", lambda: float(dfdx_by_hand(x0)),
              "dfdx_by_hand is wrong at other points (check each local derivative of the "
              "chain u = x**2, s = sin u, y = exp s, and multiply all three)", atol=1e-7)


def ex2_tests(answer, probe):
    grad_at = answer.grad_at

    def quadratic(t):
        return t**2 + 3 * t + 1

    probe("float", lambda: isinstance(grad_at(quadratic, 2.0), float),
          "grad_at must return a Python float (use .item()), not a tensor")
    probe("quadratic at 2", lambda: float(grad_at(quadratic, 2.0)),
          "grad_at gives the wrong slope of x**2 + 3x + 1 at x = 2")
    probe("quadratic at -1.5", lambda: float(grad_at(quadratic, -1.5)),
          "grad_at gives the wrong slope of x**2 + 3x + 1 at x = -1.5", atol=1e-6)

    others = [
        ("x sin x", lambda t: t * t.sin(), 0.5),
        ("tanh", lambda t: t.tanh(), 0.0),
        ("exp(x**3) / 10", lambda t: (t**3).exp() / 10, 0.8),
        ("5x", lambda t: 5 * t, -3.0),
    ]
    for name, f, x0 in others:
        probe(f"{name} at {x0}", lambda: float(grad_at(f, x0)),
              "grad_at gives wrong slopes for other functions and points")


def ex3_tests(answer, probe):
    vjp = answer.vjp
    returns_tensor = "vjp must return a tensor with the shape of x"
    wrong_values = ("vjp of x**2 at x = (1, 2, 3) is wrong (v^T J, computed on a fresh leaf: "
                    "gradients of earlier calls must not add up)")

    # the visible tests, in their order: the same x (not requiring grad) for two calls
    x = torch.tensor([1.0, 2.0, 3.0])
    probe("tensor", lambda: torch.is_tensor(vjp(lambda t: t**2, x, torch.ones(3))),
          returns_tensor)
    probe("x**2, v = (1, 1, 1)", lambda: vjp(lambda t: t**2, x, torch.ones(3)), wrong_values)
    probe("x**2, v = (0, 1, 0)", lambda: vjp(lambda t: t**2, x, torch.tensor([0.0, 1.0, 0.0])),
          wrong_values)

    def grad_stays_none():
        x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
        vjp(lambda t: t**2, x, torch.ones(3))
        return x.grad is None

    probe("x.grad stays None", grad_stays_none,
          "vjp must not change the .grad of the x it was given")

    A = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    x = torch.tensor([0.5, -1.0, 2.0])
    other = ("vjp is wrong for other functions (for example when y does not have the shape of "
             "x, or when y_i depends on several x_j)")
    probe("A @ x, v1", lambda: vjp(lambda t: A @ t, x, torch.tensor([1.0, -1.0])), other)
    probe("A @ x, v2", lambda: vjp(lambda t: A @ t, x, torch.tensor([2.0, 0.0])), other)
    x = torch.tensor([1.0, 2.0])
    probe("x * x.sum()", lambda: vjp(lambda t: t * t.sum(), x, torch.tensor([1.0, 0.0])), other)

    def keeps_grad():
        x = torch.tensor([0.3, 0.6], requires_grad=True)
        x.grad = torch.tensor([10.0, 20.0])
        result = vjp(lambda t: t.exp(), x, torch.tensor([1.0, 1.0]))
        return {"result": result, "x.grad": x.grad}

    probe("exp, x with a .grad", lambda: keeps_grad()["result"],
          "vjp is wrong when the x it is given requires grad and already has a .grad")
    probe("exp, x.grad unchanged", lambda: keeps_grad()["x.grad"],
          "vjp must leave the .grad of the x it was given unchanged")


def ex4_tests(answer, probe):
    tangent_line = answer.tangent_line

    def quadratic(t):
        return t**2 + 3 * t + 1

    probe("pair", lambda: len(tangent_line(quadratic, 2.0)), "return a pair (slope, intercept)")
    probe("slope at 2", lambda: float(tangent_line(quadratic, 2.0)[0]),
          "the slope of the tangent to x**2 + 3x + 1 at x0 = 2 is wrong")
    probe("intercept at 2", lambda: float(tangent_line(quadratic, 2.0)[1]),
          "the intercept of the tangent to x**2 + 3x + 1 at x0 = 2 is wrong")

    others = [
        ("sin at 0", lambda t: t.sin(), 0.0, 1e-7),
        ("exp at 1", lambda t: t.exp(), 1.0, 1e-6),
        ("quadratic at -1", quadratic, -1.0, 1e-6),
        ("1/x at 2", lambda t: 1 / t, 2.0, 1e-8),
    ]
    for name, f, x0, atol in others:
        probe(name, lambda: [float(v) for v in tangent_line(f, x0)],
              "tangent_line gives a wrong (slope, intercept) for other functions or points",
              atol=atol)


def ex5_tests(answer, probe):
    clip_middle = answer.clip_middle

    def run(f, g, x, limit):
        before = x.tolist()
        with spies.calls(torch.Tensor, "register_hook") as hooks:
            h_grad, x_grad = clip_middle(f, g, x, limit)
        return {"h_grad": h_grad, "x_grad": x_grad, "hooked": hooks.count >= 1,
                "x unchanged": x.tolist() == before and x.grad is None}

    weights = torch.tensor([0.5, 4.0])
    visible = run(lambda t: t * 3, lambda h: (h * weights).sum(), torch.tensor([1.0, 2.0]), 1.0)
    probe("hook", lambda: visible["hooked"],
          "clip the gradient with a hook: call h.register_hook(...)")
    probe("h_grad", lambda: visible["h_grad"],
          "h_grad must be the gradient at h after clipping (keep it with h.retain_grad())")
    probe("x_grad", lambda: visible["x_grad"],
          "x_grad must be computed from the clipped gradient at h")

    A = torch.tensor([[1.0, -2.0], [3.0, 1.0], [0.0, 2.0]])
    B = torch.tensor([[0.5, 1.0, -1.0], [2.0, 0.0, 1.5]])
    cases = {
        "A @ x, squares": (lambda t: A @ t, lambda h: (h**2).sum(),
                           torch.tensor([1.0, -1.0], requires_grad=True), 2.0),
        "exp, weights": (lambda t: t.exp(), lambda h: (h * torch.tensor([-9.0, 0.2, 3.0])).sum(),
                         torch.tensor([0.0, 1.0, -2.0]), 0.5),
        "B @ x, tanh": (lambda t: B @ t, lambda h: h.tanh().sum() * 10,
                        torch.tensor([0.3, -0.2, 0.1]), 3.0),
    }
    for name, (f, g, x, limit) in cases.items():
        got = run(f, g, x, limit)
        probe(f"{name}: h_grad", lambda: got["h_grad"],
              "h_grad is wrong for other functions and limits", rtol=1e-4, atol=1e-6)
        probe(f"{name}: x_grad", lambda: got["x_grad"],
              "x_grad is wrong for other functions and limits: the clipped gradient at h must "
              "flow on to x", rtol=1e-4, atol=1e-6)
        probe(f"{name}: x unchanged", lambda: got["x unchanged"],
              "clip_middle must not change the x it was given, nor its .grad")

    def keeps_grad():
        x = torch.tensor([0.3, 0.6], requires_grad=True)
        x.grad = torch.tensor([10.0, 20.0])
        clip_middle(lambda t: t * 2, lambda h: h.sum(), x, 1.0)
        return x.grad

    probe("x.grad unchanged", keeps_grad,
          "clip_middle must leave the .grad of the x it was given unchanged")


def ex6_tests(answer, probe):
    layer_grad_norms = answer.layer_grad_norms

    def run(x, weights, act):
        with spies.calls(torch.Tensor, "backward") as backward:
            norms = layer_grad_norms(x, weights, act)
        return {"norms": norms, "backward": backward.count,
                "floats": isinstance(norms, list) and all(isinstance(n, float) for n in norms)}

    visible = run(torch.tensor([0.5, -1.0, 2.0]), [1.0, 2.0, -1.5], torch.tanh)
    probe("one backward", lambda: visible["backward"], "call backward() once")
    probe("floats", lambda: visible["floats"], "return a list of Python floats (use .item())")
    probe("tanh, 3 layers", lambda: visible["norms"],
          "the gradient norms of three tanh layers are wrong (first layer first)", rtol=1e-4)

    cases = [
        ("sigmoid 20", torch.tensor([0.5, -0.3, 1.2]), [1.0] * 20, torch.sigmoid),
        ("tanh 20", torch.tensor([0.2, 0.4]), [0.8] * 20, torch.tanh),
        ("sigmoid mixed", torch.tensor([[1.0, -2.0], [0.5, 3.0]]),
         [2.0, -1.0, 3.0, 0.5, -2.5, 1.5], torch.sigmoid),
        ("tanh 1", torch.tensor([0.7]), [-1.3], torch.tanh),
        ("exp 4", torch.tensor([0.1, -0.4, 0.3]), [0.5, -0.5, 0.2, 1.0], torch.exp),
    ]
    for name, x, weights, act in cases:
        got = run(x, weights, act)
        probe(f"{name}: norms", lambda: got["norms"],
              "layer_grad_norms is wrong for other inputs, weights and activations (one norm "
              "per layer, first layer first)", rtol=1e-4)
        probe(f"{name}: backward", lambda: got["backward"],
              "call backward() once, whatever the number of layers")

    def unchanged():
        x = torch.tensor([0.5, 1.0], requires_grad=True)
        layer_grad_norms(x, [1.0, 1.0], torch.sigmoid)
        return x.grad is None

    probe("x unchanged", unchanged, "layer_grad_norms must not change the .grad of x")
