"""Plausible wrong answers for lesson 07 (see tests/test_wrong_answers.py)."""

WRONG = [
    {
        "exercise": "l07-ex1-tests",
        "why": "set_grad_enabled(False) ... set_grad_enabled(True) switches the mode on inside an "
               "outer no_grad block",
        "source": """def evaluate(model_fn, x):
    torch.set_grad_enabled(False)
    out = model_fn(x)
    torch.set_grad_enabled(True)
    return out
""",
        "visible": "inside a no_grad block",
    },
    {
        "exercise": "l07-ex1-tests",
        "why": "records the graph, then detaches the result",
        "source": """def evaluate(model_fn, x):
    return model_fn(x).detach()
""",
        "visible": "call model_fn exactly once, with the grad mode off",
    },
    {
        "exercise": "l07-ex2-tests",
        "why": "updates through .data instead of under no_grad",
        "source": """def sgd_step(params, lr):
    for p in params:
        if p.grad is not None:
            p.data -= lr * p.grad
            p.grad = None
""",
        "visible": "used .data",
    },
    {
        "exercise": "l07-ex2-tests",
        "why": "switches requires_grad off and on around the update instead of using no_grad",
        "source": """def sgd_step(params, lr):
    for p in params:
        if p.grad is not None:
            p.requires_grad_(False)
            p -= lr * p.grad
            p.requires_grad_(True)
            p.grad = None
""",
        "visible": "while the grad mode is off",
    },
    {
        "exercise": "l07-ex3-tests",
        "why": "keeps the in-place s += 1 on sigmoid's saved output",
        "source": """def fixed(a):
    s = torch.sigmoid(a)
    t = s.clone()
    s += 1
    return (t * s).sum()
""",
        "visible": "changed in place",
    },
    {
        "exercise": "l07-ex3-tests",
        "why": "detaches sigmoid's output: the right value, but no gradient",
        "source": """def fixed(a):
    s = torch.sigmoid(a).detach()
    t = s.clone()
    s += 1
    return (t * s).sum()
""",
        "visible": "part of the graph",
    },
    {
        "exercise": "l07-ex4-tests",
        "why": "plain clamp: no gradient where x was clipped",
        "source": """def straight_through_clamp(x, lo, hi):
    return torch.clamp(x, lo, hi)
""",
        "visible": "also where x was clipped",
    },
    {
        "exercise": "l07-ex5-tests",
        "why": "freezes with no_grad around the forward pass, which freezes everything",
        "source": """def train_last_layer(params, x, y, lr, steps):
    optimizer = torch.optim.SGD(params[2:], lr=lr)
    losses = []
    for step in range(steps):
        optimizer.zero_grad()
        with torch.no_grad():
            loss = ((two_layer(x, params) - y) ** 2).mean()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
""",
        "visible": "freezes everything",
    },
    {
        "exercise": "l07-ex5-tests",
        "why": "sets the first layer's .grad to zeros instead of freezing it",
        "source": """def train_last_layer(params, x, y, lr, steps):
    W1, b1, W2, b2 = params
    optimizer = torch.optim.SGD(params, lr=lr)
    losses = []
    for step in range(steps):
        optimizer.zero_grad()
        loss = ((two_layer(x, params) - y) ** 2).mean()
        loss.backward()
        W1.grad = torch.zeros_like(W1)
        b1.grad = torch.zeros_like(b1)
        optimizer.step()
        losses.append(loss.item())
    return losses
""",
        "visible": "must stay none",
    },
    {
        "exercise": "l07-ex5-tests",
        "why": "freezes the first layer but gives the optimizer every parameter",
        "source": """def train_last_layer(params, x, y, lr, steps):
    params[0].requires_grad_(False)
    params[1].requires_grad_(False)
    optimizer = torch.optim.SGD(params, lr=lr)
    losses = []
    for step in range(steps):
        optimizer.zero_grad()
        loss = ((two_layer(x, params) - y) ** 2).mean()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
""",
        "visible": "only the trainable parameters",
    },
]
