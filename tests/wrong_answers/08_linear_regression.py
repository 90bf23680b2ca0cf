"""Plausible wrong answers for lesson 08 (see tests/test_wrong_answers.py)."""

WRONG = [
    {
        "exercise": "l08-ex1-tests",
        "why": "updates w and b but never clears their gradients",
        "source": """def train_step(w, b, x, y, lr):
    loss = ((x.mm(w) + b - y) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        w -= lr * w.grad
        b -= lr * b.grad
    return loss.item()
""",
        "visible": "clear w.grad",
    },
    {
        "exercise": "l08-ex1-tests",
        "why": "returns the loss after the update instead of the loss it differentiated",
        "source": """def train_step(w, b, x, y, lr):
    loss = ((x.mm(w) + b - y) ** 2).mean()
    loss.backward()
    with torch.no_grad():
        w -= lr * w.grad
        b -= lr * b.grad
    w.grad = None
    b.grad = None
    return ((x.mm(w) + b - y) ** 2).mean().item()
""",
        "visible": "loss of the first step",
    },
    {
        "exercise": "l08-ex2-tests",
        "why": "records a graph, then detaches the result (the task says: record no graph)",
        "source": """def predict(model, x):
    return model(x.reshape(-1, 1)).detach().reshape(-1)
""",
        "visible": "grad mode off",
    },
    {
        "exercise": "l08-ex2-tests",
        "why": ".squeeze() gives shape () for a single input",
        "source": """def predict(model, x):
    with torch.no_grad():
        return model(x.reshape(-1, 1)).squeeze()
""",
        "visible": "single input",
    },
    {
        "exercise": "l08-ex3-tests",
        "why": "a learning rate that suits x in [0, 4] but diverges for x in [5, 8] (no "
               "standardising)",
        "source": """def fit_line(x, y):
    model = torch.nn.Linear(1, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    loss_fn = torch.nn.MSELoss()
    xs, ys = x.reshape(-1, 1), y.reshape(-1, 1)
    for epoch in range(2000):
        optimizer.zero_grad()
        loss_fn(model(xs), ys).backward()
        optimizer.step()
    return model.weight.item(), model.bias.item()
""",
        "visible": "x in [5, 8]",
    },
    {
        "exercise": "l08-ex4-tests",
        "why": "hard-codes a range read off section 5's data",
        "source": """def converging_lr_range(x):
    return (0.07, 0.14)
""",
        "visible": "x in [2, 8]",
    },
]
