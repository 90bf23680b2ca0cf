"""The backward pass: walk the graph from the output to the leaves, applying the chain rule.

1. Count, for every node reachable from the outputs, how many edges point at it (its
   dependencies). A node may only run once *all* gradients for its output have arrived.
2. Start with the gradient of each output (``1`` for a scalar loss) in its node's buffer.
3. Repeatedly take a ready node (all dependencies done), apply its backward formula, and add
   each resulting gradient into the buffer of the corresponding next node. Ready nodes run in
   reverse creation order (a priority queue on the sequence number, as PyTorch's engine does);
   leaf accumulators run as soon as they are ready.

Everything is a loop over an explicit queue: no recursion, so a graph 100,000 ops deep works.
"""

import heapq

import numpy as np

from .. import grad_mode
from .graph import AccumulateGrad, run_hooks


def root_node(tensor, i):
    """The node a backward pass starts from for output ``tensor``."""
    if tensor._grad_fn is not None:
        return tensor._grad_fn
    if tensor._requires_grad:
        return tensor._grad_accumulator()
    raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")


def _dependencies(roots):
    """How many edges point at each node reachable from ``roots`` (iteratively, no recursion)."""
    deps = {}
    stack = list(roots)
    seen = set(stack)
    while stack:
        node = stack.pop()
        for child, _ in node.next_functions:
            if child is None:
                continue
            deps[child] = deps.get(child, 0) + 1
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return deps, seen


def _needed(roots, deps, targets):
    """Nodes from which some target node can be reached (only those run for autograd.grad)."""
    order, remaining = [], dict(deps)
    ready = [n for n in set(roots) if remaining.get(n, 0) == 0]
    while ready:  # Kahn's algorithm: a topological order, outputs first
        node = ready.pop()
        order.append(node)
        for child, _ in node.next_functions:
            if child is not None:
                remaining[child] -= 1
                if remaining[child] == 0:
                    ready.append(child)
    needed = set()
    for node in reversed(order):  # leaves first
        if node in targets or any(c in needed for c, _ in node.next_functions if c is not None):
            needed.add(node)
    return needed


def _owned(total, summed, g, grad_in, grads_out):
    """Is the array ``total`` referenced by nothing but the engine? True when it is a sum the
    engine made, or a new, non-view array that a formula returned for this one input only (not
    its own incoming gradient passed through, as ``+`` does)."""
    if summed:
        return True  # the engine added several gradients into a new array
    return (
        total is g
        and g is not grad_in
        and getattr(g, "base", 0) is None
        and sum(1 for x in grads_out if x is g) == 1
    )


def run_backward(roots, root_grads, retain_graph, create_graph, targets=None):
    """Run the backward pass from ``roots`` (nodes) seeded with ``root_grads``.

    With ``targets`` (a dict node -> None, for ``autograd.grad``), the gradients arriving at
    those nodes are captured into the dict instead of being accumulated into leaves' ``.grad``.
    """
    deps, _ = _dependencies(roots)
    needed = None if targets is None else _needed(roots, deps, targets)
    buffers = {}  # node -> the sum of the gradients that reached it so far
    summed = set()  # nodes whose buffer is a sum the engine made (an array nobody else holds)
    for node, grad in zip(roots, root_grads):
        buffers[node] = grad if node not in buffers else buffers[node] + grad
    ready = [(-node._seq, node) for node in buffers if deps.get(node, 0) == 0]
    heapq.heapify(ready)

    state = grad_mode._state
    previous, state.enabled = state.enabled, create_graph  # record only for create_graph
    quiet = np.errstate(all="ignore")  # inf/nan gradients come silently, as in PyTorch
    quiet.__enter__()
    try:
        while ready:
            node = heapq.heappop(ready)[1]
            grad = buffers.pop(node, None)
            if node._pre_hooks and grad is not None:  # tensor hooks, retain_grad
                grad = run_hooks(node._pre_hooks, grad)
            if targets is not None and node in targets:
                targets[node] = grad  # autograd.grad: capture it
                if type(node) is AccumulateGrad:
                    continue  # ... and leave the leaf's .grad alone
            if grad is None:  # no gradient reached this node: nothing flows on
                grads = (None,) * len(node.next_functions)
            else:
                grads = node.apply(grad, create_graph)  # the chain rule for this op
                if not retain_graph:
                    node.release()
            for (child, _), g in zip(node.next_functions, grads):
                if child is None or (needed is not None and child not in needed):
                    continue
                if g is not None:
                    prev = buffers.get(child)
                    if prev is None:
                        buffers[child] = g
                    else:
                        buffers[child] = prev + g
                        summed.add(child)
                remaining = deps[child] - 1
                deps[child] = remaining
                if remaining == 0:
                    if targets is None and type(child) is AccumulateGrad:
                        # A leaf is complete: accumulate into .grad now (PyTorch gives leaf
                        # accumulators the highest priority too).
                        total = buffers.pop(child, None)
                        if total is not None:
                            owned = _owned(total, child in summed, g, grad, grads)
                            child.apply(total, create_graph, owned)
                    else:
                        heapq.heappush(ready, (-child._seq, child))
    finally:
        state.enabled = previous
        quiet.__exit__(None, None, None)
