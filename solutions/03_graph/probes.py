"""Probes of lesson 03 (the computation graph): what the judge checks in each exercise
(docs/authoring.md).

Each function is named after an exercise's test cell. It runs in the grading kernel after the
student's cells; every probe's value is compared, in the grader, with the value the same probe
returns on the solution. Messages are shown to the student; the inputs here are not.
"""

import contextlib

import autograd_lib as torch
from autograd_course import spies


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
    scalar = torch.tensor(1.0, requires_grad=True)
    scalar_twin = torch.tensor(1.0, requires_grad=True)
    probe("scalar twin", lambda: leaf_inputs(scalar * 2, {"twin": scalar_twin, "x": scalar}),
          "leaf_inputs must compare tensors with `is`: a tensor with the same value is another "
          "tensor")
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


class _TooManyReads(BaseException):
    """Raised by _reads (a BaseException: `except Exception` does not stop it)."""


@contextlib.contextmanager
def _reads(limit):
    """Count the reads of Node.next_functions in the block (yields a spies.Count); past `limit`
    reads, stop the answer with _TooManyReads. Counts work, not time: the same on every machine,
    and a walk that would take 2**40 steps stops at once."""
    with spies.calls(torch.autograd.graph.Node, "next_functions") as seen:
        counted = torch.autograd.graph.Node.__dict__["next_functions"]

        def read(this):
            if seen.count >= limit:
                raise _TooManyReads
            return counted.fget(this)

        torch.autograd.graph.Node.next_functions = property(read)
        try:
            yield seen
        finally:
            torch.autograd.graph.Node.next_functions = counted


def _nodes(t):
    """The number of nodes in the graph behind t (AccumulateGrad included)."""
    seen, todo = set(), [t.grad_fn]
    while todo:
        node = todo.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        todo.extend(child for child, _ in node.next_functions)
    return len(seen)


def _memoised(longest_chain, t):
    """longest_chain(t), and whether it read next_functions at most 3 times per node (a
    memoised walk) rather than about once per path."""
    limit = 3 * _nodes(t)
    try:
        with _reads(limit):
            value = longest_chain(t)
    except _TooManyReads:
        return {"value": None, "memoised": False}
    return {"value": value, "memoised": True}


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

    # Graphs where many paths lead to the same nodes: a walk without a memory of the nodes
    # already measured reads next_functions about once per path (2**n), a memoised one once per
    # node. Counted, not timed.
    memo = ("longest_chain reads next_functions again and again on a graph where many paths "
            "lead to the same nodes: memoise (keep the length of each node in a dict)")

    def doubled(n):
        t = a
        for _ in range(n):
            t = t + t
        return _memoised(longest_chain, t)

    def sine_ladder(n):
        t = a
        for _ in range(n):
            t = t * t.sin()      # two paths from each step to the one before
        return _memoised(longest_chain, t)

    probe("12 doublings", lambda: doubled(12), memo)
    probe("40 doublings", lambda: doubled(40), memo)
    probe("sine ladder 30", lambda: sine_ladder(30), memo)


def ex4_tests(answer, probe):
    uses_of = answer.uses_of
    x = torch.tensor(2.0, requires_grad=True)
    probe("x**2 + 3*x + 1", lambda: uses_of(x**2 + 3 * x + 1, x),
          "x**2 + 3*x + 1 uses x twice: expected 2")
    probe("x * x", lambda: uses_of(x * x, x),
          "x * x is one node with two edges to x: count edges, not nodes")
    u = 3 * x
    probe("shared u", lambda: uses_of(u * u, x),
          "in u * u with u = 3 * x, x is used only once: visit each node once")
    probe("leaf", lambda: uses_of(x, x), "for a leaf (no grad_fn), uses_of must return 0")
    other = torch.tensor(2.0, requires_grad=True)
    probe("same value", lambda: uses_of(x * x, other),
          "uses_of must compare tensors with `is`: a tensor with the same value is another "
          "tensor")

    a = torch.tensor([1.0, 2.0], requires_grad=True)
    b = torch.tensor([3.0, 4.0], requires_grad=True)
    c = torch.tensor([5.0, 6.0])
    graph = (a * b + a * c + (a + 1).exp() * a).sum()
    others = "uses_of is wrong for other graphs and leaves"
    probe("graph, a", lambda: uses_of(graph, a), others)
    probe("graph, b", lambda: uses_of(graph, b), others)
    probe("graph, c (no grad)", lambda: uses_of(graph, c), others)
    probe("b not used", lambda: uses_of(a.exp(), b), others)
    twin = torch.tensor([1.0, 2.0], requires_grad=True)
    probe("vector twin", lambda: uses_of(graph, twin),
          "uses_of must compare tensors with `is`: a tensor with the same values is another "
          "tensor")
    probe("no grad", lambda: uses_of(torch.tensor(3.0) * 2, x),
          "uses_of must return 0 for a result that needs no gradient (it has no grad_fn)")
    u = a.exp()
    probe("shared exp", lambda: uses_of((u * u + u).sum(), a), others)

    def doubled():
        t = a
        for _ in range(14):
            t = t + t
        return uses_of(t.sum(), a)

    probe("14 doublings", doubled,
          "uses_of is wrong on a graph where many paths lead to the same nodes: visit each node "
          "once")
