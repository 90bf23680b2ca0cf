"""Probes of lesson 09 (build your own autograd): what the judge checks in each exercise
(docs/authoring.md).

Each function is named after an exercise's test cell. It runs in the grading kernel after the
student's cells; every probe's value is compared, in the grader, with the value the same probe
returns on the solution. Messages are shown to the student; the inputs here are not.

The student's engine is the notebook's `Value` class, with the operations each exercise attaches
to it (`Value.__add__ = __add__`, ...): the probes use it through `answer.Value` and Python's
operators, as the original tests did. As in the original tests, Exercise 3 uses the student's
`topo_order`, Exercise 5 their Exercises 1 to 4, Exercises 6 and 7 the whole engine.
"""

import random

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


# -- Exercise 5: -, / and their reflected versions ----------------------------------------------


def _value_and_grads(Value, f, a0, b0):
    """f(a, b) with the student's engine: [is a Value, value, [d/da, d/db]]."""
    a, b = Value(a0), Value(b0)
    out = f(a, b)
    is_value = isinstance(out, Value)
    out.backward()
    return [is_value, out.data, [a.grad, b.grad]]


def ex5_tests(answer, probe):
    Value = answer.Value

    visible = [  # the visible tests, at a = 3, b = -2
        ("-a", lambda a, b: -a),
        ("a - b", lambda a, b: a - b),
        ("a - 1", lambda a, b: a - 1),
        ("2 - a", lambda a, b: 2 - a),
        ("a / b", lambda a, b: a / b),
        ("a / 2", lambda a, b: a / 2),
        ("6 / a", lambda a, b: 6 / a),
        ("(a - b) / (a * b)", lambda a, b: (a - b) / (a * b)),
    ]
    for text, f in visible:
        probe(f"{text} is a Value", lambda: _value_and_grads(Value, f, 3.0, -2.0)[0],
              f"{text} should be a Value")
        probe(f"{text} value", lambda: _value_and_grads(Value, f, 3.0, -2.0)[1],
              f"the value of {text} at a = 3, b = -2 is wrong")
        probe(f"{text} grads", lambda: _value_and_grads(Value, f, 3.0, -2.0)[2],
              f"[d/da, d/db] of {text} at a = 3, b = -2 is wrong")

    rng = random.Random(161803)
    hidden = [
        ("-a * b", lambda a, b: -a * b),
        ("a - b - number", lambda a, b: a - b - 1.5),
        ("number - a + b", lambda a, b: 0.5 - a + b),
        ("a / b", lambda a, b: a / b),
        ("number / (a * b)", lambda a, b: 3.0 / (a * b)),
        ("(a - b) / (a + number) - number / b", lambda a, b: (a - b) / (a + 4.5) - 2.0 / b),
        ("-(a / -b) - (number - a)", lambda a, b: -(a / -b) - (1 - a)),
    ]
    for text, f in hidden:
        points = []
        for _ in range(6):
            a0 = rng.randint(-3072, 3072) / 1024
            b0 = rng.choice([-1, 1]) * rng.randint(512, 3072) / 1024
            points.append((a0, b0))

        def run(f=f, points=points):
            return [_value_and_grads(Value, f, a0, b0) for a0, b0 in points]

        probe(f"{text} random Value", lambda: [r[0] for r in run()],
              f"{text} should be a Value")
        probe(f"{text} random value", lambda: [r[1] for r in run()],
              f"{text} has the wrong value at other points", rtol=1e-9)
        probe(f"{text} random grads", lambda: [r[2] for r in run()],
              f"{text} has the wrong gradients at other points", rtol=1e-9, atol=1e-12)


# -- Exercise 6: one function, two engines ------------------------------------------------------


