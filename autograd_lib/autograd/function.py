"""``autograd.Function``: a new operation, written as a forward and a backward.

Subclass ``Function`` and write two static methods::

    class Exp(Function):
        @staticmethod
        def forward(ctx, x):
            result = x.exp()
            ctx.save_for_backward(result)   # keep what backward needs
            return result

        @staticmethod
        def backward(ctx, grad_output):
            (result,) = ctx.saved_tensors
            return grad_output * result      # one gradient per input of forward

    y = Exp.apply(x)                         # never Exp.forward(x) or Exp()(x)
    y.grad_fn                                # <ExpBackward object at 0x...>

``apply`` does what every built-in op does (see ``record`` in ``graph.py``): it makes the node,
runs the forward without recording, and makes the node the ``grad_fn`` of the outputs. The
node is the ``ctx``: ``ExpBackward`` is a ``Node`` subclass made for ``Exp``, so
``ctx.save_for_backward`` is ``Node.save_for_backward``, with the same version check.

The newer style splits the forward from what it saves::

    class Exp(Function):
        @staticmethod
        def forward(x):
            return x.exp()

        @staticmethod
        def setup_context(ctx, inputs, output):
            ctx.save_for_backward(output)

``backward`` receives tensors and returns tensors (or ``None`` for an input that needs no
gradient, or that is not a tensor). With ``backward(create_graph=True)`` it runs in grad mode,
so a ``backward`` written with differentiable operations can itself be differentiated.
"""

import functools
import warnings

from .. import grad_mode
from .._dtype import from_numpy_dtype
from ..creation import zeros
from ..grad_mode import _dual, _state
from ..tensor import Tensor
from .forward_ad import set_tangent, tangent_of
from .graph import Node, record

__all__ = ["Function", "FunctionCtx", "once_differentiable"]


class FunctionCtx:
    """What ``ctx`` offers in ``forward``/``setup_context`` and ``backward``.

    The methods live here; the ``ctx`` itself is the node (``<Name>Backward``), which inherits
    them. Any other attribute may be set on it: ``ctx.constant = 2``.
    """

    def save_for_backward(self, *tensors):
        """Keep tensors (or ``None``) for ``backward``, which reads them as ``ctx.saved_tensors``.

        Saved tensors are checked when backward reads them: changed in place since, they raise.
        """
        for t in tensors:
            if t is not None and not isinstance(t, Tensor):
                raise TypeError(
                    "save_for_backward can only save variables, but argument "
                    f"{tensors.index(t)} is of type {type(t).__name__}"
                )
        self._to_save = tensors

    @property
    def saved_tensors(self):
        """The tensors given to ``save_for_backward``, unchanged since (else an error); in
        ``jvp``, those given to ``save_for_forward``."""
        if self._in_jvp:
            return tuple(self._saved_forward)
        return tuple(self.unpack(True))

    def save_for_forward(self, *tensors):
        """Keep tensors (or ``None``) for ``jvp`` (forward-mode AD), which reads them as
        ``ctx.saved_tensors``."""
        self._saved_forward = tensors

    def mark_dirty(self, *tensors):
        """Say that ``forward`` changed these inputs in place (and returns them)."""
        self._dirty = tensors

    def mark_non_differentiable(self, *tensors):
        """Say that these outputs have no gradient (indices, masks ...)."""
        self._non_differentiable = tensors

    def set_materialize_grads(self, value):
        """``True`` (the default): gradients of unused outputs reach ``backward`` as zeros.
        ``False``: as ``None``."""
        self._materialize = bool(value)


