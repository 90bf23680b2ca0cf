"""Probes of lesson 01 (why autodiff): what the judge checks in each exercise (docs/authoring.md).

Each function is named after an exercise's test cell. It runs in the grading kernel after the
student's cells; every probe's value is compared, in the grader, with the value the same probe
returns on the solution. Messages are shown to the student; the inputs here are not.
"""

import math

import numpy as np
import sympy as sp


def ex1_central_difference_tests(answer, probe):
    central_difference = answer.central_difference

    probe("x*x at 3, h=0.5", lambda: float(central_difference(lambda x: x * x, 3.0, 0.5)),
          "central_difference(lambda x: x * x, 3.0, 0.5) is not the derivative of x^2 at 3 (6)")
    probe("sin at 1, h=1e-3", lambda: float(central_difference(math.sin, 1.0, 1e-3)),
          "central_difference(math.sin, 1.0, 1e-3) is not close enough to cos(1)", rtol=1e-6)

    def calls(x, h):
        seen = []

        def counted(t):
            seen.append(t)
            return t**3

        central_difference(counted, x, h)
        return seen

    probe("calls at 2, h=0.25", lambda: len(calls(2.0, 0.25)),
          "central_difference should call f exactly twice")
    probe("call points at 2, h=0.25", lambda: sorted(calls(2.0, 0.25)),
          "central_difference(f, 2.0, 0.25) should call f at x - h and x + h (1.75 and 2.25)",
          rtol=0, atol=0)
    probe("calls elsewhere", lambda: len(calls(-0.5, 1e-3)),
          "central_difference should call f exactly twice, whatever x and h are")

    probe("exp", lambda: float(central_difference(math.exp, 0.5, 1e-4)),
          "central_difference is not accurate enough for other smooth functions", rtol=1e-8)
    probe("cubic", lambda: float(central_difference(lambda x: x**3, 2.0, 0.1)),
          "central_difference is wrong for other functions and steps: compute exactly "
          "(f(x + h) - f(x - h)) / (2h)",
          rtol=1e-12)

    def second_order():
        e1 = abs(central_difference(math.cos, 0.7, 1e-2) + math.sin(0.7))
        e2 = abs(central_difference(math.cos, 0.7, 5e-3) + math.sin(0.7))
        return bool(3.5 < e1 / e2 < 4.5)

    probe("second order", second_order,
          "the error of central_difference should shrink fourfold when h is halved (second "
          "order)")


def ex2_best_step_tests(answer, probe):
    best_step = answer.best_step

    probe("sin, 3 steps", lambda: float(best_step(math.sin, math.cos, 1.0, [1e-1, 1e-2, 1e-3])),
          "best_step(math.sin, math.cos, 1.0, [1e-1, 1e-2, 1e-3]) should be 1e-3")
    probe("sin, round-off", lambda: float(best_step(math.sin, math.cos, 1.0, [1e-3, 1e-14])),
          "best_step(math.sin, math.cos, 1.0, [1e-3, 1e-14]) should be 1e-3 (round-off ruins "
          "1e-14)")
    probe("exp", lambda: float(best_step(math.exp, math.exp, 0.0, [1e-12, 1e-2, 1e-5])),
          "best_step picks the wrong step for other functions, points and lists of steps")
    probe("cubic", lambda: float(best_step(lambda x: x**3, lambda x: 3 * x**2, 2.0,
                                           [0.5, 0.25, 2.0])),
          "best_step picks the wrong step for other functions, points and lists of steps")

    probe("exp, unsorted", lambda: float(best_step(math.exp, math.exp, 0.0,
                                                   [1e-2, 1e-12, 1e-5])),
          "best_step must return the step with the smallest error, whatever the order of the "
          "list")
    probe("log, one step", lambda: float(best_step(math.log, lambda x: 1 / x, 3.0, [0.1])),
          "best_step picks the wrong step for other functions, points and lists of steps")
    probe("atan, many", lambda: float(best_step(math.atan, lambda x: 1 / (1 + x * x), -0.4,
                                                [10.0 ** -k for k in range(1, 16)])),
          "best_step picks the wrong step for other functions, points and lists of steps")


