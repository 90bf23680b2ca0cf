"""Plausible wrong answers for lesson 09 (see tests/test_wrong_answers.py)."""

_DUAL = '''class Dual:
    def __init__(self, val, der=0.0):
        self.val = float(val)
        self.der = float(der)

    def __add__(self, other):
        other = other if isinstance(other, Dual) else Dual(other)
        return Dual(self.val + other.val, self.der + other.der)

    def __mul__(self, other):
        other = other if isinstance(other, Dual) else Dual(other)
        return Dual(self.val * other.val, self.der * other.val + self.val * other.der)

    __radd__ = __add__
    __rmul__ = __mul__

    def sin(self):
        return Dual(math.sin(self.val), math.cos(self.val) * self.der)

    def exp(self):
        return Dual(math.exp(self.val), math.exp(self.val) * self.der)
'''

WRONG = [
    {
        "exercise": "ex1-tests",
        "why": "writes the gradients with = instead of adding them with +=",
        "source": """def __add__(self, other):
    other = other if isinstance(other, Value) else Value(other)
    out = Value(self.data + other.data, (self, other), "+")

    def _backward():
        self.grad = out.grad
        other.grad = out.grad

    out._backward = _backward
    return out


def __mul__(self, other):
    other = other if isinstance(other, Value) else Value(other)
    out = Value(self.data * other.data, (self, other), "*")

    def _backward():
        self.grad = other.data * out.grad
        other.grad = self.data * out.grad

    out._backward = _backward
    return out


Value.__add__ = __add__
Value.__mul__ = __mul__
""",
        "visible": "add with +=",
    },
    {
        "exercise": "ex2-tests",
        "why": "a breadth-first search from the root, reversed: not a topological order",
        "source": """def topo_order(root):
    seen, queue, i = {root}, [root], 0
    while i < len(queue):
        for parent in queue[i]._prev:
            if parent not in seen:
                seen.add(parent)
                queue.append(parent)
        i += 1
    return queue[::-1]
""",
        "visible": "reversed breadth-first order is not a topological order",
    },
    {
        "exercise": "ex3-tests",
        "why": "runs the _backward()s in topological order, leaves first, not in reverse",
        "source": """def backward(self):
    self.grad = 1.0
    for node in topo_order(self):
        node._backward()


Value.backward = backward
""",
        "visible": "multiply along the path",
    },
    {
        "exercise": "ex4-tests",
        "why": "tanh's local derivative as 1 - x**2 (the input) instead of 1 - y**2 (the output)",
        "source": """def __pow__(self, exponent):
    out = Value(self.data ** exponent, (self,), f"**{exponent}")

    def _backward():
        self.grad += exponent * self.data ** (exponent - 1) * out.grad

    out._backward = _backward
    return out


def exp(self):
    out = Value(math.exp(self.data), (self,), "exp")

    def _backward():
        self.grad += out.data * out.grad

    out._backward = _backward
    return out


def tanh(self):
    out = Value(math.tanh(self.data), (self,), "tanh")

    def _backward():
        self.grad += (1.0 - self.data ** 2) * out.grad

    out._backward = _backward
    return out


def relu(self):
    out = Value(max(self.data, 0.0), (self,), "relu")

    def _backward():
        self.grad += (1.0 if self.data > 0 else 0.0) * out.grad

    out._backward = _backward
    return out


Value.__pow__ = __pow__
Value.exp = exp
Value.tanh = tanh
Value.relu = relu
""",
        "visible": "x.tanh()",
    },
    {
        "exercise": "ex5-dual-tests",
        "why": "multiplies the derivatives (a' * b') instead of the product rule a' b + a b'",
        "source": _DUAL.replace("self.der * other.val + self.val * other.der",
                                "self.der * other.der") + '''

def grad_forward(f, xs):
    return [f(*[Dual(x, 1.0 if j == i else 0.0) for j, x in enumerate(xs)]).der
            for i in range(len(xs))]
''',
        "visible": "[val, der] of a * b",
    },
    {
        "exercise": "ex5-dual-tests",
        "why": "seeds every input with der 1.0 in one call: the sum of the partial derivatives",
        "source": _DUAL + '''

def grad_forward(f, xs):
    return [f(*[Dual(x, 1.0) for x in xs]).der] * len(xs)
''',
        "visible": "once per input",
    },
    {
        "exercise": "ex5-dual-tests",
        "why": "computes the gradient with the Value engine (reverse mode) instead of Dual",
        "source": _DUAL + '''

def grad_forward(f, xs):
    inputs = [Value(x) for x in xs]
    f(*inputs).backward()
    return [v.grad for v in inputs]
''',
        "visible": "this is forward mode",
    },
]