def _random_expressions(count=60, names=("p", "q", "r", "s")):
    """The hidden tests' random expressions and points: [(source, xs)]."""
    rng = random.Random(5772)

    def expr(depth):
        if depth == 0 or rng.random() < 0.1:
            return rng.choice(names)
        if rng.random() < 0.4:
            e = expr(depth - 1)
            return rng.choice([f"({e}).tanh()", f"({e}).relu()", f"(({e}).tanh() * 2).exp()",
                               f"({e}) ** 3", f"(({e}) ** 2 + 0.5) ** 0.5", f"-({e})"])
        left, right = expr(depth - 1), expr(depth - 1)
        if rng.random() < 0.3:
            c = f"({rng.uniform(-3, 3):.2f})"
            left, right = (c, right) if rng.random() < 0.5 else (left, c)
        op = rng.choice(["+", "-", "*", "/"])
        return f"({left}) / (({right}) ** 2 + 0.25)" if op == "/" else f"({left}) {op} ({right})"

    out = []
    for _ in range(count):
        source = expr(4)
        xs = [rng.randint(-1536, 1536) / 1024 for _ in names]
        out.append((eval(f"lambda {', '.join(names)}: {source}"), xs))
    return out


def _result_kind(result):
    """What the visible tests asserted about a (value, grads) pair."""
    if not (isinstance(result, tuple) and len(result) == 2):
        return {"pair": False}
    out, grads = result
    return {"pair": True, "float value": type(out) is float,
            "list of float gradients": isinstance(grads, list) and
            all(type(g) is float for g in grads)}


def ex6_tests(answer, probe):
    Value, value_grads, autograd_lib_grads = (
        answer.Value, answer.value_grads, answer.autograd_lib_grads)

    def f(a, b):
        return (a * b + a.tanh()) / (b ** 2 + 1)

    for name, fn in [("value_grads", value_grads), ("autograd_lib_grads", autograd_lib_grads)]:
        probe(f"{name} kind", lambda: _result_kind(fn(f, [0.5, -1.5])),
              f"{name} should return a tuple (value, grads): the value a float, the gradients a "
              "list of floats")
        probe(f"{name} value", lambda: fn(f, [0.5, -1.5])[0],
              f"{name}: the value of (a*b + tanh(a)) / (b**2 + 1) at (0.5, -1.5) is wrong",
              rtol=1e-12)
        probe(f"{name} grads", lambda: list(fn(f, [0.5, -1.5])[1]),
              f"{name}: the gradients of (a*b + tanh(a)) / (b**2 + 1) at (0.5, -1.5) are wrong",
              rtol=1e-12)

    def g(a, b):
        return a * 3.0  # b is not used

    probe("value_grads unused", lambda: list(value_grads(g, [2.0, 5.0])[1]),
          "value_grads of a * 3 (b unused) should give the gradients [3, 0]")
    probe("autograd_lib_grads unused", lambda: list(autograd_lib_grads(g, [2.0, 5.0])[1]),
          "autograd_lib_grads of a * 3 (b unused) should give [3, 0]: b.grad is None when no "
          "gradient reaches b; report 0.0 for it")
    probe("autograd_lib_grads float64", lambda: autograd_lib_grads(lambda a: a / 3,
                                                                   [1 + 2 ** -20])[0],
          "autograd_lib_grads of a / 3 at a = 1 + 2**-20 is not exact enough: use float64 "
          "tensors", rtol=1e-12, atol=1e-15)

    # the hidden tests: random expressions of 4 variables
    def engine():
        out = []
        for fn, xs in _random_expressions():
            inputs = [Value(x) for x in xs]
            y = fn(*inputs)
            y.backward()
            out.append([y.data, [v.grad for v in inputs]])
        return out

    probe("engine values", lambda: [r[0] for r in engine()],
          "your engine computes wrong values of random expressions (built from + - * / ** "
          "exp tanh relu, with numbers on either side)", rtol=1e-9, atol=1e-12)
    probe("engine grads", lambda: [r[1] for r in engine()],
          "your engine computes wrong gradients of random expressions (built from + - * / ** "
          "exp tanh relu, with numbers on either side)", rtol=1e-8, atol=1e-10)

    def through(fn):
        return [[r[0], list(r[1])] for r in (fn(f, xs) for f, xs in _random_expressions())]

    probe("random value_grads kinds", lambda: [_result_kind(value_grads(f, xs))
                                        for f, xs in _random_expressions()],
          "value_grads should return a tuple (value, grads) of floats for any function")
    probe("random value_grads values", lambda: [r[0] for r in through(value_grads)],
          "value_grads gives wrong values on random expressions", rtol=1e-9, atol=1e-12)
    probe("random value_grads grads", lambda: [r[1] for r in through(value_grads)],
          "value_grads gives wrong gradients on random expressions", rtol=1e-8, atol=1e-10)
    probe("random autograd_lib_grads kinds", lambda: [_result_kind(autograd_lib_grads(f, xs))
                                               for f, xs in _random_expressions()],
          "autograd_lib_grads should return a tuple (value, grads) of floats for any function")
    probe("random autograd_lib_grads values", lambda: through(autograd_lib_grads),
          "autograd_lib_grads gives wrong values or gradients on random expressions (float64 "
          "tensors that require grad, 0.0 for an input no gradient reaches)",
          rtol=1e-12, atol=1e-14)


