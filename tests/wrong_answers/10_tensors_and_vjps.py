"""Plausible wrong answers for lesson 10 (see tests/test_wrong_answers.py)."""

_VALUE_GRADS = '''def value_grads(f, xs):
    inputs = [Value(x) for x in xs]
    out = f(*inputs)
    out.backward()
    return out.data, [v.grad for v in inputs]
'''

_SOFTPLUS = '''class Softplus(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return (1 + x.exp()).log()

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * torch.sigmoid(x)
'''

WRONG = [
    {
        "exercise": "ex1-tests",
        "why": "reads t.grad.item() for every input: crashes when no gradient reaches one",
        "source": _VALUE_GRADS + '''

def autograd_lib_grads(f, xs):
    inputs = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    out = f(*inputs)
    out.backward()
    return out.item(), [t.grad.item() for t in inputs]
''',
        "visible": "report 0.0",
    },
    {
        "exercise": "ex1-tests",
        "why": "uses float32 tensors (the default dtype), 7 digits only",
        "source": _VALUE_GRADS + '''

def autograd_lib_grads(f, xs):
    inputs = [torch.tensor(x, requires_grad=True) for x in xs]
    out = f(*inputs)
    out.backward()
    return out.item(), [0.0 if t.grad is None else t.grad.item() for t in inputs]
''',
        "visible": "autograd_lib_grads: the gradients",
    },
    {
        "exercise": "ex2-tests",
        "why": "never resets w.grad and b.grad: the gradients of all epochs add up",
        "source": """def fit_line(xs, ys, lr=0.01, epochs=100):
    w, b = Value(0.0), Value(0.0)
    losses = []
    for _ in range(epochs):
        loss = sum((w * x + b - y) ** 2 for x, y in zip(xs, ys)) / len(xs)
        loss.backward()
        w.data -= lr * w.grad
        b.data -= lr * b.grad
        losses.append(loss.data)
    return w.data, b.data, losses
""",
        "visible": "reset w.grad and b.grad",
    },
    {
        "exercise": "ex2-tests",
        "why": "fits the line with autograd_lib tensors instead of the Value engine",
        "source": """def fit_line(xs, ys, lr=0.01, epochs=100):
    x = torch.tensor(xs, dtype=torch.float64)
    y = torch.tensor(ys, dtype=torch.float64)
    w = torch.zeros((), dtype=torch.float64, requires_grad=True)
    b = torch.zeros((), dtype=torch.float64, requires_grad=True)
    losses = []
    for _ in range(epochs):
        loss = ((w * x + b - y) ** 2).mean()
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
        w.grad.zero_()
        b.grad.zero_()
        losses.append(loss.item())
    return w.item(), b.item(), losses
""",
        "visible": "should use the Value engine",
    },
    {
        "exercise": "ex3-tests",
        "why": "softmax's VJP with the diagonal of the Jacobian only, s * (1 - s) * v",
        "source": """def matmul_vjp(X, W, V):
    return V @ W.T, X.T @ V


def softmax_vjp(z, v):
    s = torch.softmax(z, dim=0)
    return s * (1 - s) * v
""",
        "visible": "off-diagonal",
    },
    {
        "exercise": "ex3-tests",
        "why": "W_bar as V.T @ X: the transpose of the right answer, with the wrong shape",
        "source": """def matmul_vjp(X, W, V):
    return V @ W.T, V.T @ X


def softmax_vjp(z, v):
    s = torch.softmax(z, dim=0)
    return s * (v - (v * s).sum())
""",
        "visible": "W_bar should have the shape of W",
    },
    {
        "exercise": "ex3-tests",
        "why": "asks the library for the VJPs instead of deriving them",
        "source": """def matmul_vjp(X, W, V):
    X, W = X.clone().requires_grad_(), W.clone().requires_grad_()
    return torch.autograd.grad(X @ W, (X, W), grad_outputs=V)


def softmax_vjp(z, v):
    z = z.clone().requires_grad_()
    return torch.autograd.grad(torch.softmax(z, dim=0), z, grad_outputs=v)[0]
""",
        "visible": "by hand",
    },
    {
        "exercise": "ex4-tests",
        "why": "Softplus.backward with sigmoid(-x) instead of sigmoid(x)",
        "source": _SOFTPLUS.replace("torch.sigmoid(x)", "torch.sigmoid(-x)") + '''

def grad_ok(fn, x):
    x64 = x.detach().to(torch.float64).requires_grad_()
    return bool(torch.autograd.gradcheck(fn, (x64,), raise_exception=False))
''',
        "visible": "sigmoid(x)",
    },
    {
        "exercise": "ex4-tests",
        "why": "keeps x as ctx.x instead of ctx.save_for_backward(x)",
        "source": _SOFTPLUS.replace("ctx.save_for_backward(x)", "ctx.x = x").replace(
            "(x,) = ctx.saved_tensors", "x = ctx.x") + '''

def grad_ok(fn, x):
    x64 = x.detach().to(torch.float64).requires_grad_()
    return bool(torch.autograd.gradcheck(fn, (x64,), raise_exception=False))
''',
        "visible": "ctx.save_for_backward",
    },
    {
        "exercise": "ex4-tests",
        "why": "runs gradcheck on x as it is (float32): a correct backward fails",
        "source": _SOFTPLUS + '''

def grad_ok(fn, x):
    return bool(torch.autograd.gradcheck(fn, (x.detach().requires_grad_(),),
                                         raise_exception=False))
''',
        "visible": "float64 copy",
    },
    {
        "exercise": "ex4-tests",
        "why": "lets gradcheck raise on a wrong backward instead of returning False",
        "source": _SOFTPLUS + '''

def grad_ok(fn, x):
    return torch.autograd.gradcheck(fn, (x.detach().to(torch.float64).requires_grad_(),))
''',
        "visible": "raise_exception=False",
    },
    {
        "exercise": "ex4-tests",
        "why": "calls x.requires_grad_() on the caller's tensor",
        "source": _SOFTPLUS + '''

def grad_ok(fn, x):
    x.requires_grad_()
    return bool(torch.autograd.gradcheck(fn, (x.to(torch.float64),), raise_exception=False))
''',
        "visible": "must not change the caller's x",
    },
]
