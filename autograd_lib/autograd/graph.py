"""The nodes of the backward graph, and the one place where the graph grows (``record``).

Every operation on a tensor that requires grad creates a ``Node`` (PyTorch calls it a
``grad_fn``). A node remembers two things:

* ``_next``: for each input of the operation, the node that produced that input (``None`` for
  inputs that need no gradient). Leaves that require grad are represented by an
  ``AccumulateGrad`` node, which adds the gradient that reaches it into the leaf's ``.grad``.
  PyTorch shows these edges as ``next_functions``: ``((node, 0), ...)``, the 0 saying which
  output of that node the input was.
* the values its backward formula needs (``save_for_backward``), checked against in-place
  changes with version counters, and freed after backward unless ``retain_graph=True``.

Every op records itself the same way (see ``record``): make the node from the inputs, save what
the formula needs, make the node the output's ``grad_fn``. A built-in op subclasses ``Node``
right next to its forward function (see ``autograd_lib/ops``) and writes
``backward(self, grad, *saved)``: the chain rule for that op, returning one gradient per input.
A user's ``autograd.Function`` gets a ``Node`` subclass made for it (``function.py``), whose
``backward`` calls the user's.

The built-in formulas use only arithmetic that works on both raw arrays and tensors, so the
same code runs fast on arrays for a normal backward, and on tensors, recording a new graph, for
``create_graph=True`` (which is how higher-order derivatives work).
"""

import itertools
import re

import numpy as np

from .._dtype import legacy_type_name
from ..backend import device_of
from ..grad_mode import _dual, _state
from ..tensor import Tensor
from .saved_tensors import (  # noqa: F401  (torch.autograd.graph's names)
    Packed,
    PackedValues,
    SavedTensor,
    disable_saved_tensors_hooks,
    pack,
    save_on_cpu,
    saved_tensors_hooks,
)

_sequence = itertools.count()

FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors after "
    "they have already been freed). Saved intermediate values of the graph are freed when you "
    "call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward "
    "through the graph a second time or if you need to access saved tensors after calling "
    "backward."
)