def ex3_numeric_gradient_tests(answer, probe):
    numeric_gradient = answer.numeric_gradient

    def square(v):
        return float(np.sum(v**2))

    probe("type", lambda: (lambda g: [isinstance(g, np.ndarray), list(np.shape(g))])(
        numeric_gradient(square, np.array([1.0, -2.0, 3.0]))),
        "numeric_gradient should return a NumPy array of the shape of x")
    probe("sum of squares", lambda: np.asarray(
        numeric_gradient(square, np.array([1.0, -2.0, 3.0])), dtype=float),
        "the gradient of sum(x**2) at [1, -2, 3] should be 2x", rtol=1e-6)

    def x_after(f, x, **kw):
        numeric_gradient(f, x, **kw)
        return x.tolist()

    probe("x unchanged", lambda: x_after(square, np.array([1.0, -2.0, 3.0])),
          "numeric_gradient must not change x (work on a copy)")

    def count(x):
        seen = []

        def counted(v):
            seen.append(np.array(v, copy=True))
            return float(v @ v)

        numeric_gradient(counted, x)
        return len(seen)

    def rosen(v):
        return float(np.sum(100 * (v[1:] - v[:-1] ** 2) ** 2 + (1 - v[:-1]) ** 2))

    def x_during(f, x):
        """Was the caller's x the same at every call of f (no in-place steps, even undone)?"""
        before = x.copy()
        same = []

        def spy(v):
            same.append(bool(np.array_equal(x, before)))
            return f(v)

        numeric_gradient(spy, x)
        return [all(same), bool(np.array_equal(x, before))]

    probe("x unchanged during the call", lambda: x_during(square, np.array([0.25, -1.5, 2.0])),
          "numeric_gradient changed x while it ran: do not write the steps into x (even if you "
          "undo them); make a new array for each point")
    probe("x unchanged during the call, rosenbrock",
          lambda: x_during(rosen, np.random.default_rng(11).normal(size=5)),
          "numeric_gradient changed x while it ran, for other functions and points")

    def read_only(x):
        x.flags.writeable = False
        return np.asarray(numeric_gradient(square, x), dtype=float)

    probe("read-only x", lambda: read_only(np.array([0.5, 1.5])),
          "numeric_gradient must work on an x that cannot be written (it writes into x)",
          rtol=1e-6)
    probe("calls n=4", lambda: count(np.arange(4.0)),
          "numeric_gradient should call f 2n times (8 for n = 4)")

    def point():
        return np.random.default_rng(7).normal(size=6)

    probe("rosenbrock", lambda: np.asarray(numeric_gradient(rosen, point()), dtype=float),
          "numeric_gradient is wrong for other functions of several variables", rtol=1e-5,
          atol=1e-6)
    probe("rosenbrock x unchanged", lambda: x_after(rosen, point()),
          "numeric_gradient must not change x (work on a copy), for other functions and points")
    probe("sin, h", lambda: np.asarray(numeric_gradient(
        lambda v: float(np.sin(v).sum()), np.array([0.3]), h=1e-5), dtype=float),
        "numeric_gradient is not accurate enough when given a step h", rtol=1e-8)
    probe("uses h", lambda: np.asarray(numeric_gradient(
        lambda v: float(np.sum(v**3)), np.array([1.0, -0.5]), h=0.1), dtype=float),
        "numeric_gradient does not use the step h it is given", rtol=1e-8)
    probe("calls n=7", lambda: count(np.ones(7)),
          "numeric_gradient should call f 2n times, for every n")


def ex4_symbolic_tests(answer, probe):
    derivative_function = answer.derivative_function
    t = sp.symbols("t")

    probe("callable", lambda: callable(derivative_function(t**3 - 2 * t, t)),
          "derivative_function should return a function")
    probe("cubic", lambda: float(derivative_function(t**3 - 2 * t, t)(2.0)),
          "d/dt (t^3 - 2t) at t = 2 should be 10")
    probe("exp", lambda: float(derivative_function(sp.exp(2 * t), t)(0.0)),
          "d/dt exp(2t) at t = 0 should be 2")

    u = sp.symbols("u")
    expr = sp.log(1 + u**2) * sp.cos(u)
    for value in [0.0, 0.5, -1.3]:
        probe(f"log cos at {value}", lambda value=value: float(
            derivative_function(expr, u)(value)),
            "derivative_function is wrong for other expressions or points (differentiate "
            "expr with respect to var, then evaluate at the float given)", rtol=1e-12)
    logistic = u
    for _ in range(3):
        logistic = 4 * logistic * (1 - logistic)
    probe("logistic", lambda: float(derivative_function(logistic, u)(0.3)),
          "derivative_function is wrong for other expressions or points (differentiate "
          "expr with respect to var, then evaluate at the float given)", rtol=1e-12)
    probe("float", lambda: isinstance(derivative_function(u**2, u)(1.5), float),
          "the function returned by derivative_function should return a float")


def ex5_reverse_mode_tests(answer, probe):
    logistic_reverse = answer.logistic_reverse

    def pair(x, k):
        result = logistic_reverse(x, k)
        return [isinstance(result, tuple), len(result)] + [float(r) for r in result]

    probe("one step", lambda: pair(0.3, 1),
          "logistic_reverse(0.3, 1) should be the pair (4 * 0.3 * 0.7, 4 - 8 * 0.3)",
          rtol=1e-12)
    probe("seven steps", lambda: pair(0.3, 7),
          "logistic_reverse(0.3, 7) is not the value and derivative of section 3", rtol=1e-12)
    probe("no step", lambda: pair(0.6, 0), "logistic_reverse(x, 0) should be (x, 1.0)")
    probe("floats", lambda: [isinstance(r, float) for r in logistic_reverse(0.2, 3)],
          "logistic_reverse should return a pair of Python floats")
    for x, k in [(0.1, 3), (0.45, 5), (0.9, 2), (0.77, 10), (-0.2, 4), (0.5, 6)]:
        probe(f"x={x}, k={k}", lambda x=x, k=k: pair(x, k),
              "logistic_reverse is wrong for other points and numbers of steps (exact to 9 "
              "digits: multiply the local derivatives 4 - 8 v at each step's input v)",
              rtol=1e-9, atol=1e-12)
