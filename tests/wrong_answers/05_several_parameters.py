"""Plausible wrong answers for lesson 05 (see tests/test_wrong_answers.py)."""

WRONG = [
    {
        "exercise": "ex1_tests",
        "why": "reads b.grad without the None check: f = a^3 leaves b.grad None",
        "source": """def grad_2d(f, a, b):
    at = torch.tensor(a, requires_grad=True)
    bt = torch.tensor(b, requires_grad=True)
    f(at, bt).backward()
    return at.grad.item(), bt.grad.item()
""",
        "visible": "Check for None and return 0.0",
    },
    {
        "exercise": "ex2_tests",
        "why": "applies only rule 1: size-1 dimensions are not summed with keepdim=True",
        "source": """def sum_to_shape(g, shape):
    shape = tuple(shape)
    extra = g.dim() - len(shape)
    if extra > 0:
        g = g.sum(dim=tuple(range(extra)))
    return g
""",
        "visible": "expected shape (3, 1)",
    },
    {
        "exercise": "ex3_tests",
        "why": "calls requires_grad_() on the caller's x instead of a detached copy",
        "source": """def jacobian(f, x):
    x.requires_grad_()
    y = f(x)
    rows = [torch.autograd.grad(y[i], x, retain_graph=True)[0] for i in range(y.shape[0])]
    return torch.stack(rows)
""",
        "visible": "jacobian changed the x it was given",
    },
    {
        "exercise": "ex3_tests",
        "why": "runs f again for every row instead of keeping its graph",
        "source": """def jacobian(f, x):
    x = x.detach().requires_grad_()
    rows = []
    for i in range(f(x).shape[0]):
        (row,) = torch.autograd.grad(f(x)[i], x)
        rows.append(row)
    return torch.stack(rows)
""",
        "visible": "run f once, not once per row",
    },
    {
        "exercise": "ex4_tests",
        "why": "normalizes u to length 1, though the task says u need not have length 1",
        "source": """def directional_derivative(f, x, u):
    x = x.detach().requires_grad_()
    (g,) = torch.autograd.grad(f(x), x)
    return ((g * u).sum() / (u * u).sum().sqrt()).item()
""",
        "visible": "direction (1, 1)",
    },
    {
        "exercise": "ex4_tests",
        "why": "calls requires_grad_() and backward() on the caller's x",
        "source": """def directional_derivative(f, x, u):
    x.requires_grad_()
    f(x).backward()
    return (x.grad * u).sum().item()
""",
        "visible": "changed the x it was given",
    },
    {
        "exercise": "ex5_tests",
        "why": "forgets create_graph=True: the gradient has no graph to differentiate",
        "source": """def hvp(f, x, v):
    x = x.detach().requires_grad_()
    (g,) = torch.autograd.grad(f(x), x)
    (hv,) = torch.autograd.grad((g * v).sum(), x)
    return hv
""",
        "visible": "create_graph=True",
    },
    {
        "exercise": "ex5_tests",
        "why": "builds the whole Hessian row by row, then multiplies (n + 1 grad calls)",
        "source": """def hvp(f, x, v):
    x = x.detach().requires_grad_()
    (g,) = torch.autograd.grad(f(x), x, create_graph=True)
    rows = [torch.autograd.grad(g[i], x, retain_graph=True)[0] for i in range(x.shape[0])]
    return torch.stack(rows) @ v
""",
        "visible": "use exactly two calls",
    },
    {
        "exercise": "ex6_tests",
        "why": "takes a gradient step x - g instead of the Newton step x - H^-1 g",
        "source": """def newton_step(f, x):
    x = x.detach().requires_grad_()
    (g,) = torch.autograd.grad(f(x), x)
    return x.detach() - g
""",
        "visible": "must land on its minimum",
    },
    {
        "exercise": "ex6_tests",
        "why": "returns x - d with the graph (x not detached)",
        "source": """def newton_step(f, x):
    x = x.detach().requires_grad_()
    (g,) = torch.autograd.grad(f(x), x)
    H = torch.stack([hvp(f, x, e) for e in torch.eye(x.shape[0])], dim=1)
    return x - solve(H, g)
""",
        "visible": "with no graph",
    },
]