class Node:
    """A recorded operation in the backward graph (a ``grad_fn``)."""

    __slots__ = (
        "_next",  # (node or None, ...): the node of each input
        "_seq",  # creation order: backward runs later nodes first, as PyTorch does
        "_saved",  # saved inputs (tensors or plain values), () if none, None once freed
        "_versions",  # the version of each saved tensor when it was saved
        "_out",  # a saved output: (array, version counter, version), or None
        "_pre_hooks",  # hooks of the output tensor (register_hook / retain_grad), or None
        "__weakref__",
    )

    def __init__(self, *inputs):
        """Connect the node to the graph of each input (Tensors; other values get no edge)."""
        if len(inputs) == 1:  # most ops: spelled out, 0.1 us faster than the general case
            self._next = (_producer(inputs[0]),)
        elif len(inputs) == 2:
            self._next = (_producer(inputs[0]), _producer(inputs[1]))
        else:
            self._next = tuple(map(_producer, inputs))
        self._seq = next(_sequence)
        self._saved = ()
        self._versions = ()
        self._out = None
        self._pre_hooks = None

    # -- what the backward formula needs -------------------------------------------------------
    def save_for_backward(self, *values):
        """Keep inputs (tensors or plain values) for the backward formula."""
        if _state.saved_hooks is not None:  # inside saved_tensors_hooks: keep what they make
            values = pack(values)
        self._saved = values
        # The version of each saved tensor now, to detect in-place changes before backward
        # (``()`` when no tensor is saved). One or two values, the usual case, are spelled out:
        # 0.1 us faster than the general loop.
        if len(values) == 1:
            (a,) = values
            versions = (a._vc[0],) if isinstance(a, Tensor) else ()
        elif len(values) == 2:
            a, b = values
            versions = (a._vc[0] if isinstance(a, Tensor) else None,
                        b._vc[0] if isinstance(b, Tensor) else None)
        else:
            versions = tuple([v._vc[0] if isinstance(v, Tensor) else None for v in values])
        self._versions = versions if versions.count(None) != len(versions) else ()

    def save_output(self, out):
        """Keep the op's own result (e.g. exp saves exp(x)), without a reference cycle."""
        if _state.saved_hooks is not None:  # the hooks get the result too, as PyTorch shows it
            self.save_for_backward(*self._saved, record(self, out))
            return
        self._out = (out._data, out._vc, out._vc[0])

    @property
    def next_functions(self):
        """The edges to the inputs' nodes, as PyTorch shows them: ``((node or None, 0), ...)``."""
        return tuple([(None, 0) if fn is None else fn._edge() for fn in self._next])

    def _edge(self):
        """How an edge to this node shows in ``next_functions``: (node, which output)."""
        return (self, 0)

    @property
    def needs_input_grad(self):
        """For each input: does it need a gradient? (PyTorch's ``ctx.needs_input_grad``)"""
        return tuple(fn is not None for fn in self._next)

    def unpack(self, differentiable):
        """The saved values: arrays for a plain backward, tensors for ``create_graph=True``."""
        saved = self._saved
        if saved is None:
            raise RuntimeError(FREED_MESSAGE)
        values = list(saved)
        for i, version in enumerate(self._versions):  # the saved tensors (if any)
            if version is None:
                continue
            value = saved[i]
            if value._vc[0] != version:
                raise RuntimeError(_version_message(value, value._grad_fn, version))
            if not differentiable:
                values[i] = value._data
        if type(saved) is PackedValues:  # saved under saved_tensors_hooks: unpack_hook each
            values = [v.unpack(differentiable) if type(v) is Packed else v for v in values]
            if not differentiable:
                values = [v._data if isinstance(v, Tensor) else v for v in values]
        if self._out is not None:
            array, counter, version = self._out
            if counter[0] != version:
                raise RuntimeError(_version_message(None, self, version, array, counter[0]))
            if differentiable:
                out = Tensor._make(array, True, self, device_of(array))
                if _dual.active:  # forward-mode AD: the saved result has its tangent again
                    from .forward_ad import restore_output_tangent

                    restore_output_tangent(self, out)
                values.append(out)
            else:
                values.append(array)
        return values

    # -- what the engine calls --------------------------------------------------------------
    def apply(self, grad, differentiable=False, release=False):
        """The gradients for the inputs, given ``grad`` for the output (``release``: then free
        the saved values, as a backward without ``retain_graph`` does)."""
        if self._out is None and self._saved == ():  # nothing saved (add, sum ...)
            return self.backward(grad)
        grads = self.backward(grad, *self.unpack(differentiable))
        if release:
            self._saved = None
            self._out = None
        return grads

    def backward(self, grad, *saved):  # pragma: no cover - every op overrides it
        raise NotImplementedError

    # -- introspection, as in PyTorch ------------------------------------------------------
    def name(self):
        return type(self).__name__

    # The names PyTorch shows the saved values under, in the order ``unpack`` returns them:
    # ``grad_fn._saved_self`` ... (``_raw_saved_self``: the value as a ``SavedTensor``).
    _saved_names = ()

    def __init_subclass__(cls, **kwargs):
        """Give a node class that names its saved values (``_saved_names``) a property for
        each, as PyTorch's nodes have: ``_saved_<name>`` (unless the class writes its own) and
        ``_raw_saved_<name>``. Properties, not a ``__getattr__`` on Node: a class with a
        ``__getattr__`` loses CPython's fast attribute reads on every node, in every backward
        (W1b 13% slower; docs/performance.md, row 33)."""
        super().__init_subclass__(**kwargs)
        for i, key in enumerate(cls.__dict__.get("_saved_names", ())):
            if f"_saved_{key}" not in cls.__dict__:
                setattr(cls, f"_saved_{key}", property(lambda self, i=i: self.unpack(True)[i]))
            setattr(cls, f"_raw_saved_{key}", property(lambda self, i=i: SavedTensor(self, i)))

    def register_prehook(self, hook):
        if self._pre_hooks is None:
            self._pre_hooks = []
        hooks = self._pre_hooks
        if hooks and getattr(hooks[-1], "retains_grad", False):
            # retain_grad's hook stays last: .grad is the gradient after every hook, whatever
            # the order they were registered in (as in PyTorch 2)
            hooks.insert(len(hooks) - 1, hook)
        else:
            hooks.append(hook)
        return _RemovableHandle(hooks, hook)

    def __repr__(self):
        return f"<{type(self).__name__} object at {id(self):#x}>"