class BackwardCFunction(FunctionCtx, Node):
    """The node of one call of a ``Function``: the ``ctx`` of its forward and backward."""

    # What every call sets lives in slots: no instance dict unless the user's code stores its
    # own values on ``ctx`` (with the one loop of __init__: Tanh.apply 7.3 -> 6.9 us on a
    # scalar; docs/performance.md, row 32).
    __slots__ = (
        "_inputs",  # for each argument of forward: (shape, NumPy dtype) if a tensor, else None
        "_outputs",  # (shape, NumPy dtype, device) of each output: for gradients and zeros
        "_to_save",  # what save_for_backward was given (saved, with versions, after forward)
    )
    _function = None  # the Function subclass (set on each generated ``<Name>Backward``)
    _dirty = ()
    _non_differentiable = ()
    _materialize = True
    _saved_forward = ()  # what save_for_forward kept (forward-mode AD)
    _in_jvp = False  # is the user's jvp running? (then saved_tensors are _saved_forward)

    def __init__(self, args):
        """One edge per tensor argument of ``forward``, and what ``_check`` needs to know of
        every argument (one loop: a comprehension is a function call in Python 3.11)."""
        tensors = []
        inputs = []
        for a in args:
            if isinstance(a, Tensor):
                tensors.append(a)
                inputs.append((a._data.shape, a._data.dtype))
            else:
                inputs.append(None)
        Node.__init__(self, *tensors)
        self._inputs = inputs
        self._outputs = ()
        self._to_save = ()

    @property
    def needs_input_grad(self):
        """For each argument of ``forward`` (tensor or not): does it need a gradient?"""
        edges = iter(self._next)  # one edge per tensor argument
        return tuple(meta is not None and next(edges) is not None for meta in self._inputs)

    def __repr__(self):
        return f"<autograd_lib.autograd.function.{self.name()} object at {id(self):#x}>"

    def apply(self, grad, differentiable=False, release=False):
        """Call the user's ``backward`` with tensors; check and return its gradients."""
        if len(self._outputs) == 1:
            grads = (self._wrap(grad, 0),)
        else:  # several outputs: their gradients come together as one _Grads
            grads = [self._wrap(g, i) for i, g in enumerate(grad.grads)]
        result = self._function.backward(self, *grads)
        if release:
            self._saved = None
        return self._check(result if type(result) is tuple else (result,), differentiable)

    def _wrap(self, g, i):
        """The gradient of output ``i`` as a tensor for the user's backward."""
        if type(g) is Tensor:
            return g
        if g is None:
            if not self._materialize:
                return None
            shape, dtype, dev = self._outputs[i]
            return zeros(shape, dtype=from_numpy_dtype(dtype), device=dev)
        return Tensor._make(g, False, None, self._outputs[i][2])

    def _check(self, result, differentiable):
        """PyTorch's checks on what ``backward`` returned: one gradient (or None) per argument
        of ``forward``, of its shape and dtype. Returns one per edge (tensor argument): arrays
        for a plain backward, tensors for ``create_graph=True``."""
        n = len(self._inputs)
        if len(result) != n:
            if len(result) > n and all(g is None for g in result[n:]):
                result = result[:n]
            else:
                raise RuntimeError(
                    f"function {self.name()} returned an incorrect number of gradients (expected "
                    f"{n}, got {len(result)})"
                )
        grads = []
        for i, (g, meta) in enumerate(zip(result, self._inputs)):
            if meta is None:  # not a tensor: it has no edge
                if g is not None:
                    raise RuntimeError(
                        f"function {self.name()} returned a gradient different than None at "
                        f"position {i + 1}, but the corresponding forward input was not a Variable"
                    )
                continue
            if g is not None:
                if not isinstance(g, Tensor):
                    raise TypeError(
                        f"function {self.name()} returned a gradient of type {type(g).__name__} at "
                        f"position {i + 1}; expected a Tensor or None"
                    )
                shape, dtype = meta
                if g._data.shape != shape or g._data.dtype is not dtype:  # (``!=`` is 1 us)
                    g = _fit(g, shape, dtype, self.name(), i)
                if not differentiable:
                    g = g._data
            grads.append(g)
        return grads


def _fit(g, shape, dtype, name, i):
    """A gradient with its input's shape (summing a broadcast one) and dtype, or PyTorch's error."""
    gshape = g._data.shape
    if gshape != shape:
        expandable = len(shape) <= len(gshape) and all(
            s == gs or s == 1 for s, gs in zip(shape[::-1], gshape[::-1])
        )
        if not expandable:
            raise RuntimeError(
                f"Function {name} returned an invalid gradient at index {i} - got "
                f"{list(gshape)} but expected shape compatible with {list(shape)}"
            )
        lead = len(gshape) - len(shape)  # sum over the dimensions broadcasting added ...
        dims = list(range(lead)) + [lead + d for d, s in enumerate(shape) if s != gshape[lead + d]]
        g = g.sum(dims, keepdim=True) if dims else g  # ... and the stretched ones
        g = g.reshape(shape)
    if g._data.dtype != dtype:
        g = g.to(from_numpy_dtype(dtype))
    return g


