"""Probes of lesson 09 (build your own autograd): what the judge checks in each exercise
(docs/authoring.md).

Each function is named after an exercise's test cell. It runs in the grading kernel after the
student's cells; every probe's value is compared, in the grader, with the value the same probe
returns on the solution. Messages are shown to the student; the inputs here are not.

The student's engine is the notebook's `Value` class, with the operations each exercise attaches
to it (`Value.__add__ = __add__`, ...): the probes use it through `answer.Value` and Python's
operators, as the original tests did. As in the original tests, Exercise 3 uses the student's
`topo_order`. Exercise 5 (dual numbers) uses no other exercise.
"""

import contextlib
import random

import autograd_lib as torch
from autograd_course import spies

# -- Exercise 1: + and * ------------------------------------------------------------------------


def ex1_tests(answer, probe):
    Value = answer.Value

    # the visible tests: a = 2, b = -3
    def add_visible():
        a, b = Value(2.0), Value(-3.0)
        c = a + b
        info = {"Value": isinstance(c, Value), "data": c.data, "prev": c._prev == (a, b),
                "op": c._op}
        c.grad = 1.0
        c._backward()
        return dict(info, grads=[a.grad, b.grad])

    probe("a + b is a Value", lambda: add_visible()["Value"],
          "a + b with a = 2, b = -3 should be a Value")
    probe("a + b data", lambda: add_visible()["data"],
          "(a + b).data should be -1 with a = 2, b = -3")
    probe("a + b prev", lambda: add_visible()["prev"],
          "(a + b)._prev should be the tuple (a, b): the parents, in order")
    probe("a + b op", lambda: add_visible()["op"], "(a + b)._op should be '+'")
    probe("a + b grads", lambda: add_visible()["grads"],
          "a.grad and b.grad after c = a + b, c.grad = 1, c._backward() should both be 1")

    def mul_visible():
        a, b = Value(2.0), Value(-3.0)
        d = a * b
        info = {"Value": isinstance(d, Value), "data": d.data, "prev": d._prev == (a, b),
                "op": d._op}
        d.grad = 10.0
        d._backward()
        return dict(info, grads=[a.grad, b.grad])

    probe("a * b is a Value", lambda: mul_visible()["Value"],
          "a * b with a = 2, b = -3 should be a Value")
    probe("a * b data", lambda: mul_visible()["data"],
          "(a * b).data should be -6 with a = 2, b = -3")
    probe("a * b prev", lambda: mul_visible()["prev"],
          "(a * b)._prev should be the tuple (a, b): the parents, in order")
    probe("a * b op", lambda: mul_visible()["op"], "(a * b)._op should be '*'")
    probe("a * b grads", lambda: mul_visible()["grads"],
          "a.grad and b.grad after d = a * b, d.grad = 10, d._backward() should be "
          "b.data * d.grad and a.data * d.grad")

    def square_after_earlier():
        a = Value(3.0)
        a.grad = 1.0
        e = a * a
        e.grad = 1.0
        e._backward()
        return a.grad

    probe("a * a accumulates", square_after_earlier,
          "a.grad after e = a * a (a.grad was 1 before) should be 1 + 2 * 3: add with +=, "
          "don't overwrite")

    numbers = "a + 1, 1 + a, a * 2 and 2 * a (with a = 4) should be Values with the right data: " \
              "wrap a number in a Value first"
    for text, f in [("a + 1", lambda a: a + 1), ("1 + a", lambda a: 1 + a),
                    ("a * 2", lambda a: a * 2), ("2 * a", lambda a: 2 * a)]:
        probe(f"{text} visible", lambda: (lambda r: [isinstance(r, Value), r.data])(f(Value(4.0))),
              numbers)

    def times_two():
        a = Value(4.0)
        f = a * 2
        f.grad = 1.0
        f._backward()
        return a.grad

    probe("a * 2 grad", times_two, "a.grad after f = a * 2, f.grad = 1, f._backward() should be 2")

    # the hidden tests: random numbers, gradients that already hold contributions
    rng = random.Random(9001)
    cases = [tuple(rng.uniform(-5, 5) for _ in range(4)) for _ in range(25)]

    def run(op):
        out = []
        for x0, y0, g, g0 in cases:
            a, b = Value(x0), Value(y0)
            a.grad, b.grad = g0, -g0
            c = op(a, b)
            info = [c._prev == (a, b), c._op, c.data]
            c.grad = g
            c._backward()
            out.append(info + [a.grad, b.grad])
        return out

    probe("add random", lambda: [r[:2] for r in run(lambda a, b: a + b)],
          "a + b must have _prev (a, b) and _op '+' for any a, b")
    probe("add random values", lambda: [r[2:] for r in run(lambda a, b: a + b)],
          "a + b has the wrong data, or its _backward adds the wrong amounts to a.grad and "
          "b.grad when they already hold earlier contributions")
    probe("mul random", lambda: [r[:2] for r in run(lambda a, b: a * b)],
          "a * b must have _prev (a, b) and _op '*' for any a, b")
    probe("mul random values", lambda: [r[2:] for r in run(lambda a, b: a * b)],
          "a * b has the wrong data, or its _backward adds the wrong amounts to a.grad and "
          "b.grad when they already hold earlier contributions")

    def same_operand(op):
        out = []
        for x0, _, g, _ in cases:
            a = Value(x0)
            s = op(a)
            s.grad = g
            s._backward()
            out.append(a.grad)
        return out

    probe("a + a", lambda: same_operand(lambda a: a + a),
          "a.grad after a + a is wrong: both operands are a, and both contributions must add up")
    probe("a * a", lambda: same_operand(lambda a: a * a),
          "a.grad after a * a is wrong: both operands are a, and both contributions must add up")

    def times_number():
        out = []
        for x0, y0, g, _ in cases:
            a = Value(x0)
            q = a * y0
            info = [isinstance(q._prev[1], Value), q._prev[0] is a, q.data]
            q.grad = g
            q._backward()
            out.append(info + [a.grad])
        return out

    probe("a * number parents", lambda: [r[:2] for r in times_number()],
          "in a * number, _prev should be (a, Value(number)): wrap the number in a Value")
    probe("a * number values", lambda: [r[2:] for r in times_number()],
          "a * number has the wrong data or gives a the wrong gradient")
    probe("number + a", lambda: [(y0 + Value(x0)).data for x0, y0, _, _ in cases],
          "(number + a).data is wrong")
    probe("number * a", lambda: [(y0 * Value(x0)).data for x0, y0, _, _ in cases],
          "(number * a).data is wrong")


