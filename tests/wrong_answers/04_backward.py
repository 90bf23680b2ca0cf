"""Plausible wrong answers for lesson 04 (see tests/test_wrong_answers.py)."""

WRONG = [
    {
        "exercise": "ex1_tests",
        "why": "forgets the inner derivative 2x (chain rule stopped one step early)",
        "source": """def dfdx_by_hand(x):
    u = x**2
    return math.exp(math.sin(u)) * math.cos(u)
""",
        "visible": "f'(1.3)",
    },
    {
        "exercise": "ex2_tests",
        "why": "returns the slope of the visible example, whatever f and x",
        "source": """def grad_at(f, x):
    return 7.0
""",
        "visible": "x = -1.5",
    },
    {
        "exercise": "ex3_tests",
        "why": "calls requires_grad_() on the caller's tensor and leaves a .grad on it",
        "source": """def vjp(f, x, v):
    x.requires_grad_()
    f(x).backward(gradient=v)
    return x.grad
""",
        "visible": "second row of J",
    },
    {
        "exercise": "ex4_tests",
        "why": "returns y(x0) as the intercept instead of y(x0) - slope * x0",
        "source": """def tangent_line(f, x0):
    x = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
    y = f(x)
    y.backward()
    return x.grad.item(), y.item()
""",
        "visible": "intercept",
    },
]