class _Grads:
    """The gradients of the outputs of a node with several outputs, one slot per output.

    Each output's edge is its own small ``_OutputNode`` (below), which puts the gradient in its
    slot; the engine adds the ``_Grads`` from each output up (``+``) and hands the sum to the
    node. So the engine needs to know nothing about several outputs.
    """

    __slots__ = ("grads",)

    def __init__(self, grads):
        self.grads = grads

    def __add__(self, other):
        return _Grads(tuple(
            b if a is None else a if b is None else a + b for a, b in zip(self.grads, other.grads)
        ))


class _OutputNode(Node):
    """Output ``index`` of a node with several outputs (the ``grad_fn`` that tensor shows is
    the node itself: ``Tensor.grad_fn`` looks through this one)."""

    __slots__ = ("node", "index", "count")

    def backward(self, grad):
        grads = [None] * self.count
        grads[self.index] = grad
        return (_Grads(tuple(grads)),)

    def name(self):
        return self.node.name()

    def _edge(self):
        return (self.node, self.index)


class FunctionMeta(type):
    """Gives every ``Function`` subclass its node class, named ``<Name>Backward``."""

    def __init__(cls, name, bases, namespace):
        super().__init__(name, bases, namespace)
        cls._backward_cls = type(name + "Backward", (BackwardCFunction,), {"_function": cls})


class Function(metaclass=FunctionMeta):
    """Base class of user-defined operations (see the module docstring for an example)."""

    def __init__(self, *args, **kwargs):
        warnings.warn(
            f"{type(self)} should not be instantiated. Methods on autograd functions are all "
            "static, so you should invoke them on the class itself. Instantiating an autograd "
            "function will raise an error in a future version of PyTorch.",
            DeprecationWarning,
            stacklevel=2,
        )

    def __call__(self, *args, **kwargs):
        raise RuntimeError(
            "Legacy autograd function with non-static forward method is deprecated. Please use "
            "new-style autograd function with static forward method. (Example: "
            "https://pytorch.org/docs/stable/autograd.html#torch.autograd.Function)"
        )

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError(
            "You must implement the forward function for custom autograd.Function."
        )

    @staticmethod
    def setup_context(ctx, inputs, output):
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError(
            "You must implement either the backward or vjp method for your custom "
            "autograd.Function to use it with backward mode AD."
        )

    vjp = backward

    @staticmethod
    def jvp(ctx, *grad_inputs):
        """Forward mode: the tangents of the outputs, given one tangent per argument of
        ``forward`` (zeros for a tensor without one, ``None`` for a non-tensor argument)."""
        raise NotImplementedError(
            "You must implement the jvp function for custom autograd.Function to use it with "
            "forward mode AD."
        )

    @classmethod
    def apply(cls, *args, **kwargs):
        """Run the operation on ``args`` and, if a gradient is needed, record it."""
        ctx = cls._backward_cls(args)
        if _dual.active:  # forward-mode AD: the outputs' tangents too
            return _apply_forward_mode(cls, ctx, args, kwargs)
        # The forward's own operations are not recorded: no_grad(), spelled out (the context
        # manager costs 1.2 us, a third of a scalar op; W1b-fn in benchmarks/).
        previous, _state.enabled = _state.enabled, False
        try:
            output = _forward(cls, ctx, args, kwargs)
        finally:
            _state.enabled = previous
        return _record_outputs(ctx, args, output)


def _forward(cls, ctx, args, kwargs):
    """The user's ``forward``, in either style: ``forward(ctx, *args)``, or ``forward(*args)``
    then ``setup_context(ctx, args, output)``."""
    if cls.setup_context is Function.setup_context:
        return cls.forward(ctx, *args, **kwargs)
    output = cls.forward(*args, **kwargs)
    cls.setup_context(ctx, args, output)
    return output


