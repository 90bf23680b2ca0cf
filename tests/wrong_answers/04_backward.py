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
    {
        "exercise": "ex3_tests",
        "why": "clears the caller's .grad so that the result does not add up, then clears it again",
        "source": """def vjp(f, x, v):
    x.requires_grad_()
    x.grad = None
    f(x).backward(gradient=v)
    result = x.grad
    x.grad = None
    return result
""",
        "visible": "leave the .grad of the x it was given unchanged",
    },
    {
        "exercise": "ex5_tests",
        "why": "clips the leaf's gradient after backward, not the gradient arriving at h",
        "source": """def clip_middle(f, g, x, limit):
    x = x.detach().requires_grad_()
    h = f(x)
    h.register_hook(lambda grad: grad)
    h.retain_grad()
    g(h).backward()
    return h.grad, x.grad.clamp(-limit, limit)
""",
        "visible": "clipped to [-1, 1]",
    },
    {
        "exercise": "ex5_tests",
        "why": "the hook clips a copy and returns nothing, so the gradient is not replaced",
        "source": """def clip_middle(f, g, x, limit):
    x = x.detach().requires_grad_()
    h = f(x)

    def clip(grad):
        grad.clamp(-limit, limit)

    h.register_hook(clip)
    h.retain_grad()
    g(h).backward()
    return h.grad, x.grad
""",
        "visible": "clipped to [-1, 1]",
    },
    {
        "exercise": "ex5_tests",
        "why": "no hook: clips h.grad after backward, so x never sees the clipped gradient",
        "source": """def clip_middle(f, g, x, limit):
    x = x.detach().requires_grad_()
    h = f(x)
    h.retain_grad()
    g(h).backward()
    return h.grad.clamp(-limit, limit), x.grad
""",
        "visible": "register_hook",
    },
    {
        "exercise": "ex6_tests",
        "why": "collects the norms with hooks, which run last layer first: the list is reversed",
        "source": """def layer_grad_norms(x, weights, act):
    h = x.detach().requires_grad_()
    norms = []
    for w in weights:
        h = act(w * h)
        h.register_hook(lambda grad: norms.append(grad.norm().item()))
    h.sum().backward()
    return norms
""",
        "visible": "first layer first",
    },
    {
        "exercise": "ex6_tests",
        "why": "one backward pass per layer (retain_graph) instead of one in all",
        "source": """def layer_grad_norms(x, weights, act):
    h = x.detach().requires_grad_()
    layers = []
    for w in weights:
        h = act(w * h)
        layers.append(h)
    norms = []
    for layer in layers:
        layer.retain_grad()
        layer.grad = None
        h.sum().backward(retain_graph=True)
        norms.append(layer.grad.norm().item())
    return norms
""",
        "visible": "call backward() once",
    },
    {
        "exercise": "ex6_tests",
        "why": "returns the norms of the layers' values, not of their gradients",
        "source": """def layer_grad_norms(x, weights, act):
    h = x.detach().requires_grad_()
    norms = []
    for w in weights:
        h = act(w * h)
        norms.append(h.norm().item())
    h.sum().backward()
    return norms
""",
        "visible": "the last number",
    },
]