class AccumulateGrad(Node):
    """The node of a leaf tensor: adds the gradient that reaches it into ``leaf.grad``."""

    __slots__ = ("variable",)

    def __init__(self, variable):
        self._next = ()
        self._seq = next(_sequence)
        self._saved = ()
        self._versions = ()
        self._out = None
        self._pre_hooks = None
        self.variable = variable

    def apply(self, grad, differentiable=False, release=False):
        """Add ``grad`` into ``.grad`` (nothing flows further: no gradients returned)."""
        return self.accumulate(grad, differentiable)

    def accumulate(self, grad, differentiable=False, owned=False):
        """Add ``grad`` into ``.grad``. ``owned``: the engine vouches that nothing else refers
        to this array, so a first gradient can be kept as it is instead of copied."""
        leaf = self.variable
        if leaf._hooks:
            grad = run_hooks(leaf._hooks, grad)
            owned = False
        if differentiable:  # create_graph=True: .grad keeps its own graph
            if not isinstance(grad, Tensor):
                grad = Tensor._make(grad, False, None, leaf._dev)
            leaf._grad = grad if leaf._grad is None else leaf._grad + grad
        else:
            if isinstance(grad, Tensor):
                grad = grad._data
            if leaf._grad is None:
                # .grad must not alias another array: ``a + b`` hands the same gradient to both
                # inputs, a reshape hands on a view. So copy, unless the engine knows the array
                # is fresh and ours alone (PyTorch "steals" such a buffer the same way). Skipping
                # the copy saves 0.2 ms a step of the 784x256 float64 MLP benchmark (3%).
                # NumPy scalars are immutable: nothing to copy.
                if not owned and not isinstance(grad, np.generic):
                    grad = grad.copy()
                leaf._grad = Tensor._make(grad, False, None, leaf._dev)
            else:
                g = leaf._grad
                if isinstance(g._data, np.generic):
                    g._data = g._data + grad
                else:
                    g._data += grad  # accumulate in place, as PyTorch does
                g._vc[0] += 1
        return ()


def needs_grad(*inputs):
    """Should an op on ``inputs`` record a node? Only in grad mode, and only if some input is a
    tensor that requires grad (PyTorch's ``compute_requires_grad``)."""
    if not _state.enabled:
        return False
    for x in inputs:
        if isinstance(x, Tensor) and x._requires_grad:
            return True
    return False


def record(node, out):
    """Make ``node`` the ``grad_fn`` of ``out``: the one place where the graph grows.

    Every op, built-in or a user's ``autograd.Function``, records itself the same way::

        out = Tensor._make(result_array, dev=...)   # the forward, on arrays
        if needs_grad(a, b):
            node = MulBackward0(a, b)               # edges to a's and b's nodes
            node.save_for_backward(a, b)            # what the backward formula needs
            record(node, out)                       # out.grad_fn is node
        return out
    """
    out._grad_fn = node
    out._requires_grad = True
    return out


def _producer(x):
    """The node that input ``x`` comes from: its grad_fn, or its AccumulateGrad if it is a leaf
    that requires grad; ``None`` for a constant (a number, or a tensor that needs no gradient)."""
    if isinstance(x, Tensor) and x._requires_grad:
        fn = x._grad_fn
        return fn if fn is not None else x._grad_accumulator()
    return None


def run_hooks(hooks, grad):
    """Call tensor hooks on a gradient (array or tensor); a hook may return a replacement."""

    wrapped = grad if isinstance(grad, Tensor) else Tensor._make(grad, False, None, device_of(grad))
    for hook in list(hooks):
        result = hook(wrapped)
        if result is not None:
            wrapped = result
    return wrapped if isinstance(grad, Tensor) else wrapped._data


class _RemovableHandle:
    """What ``register_hook`` returns: ``handle.remove()`` unregisters the hook."""

    def __init__(self, hooks, hook):
        self._hooks, self._hook = hooks, hook

    def remove(self):
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


def _version_message(tensor, producer, expected, array=None, version=None):
    if tensor is not None:
        array, version = tensor._data, tensor._vc[0]
    shape = ", ".join(str(n) for n in array.shape)
    on_gpu = type(array).__module__.startswith("cupy")
    where = f"[{legacy_type_name(array.dtype, on_gpu)} [{shape}]]"
    if producer is not None:
        op = re.sub(r"Backward\d*$", "", producer.name())
        where += f", which is output 0 of {op},"
    return (
        "one of the variables needed for gradient computation has been modified by an "
        f"inplace operation: {where} is at version {version}; expected version {expected} "
        "instead. Hint: the tensor was changed in place (e.g. `+=`, `add_`) after an operation "
        "saved it for backward; use an out-of-place operation (`x = x + 1`) or `clone()` first."
    )
