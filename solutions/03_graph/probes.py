"""Probes of lesson 03 (the computation graph): what the judge checks in each exercise
(docs/authoring.md).

Each function is named after an exercise's test cell. It runs in the grading kernel after the
student's cells; every probe's value is compared, in the grader, with the value the same probe
returns on the solution. Messages are shown to the student; the inputs here are not.
"""

import sys

import autograd_lib as torch


def _sorted(names):
    return sorted(names)


def ex1_tests(answer, probe):
    op_names = answer.op_names
    x = torch.tensor(2.0, requires_grad=True)
    y = x**2 + 3 * x + 1
    probe("returns a list", lambda: isinstance(op_names(y), list),
          "op_names should return a list")
    probe("x**2 + 3*x + 1", lambda: _sorted(op_names(y)),
          "for y = x**2 + 3*x + 1, sorted(op_names(y)) is wrong")
    probe("leaf", lambda: op_names(x),
          "for a leaf (no grad_fn), op_names must return []")
    probe("x * x", lambda: _sorted(op_names(x * x)),
          "x * x has one MulBackward0 node with two edges to the same AccumulateGrad node: "
          "list each node once")

    a = torch.tensor([1.0, 2.0], requires_grad=True)
    b = torch.tensor([3.0, 4.0], requires_grad=True)
    c = torch.tensor([5.0, 6.0])  # needs no gradient: no node
    probe("a*b + a*c", lambda: _sorted(op_names((a * b + a * c).sum())),
          "op_names is wrong for a graph with several leaves, some of which need no gradient "
          "(they have no node)")
    e = a.exp()
    probe("e * e", lambda: _sorted(op_names(e * e)),
          "op_names lists a node twice when a result is used twice: list every node exactly once")
    probe("exp * exp", lambda: _sorted(op_names(a.exp() * a.exp())),
          "two separate operations of the same kind are two different nodes: op_names must "
          "list both")

    def doubled():
        t = a
        for _ in range(12):
            t = t + t
        got = op_names(t)
        return [len(got), _sorted(got)]

    probe("12 doublings", doubled,
          "op_names is wrong on a graph where many paths lead to the same nodes: list every "
          "node exactly once")
    probe("no grad", lambda: op_names(torch.tensor(1.0) * 2),
          "op_names must return [] for a result that needs no gradient (it has no grad_fn)")


def ex2_tests(answer, probe):
    leaf_inputs = answer.leaf_inputs
    a = torch.tensor(1.0, requires_grad=True)
    b = torch.tensor(2.0, requires_grad=True)
    c = torch.tensor(3.0)
    unused = torch.tensor(4.0, requires_grad=True)
    h = a * c
    out = h + b
    probe("a*c + b", lambda: leaf_inputs(out, {"a": a, "b": b, "c": c, "h": h, "unused": unused}),
          "out = a*c + b sends gradients to the leaves a and b only: expected ['a', 'b']")
    probe("a * 2", lambda: leaf_inputs(a * 2, {"b": b, "a": a}),
          "leaf_inputs(a * 2, {'b': b, 'a': a}) should be ['a']")

    p = torch.tensor([1.0, 2.0], requires_grad=True)
    q = torch.tensor([3.0, 4.0], requires_grad=True)
    r = torch.tensor([5.0, 6.0], requires_grad=True)
    mid = (p * q).exp()
    names = {"r": r, "q": q, "p": p, "mid": mid}
    probe("all three", lambda: leaf_inputs((mid * r).sum(), names),
          "leaf_inputs is wrong for other graphs: list the leaves reached through non-leaf "
          "tensors too, sorted, and never a non-leaf tensor")
    probe("two of three", lambda: leaf_inputs(mid.sum(), names),
          "leaf_inputs lists leaves that the tensor does not depend on, or misses some it does")
    probe("used twice", lambda: leaf_inputs(r * r, names),
          "a leaf used twice must be listed once")
    same_values = torch.tensor([1.0, 2.0], requires_grad=True)
    probe("twin", lambda: leaf_inputs(same_values * 3, {"p": p, "twin": same_values}),
          "leaf_inputs must compare tensors with `is`: a tensor with the same values is another "
          "tensor")

    def doubled():
        z = p
        for _ in range(12):
            z = z + z
        return leaf_inputs(z.sum(), names)

    probe("12 doublings", doubled,
          "leaf_inputs is wrong on a graph where many paths lead to the same nodes")


class _TooManySteps(BaseException):
    """Raised by the step counter (a BaseException: `except Exception` does not stop it)."""


def _counted(function, steps):
    """function(), stopped after `steps` Python events (calls and lines) in the code it runs:
    its value, or "too many steps". Counts work, not time, so it does not depend on the
    machine."""
    left = [steps]

    def tracer(frame, event, arg):
        left[0] -= 1
        if left[0] < 0:
            raise _TooManySteps
        return tracer

    old = sys.gettrace()
    sys.settrace(tracer)
    try:
        return function()
    except _TooManySteps:
        return "too many steps"
    finally:
        sys.settrace(old)


