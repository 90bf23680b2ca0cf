"""Probes of lesson 05 (several parameters): what the judge checks in each exercise
(docs/authoring.md).

Each function is named after an exercise's test cell. It runs in the grading kernel after the
student's cells; every probe's value is compared, in the grader, with the value the same probe
returns on the solution. Messages are shown to the student; the inputs here are not.
"""

import autograd_lib as torch
from autograd_course import spies


def ex1_tests(answer, probe):
    grad_2d = answer.grad_2d

    def z(a, b):
        return a**2 + 3 * b + a * b

    def floats(result):
        return [isinstance(g, float) for g in result]

    def values(result):
        return [None if g is None else float(g) for g in result]

    probe("pair", lambda: len(grad_2d(z, 2.0, 3.0)), "return a pair (df/da, df/db)")
    probe("floats", lambda: floats(grad_2d(z, 2.0, 3.0)),
          "return two Python floats (use .item()), not tensors")
    probe("z at (2, 3)", lambda: values(grad_2d(z, 2.0, 3.0)),
          "grad_2d gives the wrong gradient of a^2 + 3b + ab at (2, 3)")
    probe("z at (1, -1)", lambda: values(grad_2d(z, 1.0, -1.0)),
          "grad_2d gives the wrong gradient of a^2 + 3b + ab at (1, -1)")
    probe("a^3 at (2, 5)", lambda: values(grad_2d(lambda a, b: a**3, 2.0, 5.0)),
          "grad_2d gives the wrong gradient of a^3 (b unused) at (2, 5): the partial derivative "
          "for an unused input is 0.0")
    probe("a^3 floats", lambda: floats(grad_2d(lambda a, b: a**3, 2.0, 5.0)),
          "when f does not use an input, return 0.0 (a Python float) for it, not None or a "
          "tensor")

    others = "grad_2d gives wrong gradients for other functions and points"
    probe("sin(ab)", lambda: values(grad_2d(lambda a, b: (a * b).sin(), 0.5, 2.0)), others)
    probe("a / b", lambda: values(grad_2d(lambda a, b: a / b, 3.0, 2.0)), others)
    probe("z at another point", lambda: values(grad_2d(z, -1.5, 0.25)), others)
    probe("a unused", lambda: values(grad_2d(lambda a, b: b.exp() * 2, 1.0, 0.5)),
          "grad_2d is wrong when f does not use its first input (that partial derivative is 0.0)")


def ex2_tests(answer, probe):
    sum_to_shape = answer.sum_to_shape

    def weights(shape_u, shape_v, seed):
        # the gradient of sum(W * (u + v)) with respect to u + v, as in the original tests
        torch.manual_seed(seed)
        u = torch.randn(*shape_u)
        v = torch.randn(*shape_v)
        return torch.randn(*(u + v).shape)

    probe("tensor", lambda: torch.is_tensor(sum_to_shape(torch.ones(3, 4), (3, 1))),
          "sum_to_shape must return a tensor")
    probe("ones to (3, 1)", lambda: sum_to_shape(torch.ones(3, 4), (3, 1)),
          "sum_to_shape(ones(3, 4), (3, 1)) is wrong: it must have shape (3, 1) and hold the "
          "sums across each row")
    probe("ones to (4,)", lambda: sum_to_shape(torch.ones(3, 4), (4,)),
          "sum_to_shape(ones(3, 4), (4,)) is wrong: it must have shape (4,) and hold the sums "
          "down each column")
    W = weights((3, 1), (4,), 1)
    probe("u (3, 1)", lambda: sum_to_shape(W, (3, 1)),
          "sum_to_shape does not give autograd's gradient for u of shape (3, 1)", rtol=1e-4)
    probe("v (4,)", lambda: sum_to_shape(W, (4,)),
          "sum_to_shape does not give autograd's gradient for v of shape (4,)", rtol=1e-4)

    cases = [((2, 1, 3), (4, 3), 2), ((1, 4), (3, 1), 3), ((5,), (2, 5), 4),
             ((2, 3), (2, 3), 5), ((1,), (3, 2), 6), ((), (2, 3), 7)]
    for shape_u, shape_v, seed in cases:
        W = weights(shape_u, shape_v, seed)
        for which, shape in (("u", shape_u), ("v", shape_v)):
            probe(f"seed {seed}: {which} {shape}", lambda: sum_to_shape(W, shape),
                  "sum_to_shape gives the wrong shape or values for other shapes (check: extra "
                  "leading dimensions, size-1 dimensions in the middle, equal shapes, and the "
                  "scalar shape ())", rtol=1e-4, atol=1e-5)
    probe("Size([1, 1])", lambda: sum_to_shape(torch.ones(3, 4), torch.Size([1, 1])),
          "sum_to_shape is wrong when shape is a Size whose dimensions are all 1")


def _f(x):  # section 4's f: 3 outputs, 2 inputs
    return torch.stack([x[0] * x[1], x[0] + 2 * x[1], x[1] ** 2])


