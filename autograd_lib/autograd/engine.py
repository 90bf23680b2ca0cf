"""The backward pass: walk the graph from the output to the leaves, applying the chain rule.

1. Collect every node reachable from the outputs, and put them in reverse creation order
   (newest first). A node is always created after the nodes of its inputs, so in this order
   every node comes after all the nodes that consume its output: when we reach it, all the
   gradients for its output have arrived. (PyTorch's engine runs ready nodes by the same
   sequence number, so the order is the same; a sort replaces its priority queue.)
2. Start with the gradient of each output (``1`` for a scalar loss) in its node's buffer.
3. For each node in that order, apply its backward formula to the gradient in its buffer and
   add each resulting gradient into the buffer of the corresponding next node.

Leaves are the exception: a leaf's ``AccumulateGrad`` adds into ``.grad`` as soon as its last
gradient has arrived (PyTorch gives leaf accumulators the highest priority too), so the engine
counts the edges into each leaf.

Everything is a loop over an explicit list: no recursion, so a graph 100,000 ops deep works.
"""

import itertools
import operator

import numpy as np

from .. import grad_mode
from .graph import AccumulateGrad, run_hooks

_creation_order = operator.attrgetter("_seq")
_no_grads = itertools.repeat(None)  # what a node that received no gradient passes on


def root_node(tensor, i):
    """The node a backward pass starts from for output ``tensor``."""
    if tensor._grad_fn is not None:
        return tensor._grad_fn
    if tensor._requires_grad:
        return tensor._grad_accumulator()
    raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")


def _graph(roots):
    """The nodes reachable from ``roots``, newest first, and for each leaf accumulator the number
    of edges that point at it (iteratively, no recursion)."""
    seen = set(roots)
    stack = list(seen)
    leaf_edges = {}
    while stack:
        for child, _ in stack.pop().next_functions:
            if child is None:
                continue
            if type(child) is AccumulateGrad:
                leaf_edges[child] = leaf_edges.get(child, 0) + 1
            elif child not in seen:
                seen.add(child)
                stack.append(child)
    # A sort of all nodes (in C) is cheaper than keeping a priority queue of ready ones in Python:
    # 0.4 us less per node in a 100-op chain.
    order = sorted(seen, key=_creation_order, reverse=True)
    return order, leaf_edges


def _needed(order, targets):
    """Nodes from which some target node can be reached (only those run for autograd.grad)."""
    needed = set(targets)
    for node in reversed(order):  # producers before consumers
        if node not in needed and any(c in needed for c, _ in node.next_functions):
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
    order, leaf_edges = _graph(roots)
    needed = None if targets is None else _needed(order, targets)
    buffers = {}  # node -> the sum of the gradients that reached it so far
    summed = set()  # nodes whose buffer is a sum the engine made (an array nobody else holds)
    for node, grad in zip(roots, root_grads):
        buffers[node] = grad if node not in buffers else buffers[node] + grad

    def finish_leaf(leaf, g=None, grad_in=None, grads_out=()):
        """All gradients for this leaf are in: capture them, or add them into ``.grad``."""
        total = buffers.pop(leaf, None)
        if leaf._pre_hooks and total is not None:
            total = run_hooks(leaf._pre_hooks, total)
        if targets is not None:
            if leaf in targets:
                targets[leaf] = total  # autograd.grad: capture it, leave .grad alone
        elif total is not None:
            leaf.apply(total, create_graph, _owned(total, leaf in summed, g, grad_in, grads_out))

    state = grad_mode._state
    previous, state.enabled = state.enabled, create_graph  # record only for create_graph
    quiet = np.errstate(all="ignore")  # inf/nan gradients come silently, as in PyTorch
    quiet.__enter__()
    try:
        for root in roots:  # backward() of a leaf itself
            if type(root) is AccumulateGrad and root not in leaf_edges and root in buffers:
                finish_leaf(root)
        for node in order:
            if needed is not None and node not in needed:
                continue
            grad = buffers.pop(node, None)
            if node._pre_hooks and grad is not None:  # tensor hooks, retain_grad
                grad = run_hooks(node._pre_hooks, grad)
            if targets is not None and node in targets:
                targets[node] = grad  # autograd.grad: capture it
            if grad is None:  # no gradient reached this node: nothing flows on
                grads = _no_grads
            else:
                grads = node.apply(grad, create_graph, not retain_graph)  # the chain rule
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
                if type(child) is AccumulateGrad:
                    left = leaf_edges[child] - 1
                    leaf_edges[child] = left
                    if left == 0:
                        finish_leaf(child, g, grad, grads)
    finally:
        state.enabled = previous
        quiet.__exit__(None, None, None)