# -- Exercise 7: the tutorial's regression with Value -------------------------------------------


def ex7_tests(answer, probe):
    fit_line = answer.fit_line

    def kind(result, epochs):
        if not (isinstance(result, tuple) and len(result) == 3):
            return {"(w, b, losses)": False}
        w, b, losses = result
        return {"(w, b, losses)": True, "float w and b": type(w) is float and type(b) is float,
                "a list of losses, one per epoch": isinstance(losses, list) and
                len(losses) == epochs,
                "float losses": isinstance(losses, list) and all(type(v) is float for v in losses)}

    def fit(xs, ys, lr, epochs):
        w, b, losses = fit_line(xs, ys, lr=lr, epochs=epochs)
        return {"w": w, "b": b, "losses": list(losses)}

    xs, ys = [1.0, 2.0, 3.0], [2.0, 3.0, 4.0]
    probe("default kind", lambda: kind(fit_line(xs, ys), 100),
          "fit_line(xs, ys) should return a tuple (w, b, losses): w and b floats (w.data, not "
          "Values), losses a list of 100 floats (loss.data)")
    probe("first loss", lambda: fit_line(xs, ys)[2][0],
          "the loss of epoch 0, with w = b = 0, should be the mean of y**2 (computed before the "
          "first update)")
    probe("kind", lambda: kind(fit_line(xs, ys, lr=0.01, epochs=100), 100),
          "fit_line(xs, ys, lr=0.01, epochs=100) should return a tuple (w, b, losses) of floats, "
          "with one loss per epoch")
    probe("tutorial's fit", lambda: fit(xs, ys, 0.01, 100),
          "the losses or the final w and b of the tutorial's fit (xs = [1, 2, 3], "
          "ys = [2, 3, 4], lr = 0.01, 100 epochs) are wrong (if the losses drift away, reset "
          "w.grad and b.grad to 0 every epoch)", rtol=1e-8)

    rng = random.Random(1414)
    for k in range(3):
        n = rng.randint(2, 7)
        hxs = [rng.randint(-2048, 2048) / 1024 for _ in range(n)]
        hys = [round((-1.5 * x + 0.7 + rng.gauss(0, 0.1)) * 1024) / 1024 for x in hxs]
        lr, epochs = rng.choice([0.02, 0.05, 0.1]), rng.randint(5, 60)
        probe(f"random fit {k} kind",
              lambda: kind(fit_line(hxs, hys, lr=lr, epochs=epochs), epochs),
              "with other points, learning rates and numbers of epochs, fit_line should return "
              "(w, b, losses): floats, and one loss per epoch")
        probe(f"random fit {k}", lambda: fit(hxs, hys, lr, epochs),
              "fit_line gives wrong losses or parameters for other points, learning rates and "
              "numbers of epochs (use lr and epochs, and the mean over all the points)",
              rtol=1e-8)