def grow(x):
    y = x
    while y < 10:
        y = y * 2
    return y


def ex3_tests(answer, probe):
    longest_chain = answer.longest_chain
    x = torch.tensor(2.0, requires_grad=True)
    probe("x**2 + 3*x + 1", lambda: longest_chain(x**2 + 3 * x + 1),
          "for x**2 + 3*x + 1 the longest chain has 3 operations")
    probe("leaf", lambda: longest_chain(x), "a leaf has length 0")
    probe("grow(0.5)", lambda: longest_chain(grow(torch.tensor(0.5, requires_grad=True))),
          "grow(0.5) doubles five times: expected 5")

    a = torch.tensor(1.5, requires_grad=True)
    probe("grow(1.5)", lambda: longest_chain(grow(a)),
          "longest_chain is wrong for a chain of another length")
    probe("a * 2", lambda: longest_chain(a * 2),
          "longest_chain is wrong for a single operation on a leaf")
    long = a.exp().sin().exp().sin()
    probe("long + a", lambda: longest_chain(long + a),
          "longest_chain is wrong when the branches of a node have different lengths: the "
          "longest branch decides, whatever the order of the edges")
    probe("a + long", lambda: longest_chain(a + long),
          "longest_chain is wrong when the branches of a node have different lengths: the "
          "longest branch decides, whatever the order of the edges")
    probe("no grad", lambda: longest_chain(torch.tensor(3.0) * 2),
          "longest_chain must return 0 for a result that needs no gradient (it has no grad_fn)")

    # A chain of n additions t + t has 2**n paths: without a memory of the nodes already
    # measured, the walk takes about 2**n steps. Counted in steps, not seconds; a memoised walk
    # needs a few hundred.
    def doubled(n):
        t = a
        for _ in range(n):
            t = t + t
        return _counted(lambda: longest_chain(t), 200_000)

    memo = ("longest_chain must remember the length of every node it has already measured "
            "(memoise): on a graph where many paths lead to the same nodes, it walks the same "
            "paths again and again")
    probe("20 doublings", lambda: doubled(20), memo)
    probe("40 doublings", lambda: doubled(40), memo)


def _chain_of_squares(t, n):
    """The graph behind t, n steps down: each step's node name and whether its two edges lead
    to the same node, then the name of the node reached."""
    steps = []
    node = t.grad_fn
    for _ in range(n):
        if node is None or node.name() != "MulBackward0":
            steps.append(None if node is None else node.name())
            return steps
        (left, _), (right, _) = node.next_functions
        steps.append([node.name(), left is right])
        node = left
    steps.append(None if node is None else node.name())
    return steps


def ex4_tests(answer, probe):
    repeated_square = answer.repeated_square

    def run(value, n, what):
        x = torch.tensor(value, requires_grad=True)
        y = repeated_square(x, n)
        if what == "value":
            return y
        if what == "graph":
            return _chain_of_squares(y, n)
        y.backward()
        return x.grad

    probe("1.5, 2 value", lambda: run(1.5, 2, "value"), "repeated_square(1.5, 2) is wrong")
    probe("1.5, 2 graph", lambda: run(1.5, 2, "graph"),
          "the graph of repeated_square(x, 2) is not a chain of 2 MulBackward0 nodes, each "
          "using the previous result twice (t * t), down to x's AccumulateGrad node")
    probe("1.5, 2 grad", lambda: run(1.5, 2, "grad"),
          "the derivative of repeated_square(x, 2) at x = 1.5 is wrong")

    probe("n=3 value", lambda: run(0.9, 3, "value"),
          "repeated_square is wrong for other x and n")
    probe("n=3 graph", lambda: run(0.9, 3, "graph"),
          "for other n, the graph is not a chain of n MulBackward0 nodes, each using the "
          "previous result twice (t * t), down to x's AccumulateGrad node")
    probe("n=3 grad", lambda: run(0.9, 3, "grad"),
          "the derivative of repeated_square is wrong for other x and n")

    def vector(what):
        v = torch.tensor([1.0, -1.1, 1.01], requires_grad=True)
        y = repeated_square(v, 5)
        return y if what == "value" else _chain_of_squares(y, 5)

    probe("vector value", lambda: vector("value"),
          "repeated_square is wrong for a tensor with several elements", rtol=1e-4)
    probe("vector graph", lambda: vector("graph"),
          "for a tensor with several elements, the graph is not a chain of n MulBackward0 "
          "nodes, each using the previous result twice (t * t)")

    def zero():
        x = torch.tensor(0.9, requires_grad=True)
        return repeated_square(x, 0) is x

    probe("n = 0", zero, "for n = 0, repeated_square must return x itself")