def _apply_forward_mode(cls, ctx, args, kwargs):
    """``apply`` inside a dual level: the forward runs without tangents (and without recording),
    then, if an argument has a tangent, the user's ``jvp(ctx, *tangents)`` gives the outputs'."""
    tangents = [tangent_of(a) for a in args]
    has_tangent = any(t is not None for t in tangents)
    if has_tangent and cls.jvp is Function.jvp:
        Function.jvp(ctx)  # PyTorch's error: no jvp
    previous, _state.enabled = _state.enabled, False
    _dual.active = False
    try:
        output = _forward(cls, ctx, args, kwargs)
        _state.enabled = previous
        outputs = _record_outputs(ctx, args, output)
        if not has_tangent:
            return outputs
        from ..creation import zeros_like

        tangents = [t if t is not None else zeros_like(a) if isinstance(a, Tensor) else None
                    for t, a in zip(tangents, args)]
        ctx._in_jvp = True
        try:
            result = cls.jvp(ctx, *tangents)
        finally:
            ctx._in_jvp = False
    finally:
        _state.enabled = previous
        _dual.active = True
    several = type(outputs) is tuple
    for out, t in zip(outputs if several else (outputs,), result if several else (result,)):
        if isinstance(out, Tensor) and t is not None and out._data.dtype.kind == "f":
            set_tangent(out, t)
    return outputs


def _record_outputs(ctx, args, output):
    """Check the outputs of ``forward``; make ``ctx`` their ``grad_fn`` if grad is needed."""
    several = type(output) is tuple
    outputs = list(output) if several else [output]
    for t in ctx._dirty:  # inputs changed in place: a new version, and the node's history
        if t._requires_grad and t._grad_fn is None and _state.enabled:
            raise RuntimeError(
                "a leaf Variable that requires grad has been used in an in-place operation."
            )
        t._vc[0] += 1
    needed = _state.enabled and any(ctx._next)  # needs_grad(*args): some edge leads somewhere
    if needed and ctx._to_save:
        Node.save_for_backward(ctx, *ctx._to_save)  # the versions now, after mark_dirty's
    metas = []  # (shape, NumPy dtype, device) of each tensor output, for backward
    for i, out in enumerate(outputs):
        if not isinstance(out, Tensor):
            metas.append(None)
            continue  # a number or other object comes back as it is, with no gradient
        if type(out) is Tensor and out._requires_grad and _is_one_of(out, args):
            if not _is_one_of(out, ctx._dirty):  # an input returned as is: a new tensor
                out = outputs[i] = out.detach()
        if not needed:
            continue
        metas.append((out._data.shape, out._data.dtype, out._dev))
        if out._data.dtype.kind != "f" or _is_one_of(out, ctx._non_differentiable):
            out._requires_grad = False
        elif len(outputs) == 1:
            record(ctx, out)
        else:  # each output gets its own edge into the node (see _Grads)
            edge = _OutputNode()
            edge._next = (ctx,)
            edge.node, edge.index, edge.count = ctx, i, len(outputs)
            record(edge, out)
    if needed:
        ctx._outputs = metas
    return tuple(outputs) if several else outputs[0]


def _is_one_of(x, tensors):
    """Is ``x`` one of ``tensors`` (the same object)?"""
    for t in tensors:
        if t is x:
            return True
    return False


class _DelayedError(Node):
    """Stands in for a ``once_differentiable`` backward's results: differentiating them raises."""

    __slots__ = ()

    def backward(self, grad):
        raise RuntimeError(
            "trying to differentiate twice a function that was marked with @once_differentiable"
        )


def once_differentiable(backward):
    """Decorate a ``backward`` that only works once: it runs without recording, and
    differentiating its results (a second-order derivative) raises an error."""

    @functools.wraps(backward)
    def wrapper(ctx, *grads):
        with grad_mode.no_grad():
            result = backward(ctx, *grads)
        if not _state.enabled:  # a plain backward: nothing more to do
            return result
        inputs = [g for g in grads if isinstance(g, Tensor) and g._requires_grad]
        if not inputs:
            return result
        results = result if isinstance(result, tuple) else (result,)
        wrapped = []
        for r in results:
            if isinstance(r, Tensor):
                r = r.detach()
                record(_DelayedError(*inputs), r)
            wrapped.append(r)
        return tuple(wrapped) if isinstance(result, tuple) else wrapped[0]

    return wrapper

