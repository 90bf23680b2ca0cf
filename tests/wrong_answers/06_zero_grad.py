"""Plausible wrong answers for lesson 06 (see tests/test_wrong_answers.py)."""

WRONG = [
    {
        "exercise": "l06-ex1-tests",
        "why": "puts a new tensor of zeros in .grad instead of zeroing the old one in place",
        "source": """def clear_grads(params, set_to_none=True):
    for p in params:
        if p.grad is None:
            continue
        if set_to_none:
            p.grad = None
        else:
            p.grad = torch.zeros_like(p)
""",
        "visible": "in place",
    },
    {
        "exercise": "l06-ex1-tests",
        "why": "calls .zero_() on a .grad that is None",
        "source": """def clear_grads(params, set_to_none=True):
    for p in params:
        if set_to_none:
            p.grad = None
        else:
            p.grad.zero_()
""",
        "visible": "skip tensors whose .grad is None",
    },
    {
        "exercise": "l06-ex2-tests",
        "why": "weights every micro-batch by 1/K, wrong when the last micro-batch is smaller",
        "source": """def accumulated_gradient(w, x, y, micro_batch_size):
    w.grad = None
    n = x.shape[0]
    k = (n + micro_batch_size - 1) // micro_batch_size
    for start in range(0, n, micro_batch_size):
        xb = x[start:start + micro_batch_size]
        yb = y[start:start + micro_batch_size]
        micro_loss = ((xb @ w - yb) ** 2).mean()
        (micro_loss / k).backward()
    return w.grad
""",
        "visible": "micro-batches of 3",
    },
    {
        "exercise": "l06-ex3-tests",
        "why": "updates w and b through .data and clears by hand: no optimizer, as the task asks",
        "source": """def train_fixed(x, y, lr, epochs):
    w = torch.tensor(0.0, requires_grad=True)
    b = torch.tensor(0.0, requires_grad=True)
    losses = []
    for epoch in range(epochs):
        loss = ((w * x + b - y) ** 2).mean()
        loss.backward()
        w.data -= lr * w.grad
        b.data -= lr * b.grad
        w.grad = None
        b.grad = None
        losses.append(loss.item())
    return w, b, losses
""",
        "visible": "let optimizer.step() update them",
    },
    {
        "exercise": "l06-ex3-tests",
        "why": "clears the gradients after backward() instead of before it: every step uses none",
        "source": """def train_fixed(x, y, lr, epochs):
    w = torch.tensor(0.0, requires_grad=True)
    b = torch.tensor(0.0, requires_grad=True)
    optimizer = torch.optim.SGD([w, b], lr=lr)
    losses = []
    for epoch in range(epochs):
        loss = ((w * x + b - y) ** 2).mean()
        loss.backward()
        optimizer.zero_grad()
        optimizer.step()
        losses.append(loss.item())
    return w, b, losses
""",
        "visible": "final [w, b]",
    },
    {
        "exercise": "l06-ex4-tests",
        "why": "does not divide each micro-batch loss by accum_steps (steps 3 times too large)",
        "source": """def train_with_accumulation(x, y, lr, micro_batch_size, accum_steps, epochs):
    w = torch.tensor(0.0, requires_grad=True)
    b = torch.tensor(0.0, requires_grad=True)
    optimizer = torch.optim.SGD([w, b], lr=lr)
    n_micro = x.shape[0] // micro_batch_size
    for epoch in range(epochs):
        optimizer.zero_grad()
        for i in range(n_micro):
            xb = x[i * micro_batch_size:(i + 1) * micro_batch_size]
            yb = y[i * micro_batch_size:(i + 1) * micro_batch_size]
            loss = ((w * xb + b - yb) ** 2).mean()
            loss.backward()
            if (i + 1) % accum_steps == 0:
                optimizer.step()
                optimizer.zero_grad()
    return w.item(), b.item()
""",
        "visible": "final [w, b] with micro-batches",
    },
]