# -- Exercise 2: topo_order ---------------------------------------------------------------------


def _chain(Value, n):
    """The notebook's chain(n): n + 1 values, each computed from the previous one."""
    start = end = Value(0.0)
    for i in range(n):
        end = Value(i + 1.0, (end,), "step")
    return start, end


def _order_properties(order, root, expected):
    """What the original tests asserted about topo_order's result, as booleans."""
    if not isinstance(order, list):
        return {"list": False}
    props = {"list": True, "once each": len(set(order)) == len(order),
             "the reachable nodes": set(order) == set(expected)}
    if not props["the reachable nodes"]:
        return props
    position = {v: i for i, v in enumerate(order)}
    props["root last"] = order[-1] is root
    props["parents first"] = all(position[p] < position[v] for v in order for p in v._prev)
    return props


def ex2_tests(answer, probe):
    Value, topo_order = answer.Value, answer.topo_order
    rules = ("each node reachable from the root once, every node after all of its parents, the "
             "root last, as a list")

    def leaf():
        a = Value(1.0)
        return _order_properties(topo_order(a), a, [a])

    probe("leaf", leaf, "topo_order of a single leaf a should be the list [a]")

    def chain3():
        a = Value(1.0)
        b = Value(2.0, (a,))
        c = Value(3.0, (b,))
        return topo_order(c) == [a, b, c]

    probe("chain a b c", chain3, "on a chain a -> b -> c the order must be [a, b, c]")

    def diamond():
        a = Value(1.0)
        b = Value(2.0, (a,))
        c = Value(3.0, (a,))
        d = Value(4.0, (b, c))
        Value(5.0, (a,))  # e uses a but isn't part of d's graph
        return _order_properties(topo_order(d), d, [a, b, c, d])

    probe("diamond", diamond, f"topo_order is wrong on the diamond a -> (b, c) -> d: {rules}")

    def twice():
        a = Value(1.0)
        s = Value(1.0, (a, a))
        return _order_properties(topo_order(s), s, [a, s])

    probe("(a, a)", twice, f"topo_order is wrong on a node whose _prev is (a, a): {rules}")

    def deep(n):
        start, end = _chain(Value, n)
        order = topo_order(end)
        return [isinstance(order, list), len(order), order[0] is start, order[-1] is end]

    deep_message = ("on a very deep chain (the visible test has 50,000 steps), topo_order should "
                    "return the chain itself, start first; use a loop and a list as the stack, "
                    "no recursive calls")
    probe("chain 50,000", lambda: deep(50_000), deep_message)

    # the hidden tests: random graphs, a ladder, a wide node, a deeper chain
    def random_graphs():
        rng = random.Random(4242)
        out = []
        for _ in range(30):
            nodes = [Value(float(i)) for i in range(rng.randint(1, 4))]
            for i in range(rng.randint(1, 60)):
                parents = tuple(rng.choice(nodes) for _ in range(rng.randint(0, 3)))
                nodes.append(Value(float(i), parents, "f"))
            root = rng.choice(nodes[len(nodes) // 2:])
            reachable, todo = {root}, [root]
            while todo:
                for p in todo.pop()._prev:
                    if p not in reachable:
                        reachable.add(p)
                        todo.append(p)
            out.append(_order_properties(topo_order(root), root, reachable))
        return out

    probe("random graphs", random_graphs,
          f"topo_order is wrong on other graphs (with shared parents, repeated parents, nodes "
          f"not reachable from the root): {rules}")

    def ladder():
        left = right = Value(1.0)
        rungs = [left]
        for _ in range(30):
            left, right = Value(0.0, (left, right)), Value(0.0, (right, left))
            rungs += [left, right]
        top = Value(0.0, (left, right))
        return _order_properties(topo_order(top), top, rungs + [top])

    probe("ladder", ladder,
          f"topo_order is wrong on a graph whose nodes are reached along very many paths "
          f"(visit each node only once): {rules}")

    def wide():
        leaves = [Value(float(i)) for i in range(20_000)]
        root = Value(0.0, leaves)
        return _order_properties(topo_order(root), root, leaves + [root])

    probe("wide", wide, f"topo_order is wrong on a node with very many parents: {rules}")

    def skip_connections():
        # parents met again at a deeper level: a reversed breadth-first order is wrong here
        a = Value(0.0)
        b = Value(1.0, (a,))
        c = Value(2.0, (b,))
        d = Value(3.0, (c,))
        e = Value(4.0, (b, d))
        f = Value(5.0, (e, a, c))
        return [_order_properties(topo_order(e), e, [a, b, c, d, e]),
                _order_properties(topo_order(f), f, [a, b, c, d, e, f])]

    probe("skip connections", skip_connections,
          "topo_order puts a node before one of its parents when a parent is also reached by a "
          "longer path (a reversed breadth-first order is not a topological order)")
    probe("chain 80,000", lambda: deep(80_000), deep_message)


# -- Exercise 3: backward -----------------------------------------------------------------------


def ex3_tests(answer, probe):
    Value = answer.Value

    def node(parents=(), local=()):
        """A Value made by an operation whose local derivatives are the numbers `local`."""
        out = Value(0.0, parents, "f")

        def _backward():
            for parent, derivative in zip(parents, local):
                parent.grad += derivative * out.grad

        out._backward = _backward
        return out

    def path():
        x = Value(1.0)
        y = node((x,), (3.0,))
        z = node((y,), (5.0,))
        z.backward()
        return [z.grad, y.grad, x.grad]

    probe("x -> y -> z", path,
          "after z.backward() on x -> y -> z (dy/dx = 3, dz/dy = 5), z.grad should be the seed 1, "
          "y.grad 5 and x.grad 3 * 5")

    def two_paths():
        x = Value(1.0)
        u = node((x,), (2.0,))
        v = node((x,), (7.0,))
        w = node((u, v), (1.0, 10.0))
        w.backward()
        return x.grad

    probe("two paths", two_paths,
          "x.grad is wrong when x reaches w along two paths: the contributions add up")

    def used_twice():
        a = Value(1.0)
        b = node((a,), (2.0,))
        c = node((b,), (3.0,))
        d = node((b, c), (7.0, 5.0))
        d.backward()
        return [b.grad, a.grad]

    probe("b used by c and d", used_twice,
          "b.grad or a.grad is wrong when b is used by c and by d: run the _backward()s in "
          "reverse topological order (d, c, b, a)")

    def deep():
        x = Value(1.0)
        y = x
        for _ in range(50_000):
            y = node((y,), (1.0,))
        y.backward()
        return x.grad

    probe("chain 50,000", deep,
          "backward() fails or is wrong on a chain 50,000 deep (no recursion, anywhere)")

    def random_graphs():
        rng = random.Random(777)
        out = []
        for _ in range(30):
            nodes = [Value(0.0) for _ in range(rng.randint(1, 4))]
            for _ in range(rng.randint(1, 50)):
                k = rng.randint(1, 3)
                parents = tuple(rng.choice(nodes) for _ in range(k))
                local = tuple(rng.uniform(-2, 2) for _ in range(k))
                nodes.append(node(parents, local))
            nodes[-1].backward()
            out.append([v.grad for v in nodes])
        return out

    probe("random graphs", random_graphs,
          "backward() gives wrong gradients on other graphs (shared and repeated parents, "
          "several paths)")


# -- Exercise 4: **, exp, tanh, relu ------------------------------------------------------------


def _one_step(Value, op, x0, upstream=2.0, before=0.5):
    """op applied to x = Value(x0) (x.grad = before), only the result's _backward run, with
    result.grad = upstream: [is a Value, _prev is (x,), result.data, what it added to x.grad]."""
    x = Value(x0)
    x.grad = before
    out = op(x)
    info = [isinstance(out, Value), out._prev == (x,)]
    out.grad = upstream
    out._backward()
    return info + [out.data, x.grad - before]


def ex4_tests(answer, probe):
    Value = answer.Value
    structure = "the result of x ** n, x.exp(), x.tanh(), x.relu() should be a Value with " \
                "_prev (x,): its only parent"

    visible = [  # text, op, x
        ("x ** 3", lambda x: x ** 3, 2.0),
        ("x ** -1", lambda x: x ** -1, 4.0),
        ("x ** 0.5", lambda x: x ** 0.5, 9.0),
        ("x.exp()", lambda x: x.exp(), 1.0),
        ("x.tanh()", lambda x: x.tanh(), 0.5),
        ("x.relu()", lambda x: x.relu(), 1.5),
        ("x.relu()", lambda x: x.relu(), -1.0),
        ("x.relu()", lambda x: x.relu(), 0.0),
    ]
    for text, op, x0 in visible:
        probe(f"{text} at {x0} structure", lambda: _one_step(Value, op, x0)[:2], structure)
        probe(f"{text} at {x0} data", lambda: _one_step(Value, op, x0)[2],
              f"({text}).data at x = {x0} is wrong")
        probe(f"{text} at {x0} grad", lambda: _one_step(Value, op, x0)[3],
              f"what ({text})._backward() adds to x.grad at x = {x0} when the result's grad is 2 "
              "is wrong (local derivative times out.grad)")

    # the hidden tests: random points, upstream gradients and earlier contributions
    rng = random.Random(2718)
    hidden = [  # text, op, lowest x, highest x
        ("x ** 2", lambda x: x ** 2, -3.0, 3.0),
        ("x ** 4", lambda x: x ** 4, -2.0, 2.0),
        ("x ** -2", lambda x: x ** -2, 0.5, 3.0),
        ("x ** 1.5", lambda x: x ** 1.5, 0.1, 4.0),
        ("x ** 0", lambda x: x ** 0, 0.5, 3.0),
        ("x.exp()", lambda x: x.exp(), -3.0, 3.0),
        ("x.tanh()", lambda x: x.tanh(), -3.0, 3.0),
        ("x.relu()", lambda x: x.relu(), -3.0, 3.0),
    ]
    for text, op, lo, hi in hidden:
        points = []
        for _ in range(8):
            x0 = rng.randint(int(lo * 1024), int(hi * 1024)) / 1024
            points.append((x0, rng.uniform(-3, 3), rng.uniform(-1, 1)))

        def run(op=op, points=points):
            return [_one_step(Value, op, *p) for p in points]

        probe(f"{text} random structure", lambda: [r[:2] for r in run()], structure)
        probe(f"{text} random data", lambda: [r[2] for r in run()],
              f"{text} computes the wrong value at other points", rtol=1e-9)
        probe(f"{text} random grad", lambda: [r[3] for r in run()],
              f"{text} gives the wrong gradient at other points, or with other upstream "
              "gradients (add local derivative times out.grad to x.grad)", rtol=1e-9, atol=1e-12)


# -- Exercise 5: forward mode, Dual and grad_forward ---------------------------------------------


def _dual(Dual, r):
    """[is a Dual, val, der] of r."""
    return [isinstance(r, Dual), r.val, r.der]


def ex5_dual_tests(answer, probe):
    Dual, grad_forward = answer.Dual, answer.grad_forward

    probe("default der", lambda: [Dual(2.0).val, Dual(2.0).der],
          "Dual(2.0) should have val 2.0 and der 0.0 (der defaults to 0)")
    a, b = (2.0, 1.0), (-3.0, 0.5)
    visible = [
        ("a + b", lambda a, b: a + b), ("a * b", lambda a, b: a * b),
        ("a + 1", lambda a, b: a + 1), ("1 + a", lambda a, b: 1 + a),
        ("a * 3", lambda a, b: a * 3), ("3 * a", lambda a, b: 3 * a),
        ("a.sin()", lambda a, b: a.sin()), ("b.exp()", lambda a, b: b.exp()),
    ]
    for text, op in visible:
        probe(f"visible {text}", lambda: _dual(Dual, op(Dual(*a), Dual(*b))),
              f"{text} with a = Dual(2, 1), b = Dual(-3, 0.5) should be a new Dual with the right "
              "val and der")

    rng = random.Random(60221)
    points = [(rng.uniform(-2, 2), rng.uniform(-2, 2), rng.uniform(-2, 2), rng.uniform(-2, 2))
              for _ in range(12)]
    ops = [
        ("+", lambda a, b: a + b), ("*", lambda a, b: a * b),
        ("number +", lambda a, b: 1.75 + a), ("+ number", lambda a, b: b + -0.5),
        ("number *", lambda a, b: -2.5 * b), ("* number", lambda a, b: a * 0.25),
        ("sin", lambda a, b: a.sin()), ("exp", lambda a, b: b.exp()),
        ("a * a", lambda a, b: a * a), ("nested", lambda a, b: (a * b).sin() * (a + b).exp()),
    ]
    for text, op in ops:
        probe(f"random {text}",
              lambda: [_dual(Dual, op(Dual(p, q), Dual(r, s))) for p, q, r, s in points],
              f"Dual gives a wrong val or der for {text} at other values", rtol=1e-9, atol=1e-12)

    def counted(f):
        calls = []

        def g(*args):
            calls.append(1)
            return f(*args)
        return g, calls

    Value = answer.Value

    def run(f, xs):
        g, calls = counted(f)
        with contextlib.ExitStack() as stack:
            spied = [stack.enter_context(spies.calls(torch.Tensor, "backward"))]
            if "backward" in Value.__dict__:
                spied.append(stack.enter_context(spies.calls(Value, "backward")))
            grads = grad_forward(g, xs)
        return {"list of floats": isinstance(grads, list) and all(type(v) is float for v in grads),
                "one call per input": len(calls) == len(xs),
                "no backward": sum(spy.count for spy in spied) == 0, "grads": list(grads)}

    def visible_g(p, q, r):
        return p * q + r.exp() * p + q.sin()

    probe("visible kind", lambda: {k: v for k, v in run(visible_g, [0.5, -1.2, 2.0]).items()
                                   if k != "grads"},
          "grad_forward should return a list of floats, call f once per input, and call no "
          "backward() (forward mode, with Dual)")
    probe("visible grads", lambda: run(visible_g, [0.5, -1.2, 2.0])["grads"],
          "grad_forward gives the wrong gradient of p*q + exp(r)*p + sin(q) at (0.5, -1.2, 2): "
          "seed one input at a time", rtol=1e-9)

    functions = [
        (lambda x: (x * x).sin() * 3, 1),
        (lambda x, y: x * y * y + (x + 1).exp(), 2),
        (lambda u, v, w, z: (u * v + w).sin() * z + 2 * u.exp() * w + z * z * z, 4),
        (lambda *v: sum((k + 1) * x.sin() * v[0] for k, x in enumerate(v)), 7),
    ]
    for k, (f, n) in enumerate(functions):
        xs = [round(rng.uniform(-1.5, 1.5), 3) for _ in range(n)]
        probe(f"function {k} kind", lambda: {key: v for key, v in run(f, xs).items()
                                             if key != "grads"},
              "grad_forward should return a list of floats, call f exactly once per input, for "
              "any number of inputs, and call no backward()")
        probe(f"function {k} grads", lambda: run(f, xs)["grads"],
              "grad_forward gives wrong gradients for other functions and points", rtol=1e-9,
              atol=1e-12)