def ex3_tests(answer, probe):
    jacobian = answer.jacobian

    probe("tensor",
          lambda: torch.is_tensor(jacobian(lambda t: t**2, torch.tensor([1.0, 2.0, 3.0]))),
          "jacobian must return a tensor")
    probe("x**2", lambda: jacobian(lambda t: t**2, torch.tensor([1.0, 2.0, 3.0])),
          "the Jacobian of x**2 at (1, 2, 3) is wrong (it must be 3 x 3)")
    x = torch.tensor([2.0, 3.0], requires_grad=True)
    probe("f at (2, 3)", lambda: jacobian(_f, x),
          "the Jacobian of section 4's f at (2, 3) is wrong (it must be 3 x 2: one row per "
          "output)")
    probe("x.grad stays None", lambda: x.grad is None,
          "jacobian must not change the .grad of the x it was given")

    def caller_x_kept():
        x = torch.tensor([0.5, -1.5, 2.0])
        before = x.clone()
        jacobian(lambda t: t * t.sum(), x)
        return [x.requires_grad, x.grad is None, spies.same_values(before, x)]

    probe("caller's x kept", caller_x_kept,
          "jacobian changed the x it was given (its requires_grad, .grad or values): work on "
          "x.detach().requires_grad_()")

    others = "jacobian is wrong for other functions (check that row i is the gradient of y_i)"
    A = torch.tensor([[1.0, -2.0, 0.5], [0.0, 3.0, 4.0]])
    probe("A @ x", lambda: jacobian(lambda t: A @ t, torch.tensor([0.3, -0.2, 0.9])), others)
    probe("x * x.sum()", lambda: jacobian(lambda t: t * t.sum(), torch.tensor([1.0, 2.0, -1.0])),
          others)
    probe("exp(x0 * x)", lambda: jacobian(lambda t: (t[0] * t).exp(), torch.tensor([0.5, -1.0])),
          others)

    def calls():
        count = []

        def counted(t):
            count.append(1)
            return t * 2

        jacobian(counted, torch.tensor([1.0, 2.0, 3.0, 4.0]))
        return len(count)

    probe("f runs once", calls,
          "run f once, not once per row: retain_graph=True lets you reuse its graph")


def ex4_tests(answer, probe):
    directional_derivative = answer.directional_derivative

    def square_sum(t):
        return (t**2).sum()

    x = torch.tensor([1.0, 2.0])
    probe("float", lambda: isinstance(
        directional_derivative(square_sum, x, torch.tensor([1.0, 0.0])), float),
        "directional_derivative must return a Python float (use .item()), not a tensor")
    probe("(1, 0)", lambda: float(directional_derivative(square_sum, x, torch.tensor([1.0, 0.0]))),
          "the slope of x1^2 + x2^2 at (1, 2) in direction (1, 0) is wrong")
    probe("(1, 1)", lambda: float(directional_derivative(square_sum, x, torch.tensor([1.0, 1.0]))),
          "the slope of x1^2 + x2^2 at (1, 2) in direction (1, 1) is wrong (u need not have "
          "length 1: do not normalize it)")

    # the hidden tests, in their order: one x that requires grad, for two calls
    others = "directional_derivative is wrong for other functions, points or directions"
    x = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
    probe("prod", lambda: float(directional_derivative(lambda t: t.prod(), x,
                                                       torch.tensor([1.0, 1.0, 1.0]))), others)
    probe("sum exp", lambda: float(directional_derivative(lambda t: t.exp().sum(), x,
                                                          torch.tensor([0.0, 2.0, 0.0]))),
          others)
    probe("x.grad stays None", lambda: x.grad is None,
          "directional_derivative must not change the .grad of the x it was given")
    probe("downhill", lambda: float(directional_derivative(square_sum, torch.tensor([3.0, -4.0]),
                                                           torch.tensor([-3.0, 4.0]))), others)

    def caller_x_kept():
        x = torch.tensor([0.25, 1.5])
        before = x.clone()
        directional_derivative(lambda t: (t**3).sum(), x, torch.tensor([1.0, -1.0]))
        return [x.requires_grad, x.grad is None, spies.same_values(before, x)]

    probe("caller's x kept", caller_x_kept,
          "directional_derivative changed the x it was given: work on x.detach().requires_grad_()")


def _quadratic(A, b):
    def f(t):  # 1/2 t^T A t - b^T t: Hessian A, minimum A^-1 b
        return 0.5 * (t @ (A @ t)) - b @ t

    return f


def _cubic(t):  # Hessian at (1, 2): [[6, 1], [1, 12]]
    return (t**3).sum() + t[0] * t[1]


_A2 = torch.tensor([[3.0, 1.0], [1.0, 2.0]])
_B2 = torch.tensor([1.0, -1.0])
_A3 = torch.tensor([[4.0, 1.0, 0.5], [1.0, 3.0, -1.0], [0.5, -1.0, 2.0]])
_B3 = torch.tensor([2.0, -1.0, 0.5])


