"""Plausible wrong answers for lesson 03 (see tests/test_wrong_answers.py)."""

WRONG = [
    {
        "exercise": "ex1_tests",
        "why": "walks the graph as a tree: a node reached along two edges is listed twice",
        "source": """def op_names(t):
    names = []

    def walk(node):
        if node is None:
            return
        names.append(node.name())
        for child, _ in node.next_functions:
            walk(child)

    walk(t.grad_fn)
    return names
""",
        "visible": "should be",
    },
    {
        "exercise": "ex1_tests",
        "why": "remembers node names instead of nodes: two different addition nodes count once",
        "source": """def op_names(t):
    if t.grad_fn is None:
        return []
    names, todo = [], [t.grad_fn]
    while todo:
        node = todo.pop()
        if node.name() in names:
            continue
        names.append(node.name())
        todo.extend(child for child, _ in node.next_functions if child is not None)
    return names
""",
        "visible": "should be",
    },
    {
        "exercise": "ex2_tests",
        "why": "tests membership with `in`, which compares tensors by value (==)",
        "source": """def leaf_inputs(t, names):
    leaves, seen, todo = [], set(), [t.grad_fn]
    while todo:
        node = todo.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        if hasattr(node, "variable"):
            leaves.append(node.variable)
        todo.extend(child for child, _ in node.next_functions)
    return sorted(name for name, tensor in names.items() if tensor in leaves)
""",
        "visible": "compare tensors with `is`",
    },
    {
        "exercise": "ex2_tests",
        "why": "lists every tensor that requires grad, leaf or not, used or not",
        "source": """def leaf_inputs(t, names):
    return sorted(name for name, tensor in names.items() if tensor.requires_grad)
""",
        "visible": "sends gradients to the leaves a and b only",
    },
    {
        "exercise": "ex3_tests",
        "why": "no cache: measures shared nodes once per path (2**n reads of next_functions)",
        "source": """def longest_chain(t):
    def length(node):
        if node is None or node.name() == "AccumulateGrad":
            return 0
        return 1 + max((length(c) for c, _ in node.next_functions), default=0)

    return length(t.grad_fn)
""",
        "visible": "memoise",
    },
    {
        "exercise": "ex3_tests",
        "why": "counts the AccumulateGrad node as an operation (one too many)",
        "source": """def longest_chain(t):
    memo = {}

    def length(node):
        if node is None:
            return 0
        if node not in memo:
            memo[node] = 1 + max((length(c) for c, _ in node.next_functions), default=0)
        return memo[node]

    return length(t.grad_fn)
""",
        "visible": "longest chain has 3 operations",
    },
    {
        "exercise": "ex4_tests",
        "why": "walks the graph as a tree: a shared node's edges to x are counted once per path",
        "source": """def uses_of(t, leaf):
    def count(node):
        if node is None:
            return 0
        total = 0
        for child, _ in node.next_functions:
            if getattr(child, "variable", None) is leaf:
                total += 1
            total += count(child)
        return total

    return count(t.grad_fn)
""",
        "visible": "visit each node once",
    },
    {
        "exercise": "ex4_tests",
        "why": "counts nodes that use x, not edges: x * x gives 1",
        "source": """def uses_of(t, leaf):
    seen, todo, users = set(), [t.grad_fn], 0
    while todo:
        node = todo.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        if any(getattr(c, "variable", None) is leaf for c, _ in node.next_functions):
            users += 1
        todo.extend(c for c, _ in node.next_functions)
    return users
""",
        "visible": "count edges, not nodes",
    },
    {
        "exercise": "ex4_tests",
        "why": "compares the leaf with == (by value): another tensor with the same value counts",
        "source": """def uses_of(t, leaf):
    seen, todo, count = set(), [t.grad_fn], 0
    while todo:
        node = todo.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        for child, _ in node.next_functions:
            if child is not None and hasattr(child, "variable") and bool(child.variable == leaf):
                count += 1
            todo.append(child)
    return count
""",
        "visible": "compare tensors with `is`",
    },
]
