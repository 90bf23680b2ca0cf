"""Plausible wrong answers for lesson 01 (see tests/test_wrong_answers.py)."""

WRONG = [
    {
        "exercise": "ex1-central-difference-tests",
        "why": "divides by h instead of 2h",
        "source": """def central_difference(f, x, h):
    return (f(x + h) - f(x - h)) / h
""",
        "visible": "derivative of x^2 at 3",
    },
    {
        "exercise": "ex1-central-difference-tests",
        "why": "calls f three times (the forward difference's f(x) as well)",
        "source": """def central_difference(f, x, h):
    fx = f(x)
    return ((f(x + h) - fx) + (fx - f(x - h))) / (2 * h)
""",
        "visible": "call f twice",
    },
    {
        "exercise": "ex2-best-step-tests",
        "why": "returns the smallest step, as if a smaller h were always better",
        "source": """def best_step(f, df, x, steps):
    return min(steps)
""",
        "visible": "round-off ruins 1e-14",
    },
    {
        "exercise": "ex2-best-step-tests",
        "why": "returns the last step with an error below the previous one (assumes a sorted list)",
        "source": """def best_step(f, df, x, steps):
    best = steps[0]
    for h in steps[1:]:
        if abs(central_difference(f, x, h) - df(x)) < abs(central_difference(f, x, best) - df(x)):
            best = h
        else:
            break
    return best
""",
        "visible": "whatever the order of the list",
    },
    {
        "exercise": "ex3-numeric-gradient-tests",
        "why": "adds h to x in place and undoes it after the call (x changes during the call)",
        "source": """def numeric_gradient(f, x, h=1e-6):
    grad = np.zeros_like(x)
    for i in range(x.size):
        x[i] += h
        up = f(x)
        x[i] -= 2 * h
        down = f(x)
        x[i] += h
        grad[i] = (up - down) / (2 * h)
    return grad
""",
        "visible": "changed x while it ran",
    },
    {
        "exercise": "ex3-numeric-gradient-tests",
        "why": "forward differences: n + 1 calls of f, not 2n",
        "source": """def numeric_gradient(f, x, h=1e-6):
    fx = f(x)
    grad = np.zeros_like(x)
    for i in range(x.size):
        step = np.zeros_like(x)
        step[i] = h
        grad[i] = (f(x + step) - fx) / h
    return grad
""",
        "visible": "2n = 8 times",
    },
    {
        "exercise": "ex4-symbolic-tests",
        "why": "returns the value of expr, not of its derivative",
        "source": """def derivative_function(expr, var):
    g = sp.lambdify(var, expr, "math")
    return lambda value: float(g(value))
""",
        "visible": "d/dt (t^3 - 2t) at t = 2",
    },
    {
        "exercise": "ex5-reverse-mode-tests",
        "why": "takes the local derivative 4 - 8v at each step's output, not its input",
        "source": """def logistic_reverse(x, k):
    outputs = []
    v = x
    for _ in range(k):
        v = 4 * v * (1 - v)
        outputs.append(v)
    adjoint = 1.0
    for v_out in reversed(outputs):
        adjoint *= 4 - 8 * v_out
    return float(v), float(adjoint)
""",
        "visible": "one step",
    },
    {
        "exercise": "ex5-reverse-mode-tests",
        "why": "uses the local derivative at x for every step (forgets to keep the inputs)",
        "source": """def logistic_reverse(x, k):
    v = x
    for _ in range(k):
        v = 4 * v * (1 - v)
    return float(v), float((4 - 8 * x) ** k)
""",
        "visible": "at the input v of each step",
    },
]