def ex5_tests(answer, probe):
    hvp = answer.hvp
    q2 = _quadratic(_A2, _B2)

    probe("tensor", lambda: torch.is_tensor(hvp(q2, torch.tensor([5.0, 5.0]),
                                                torch.tensor([1.0, -1.0]))),
          "hvp must return a tensor")
    probe("quadratic", lambda: hvp(q2, torch.tensor([5.0, 5.0]), torch.tensor([1.0, -1.0])),
          "H v for the visible quadratic is wrong (pass create_graph=True to the first "
          "torch.autograd.grad, then differentiate g . v)", rtol=1e-4, atol=1e-5)
    probe("cubic", lambda: hvp(_cubic, torch.tensor([1.0, 2.0]), torch.tensor([1.0, -1.0])),
          "H v for the visible sum(x^3) + x0 x1 is wrong", rtol=1e-4, atol=1e-5)

    others = ("hvp is wrong for other functions, points or vectors v (differentiate g . v, "
              "where g comes from a call with create_graph=True)")
    q3 = _quadratic(_A3, _B3)
    probe("quadratic 3", lambda: hvp(q3, torch.tensor([0.3, -2.0, 1.0]),
                                     torch.tensor([1.0, 2.0, -0.5])), others,
          rtol=1e-4, atol=1e-5)
    probe("exp", lambda: hvp(lambda t: (t.exp() * t).sum() + t[0] * t[1] * t[2],
                             torch.tensor([0.5, -1.0, 0.2]), torch.tensor([0.0, 1.0, 3.0])),
          others, rtol=1e-4, atol=1e-5)
    probe("sin", lambda: hvp(lambda t: (t[0] * t[1]).sin(), torch.tensor([0.7, 1.3]),
                             torch.tensor([2.0, -1.0])), others, rtol=1e-4, atol=1e-5)

    def rules():
        runs = []

        def counted(t):
            runs.append(1)
            return (t**4).sum() - t[0] * t[2]

        x = torch.tensor([1.0, -0.5, 2.0, 0.25])
        before = x.clone()
        with spies.calls(torch.autograd, "grad") as grads:
            hvp(counted, x, torch.tensor([1.0, 0.0, -1.0, 2.0]))
        return {"grad calls": grads.count, "f runs": len(runs),
                "x kept": [x.requires_grad, x.grad is None, spies.same_values(before, x)]}

    probe("rules", rules,
          "use exactly two calls of torch.autograd.grad (do not build H), run f once, and do "
          "not change the x you were given")

    def grad_kept():
        x = torch.tensor([1.0, 2.0], requires_grad=True)
        hvp(_cubic, x, torch.tensor([0.5, 0.5]))
        return x.grad is None

    probe("x.grad stays None", grad_kept, "hvp must not change the .grad of the x it was given")


def ex6_tests(answer, probe):
    newton_step = answer.newton_step
    q2 = _quadratic(_A2, _B2)

    probe("tensor", lambda: list(newton_step(q2, torch.tensor([5.0, 5.0])).shape),
          "newton_step must return a tensor of the shape of x")
    probe("quadratic from (5, 5)", lambda: newton_step(q2, torch.tensor([5.0, 5.0])),
          "one Newton step on the visible quadratic does not land on its minimum (use H, not "
          "only the gradient)", rtol=1e-4, atol=1e-5)
    probe("quadratic from (-2, 7)", lambda: newton_step(q2, torch.tensor([-2.0, 7.0])),
          "one Newton step on the visible quadratic from (-2, 7) does not land on its minimum",
          rtol=1e-4, atol=1e-5)
    probe("sum x^3", lambda: newton_step(lambda t: (t**3).sum(), torch.tensor([1.0, 2.0])),
          "one Newton step on the visible sum(x^3) is wrong", rtol=1e-4, atol=1e-5)

    q3 = _quadratic(_A3, _B3)
    for k, start in enumerate(([0.0, 0.0, 0.0], [10.0, -4.0, 3.0])):
        probe(f"quadratic 3, start {k}", lambda start=start: newton_step(q3, torch.tensor(start)),
              "one Newton step on other quadratics does not land on the minimum",
              rtol=1e-4, atol=1e-4)
    probe("non-quadratic", lambda: newton_step(
        lambda t: (t.exp()).sum() + (t[0] - t[1]) ** 2, torch.tensor([0.5, -0.3])),
        "newton_step is wrong for other functions (x - d, with H d = g)", rtol=1e-4, atol=1e-5)

    def rules():
        x = torch.tensor([1.5, -0.5, 0.25])
        before = x.clone()
        x_new = newton_step(q3, x)
        return {"no graph": not x_new.requires_grad,
                "x kept": [x.requires_grad, x.grad is None, spies.same_values(before, x)]}

    probe("rules", rules,
          "return x - d with no graph (start from x.detach()), and do not change the x you were "
          "given")
