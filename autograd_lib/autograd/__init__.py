"""``autograd_lib.autograd``: ``backward``, ``grad``, ``Function``, ``gradcheck``, ``profiler``.

``backward`` accumulates gradients into the leaves' ``.grad``; ``grad`` returns them instead,
touching no ``.grad``. Both hand the real work to the engine (``engine.py``).
"""

import numpy as np

from .. import backend
from ..creation import tensor, zeros_like
from ..tensor import Tensor
from . import forward_ad, profiler
from .engine import root_node, run_backward
from .function import Function, once_differentiable
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .graph import AccumulateGrad, Node

__all__ = [
    "backward", "grad", "gradcheck", "gradgradcheck", "GradcheckError", "Node", "AccumulateGrad",
    "Function", "once_differentiable", "profiler", "forward_ad",
]


def _as_tuple(x):
    if x is None:
        return None
    return (x,) if isinstance(x, Tensor) else tuple(x)


def _root_grads(outputs, grad_outputs, create_graph):
    """The gradient each output starts with: ``1`` for a scalar, else the one given."""
    grads = []
    for i, out in enumerate(outputs):
        g = None if grad_outputs is None else grad_outputs[i]
        if g is None:
            if out._data.size != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if out._data.dtype.kind != "f":
                raise RuntimeError(
                    "grad can be implicitly created only for real scalar outputs but got "
                    f"{out.dtype}"
                )
            data = out._data
            if isinstance(data, np.generic):  # a NumPy scalar: its own type makes a 1
                g = data.dtype.type(1)
            else:
                g = backend.array_module(out._dev).ones(data.shape, dtype=data.dtype)
            grads.append(Tensor._make(g, False, None, out._dev) if create_graph else g)
            continue
        if not isinstance(g, Tensor):
            g = tensor(g, dtype=out.dtype, device=out.device)
        if g.shape != out.shape:
            raise RuntimeError(
                f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and output[{i}] "
                f"has a shape of {out.shape}."
            )
        if g._dev is not out._dev:
            raise RuntimeError(
                f"invalid gradient at index {i} - expected device {out.device} but got {g.device}"
            )
        if g.dtype is not out.dtype:
            g = g.to(out.dtype)
        grads.append(g if create_graph else g._data)
    return grads


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate the gradients of ``tensors`` into the ``.grad`` of the graph's leaves."""
    tensors = _as_tuple(tensors)
    grad_tensors = _as_tuple(grad_tensors)
    if inputs is not None:  # only these leaves receive gradients
        inputs = _as_tuple(inputs)
        grads = grad(tensors, inputs, grad_tensors, retain_graph, create_graph, allow_unused=True)
        for x, g in zip(inputs, grads):
            if g is not None:
                x._grad = g if x._grad is None else x._grad + g
        return
    if retain_graph is None:
        retain_graph = create_graph
    roots = [root_node(t, i) for i, t in enumerate(tensors)]
    run_backward(roots, _root_grads(tensors, grad_tensors, create_graph), retain_graph,
                 create_graph)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """The gradients of ``outputs`` with respect to ``inputs``, as a tuple (no ``.grad`` change)."""
    outputs = _as_tuple(outputs)
    inputs = _as_tuple(inputs)
    if allow_unused is None:
        allow_unused = materialize_grads
    if retain_graph is None:
        retain_graph = create_graph
    targets = {}
    nodes = []
    for x in inputs:
        if not x._requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
        node = x._grad_fn if x._grad_fn is not None else x._grad_accumulator()
        targets[node] = None
        nodes.append(node)
    roots = [root_node(t, i) for i, t in enumerate(outputs)]
    run_backward(roots, _root_grads(outputs, _as_tuple(grad_outputs), create_graph),
                 retain_graph, create_graph, targets)
    results = []
    for i, (x, node) in enumerate(zip(inputs, nodes)):
        g = targets[node]
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    f"The differentiated Tensor at index {i} appears to not have been used in the "
                    "graph. Set allow_unused=True if this is the desired behavior."
                )
            if materialize_grads:
                g = zeros_like(x)
        elif not isinstance(g, Tensor):
            g = Tensor._make(g.copy(), False, None, x._dev)
        results.append(g)
    return tuple(results)
