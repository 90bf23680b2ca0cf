"""``torch.func``: derivatives as functions that take functions (JAX-style transforms).

``grad(f)`` is a new function that returns the gradient of ``f``; ``vmap(f)`` is a new function
that maps ``f`` over a batch. They compose: ``grad(grad(f))``, ``vmap(grad(f))``,
``jacrev(jacrev(f))``.

How they work here: each transform calls ``f`` on inputs it marks as requiring grad, then asks
``autograd.grad`` (the same engine as ``backward()``) for what it needs. An input that already
requires grad, because an outer transform or the user marked it, stays connected and the
inner result is built with ``create_graph=True``; that is what lets transforms nest.

* ``grad``, ``grad_and_value``, ``vjp``, ``jacrev``: reverse mode, as in PyTorch.
* ``jvp``, ``jacfwd``: forward mode, as in PyTorch: the inputs become dual tensors
  (``autograd/forward_ad.py``) and each op carries their tangents along. Forward mode has one
  dual level at a time, so a ``jvp`` inside another one (``jacfwd(jacfwd(f))``) takes two
  reverse passes instead (the "double backward" trick: ``u -> u^T J`` is linear in ``u``, and
  its derivative in direction ``v`` is ``J v``): the same values, more work.
* ``hessian(f)``: ``jacfwd(jacrev(f))``, as in PyTorch.
* ``vmap``: calls ``f`` once per batch element and stacks the results (PyTorch instead rewrites
  each operation to work on the whole batch). Same results for any ``f``, at the speed of a
  Python loop. A random operation inside ``f`` raises PyTorch's error unless ``randomness=``
  says what to do: ``'different'`` draws for each element, ``'same'`` replays one element's
  draws for every other (see ``_Randomness``).

>>> import autograd_lib as torch
>>> from autograd_lib.func import grad
>>> grad(lambda x: x.sin().sum())(torch.tensor([0.0, 1.0]))
tensor([1.0000, 0.5403])
"""

import functools
import threading

from .. import creation, grad_mode
from ..autograd import forward_ad
from ..creation import zeros, zeros_like
from ..ops.shape import stack
from ..tensor import Tensor

__all__ = ["grad", "grad_and_value", "vjp", "jvp", "jacrev", "jacfwd", "hessian", "vmap",
           "functional_call"]


# -- pytrees: a tensor, or tuples / lists / dicts of them ------------------------------------
def _flatten(tree):
    """The leaves of ``tree`` in order, and a function that puts new leaves in their place."""
    if isinstance(tree, (tuple, list)):
        parts = [_flatten(t) for t in tree]
        leaves = [leaf for ls, _ in parts for leaf in ls]

        def rebuild(new):
            out, i = [], 0
            for ls, build in parts:
                out.append(build(new[i:i + len(ls)]))
                i += len(ls)
            return type(tree)(out)

        return leaves, rebuild
    if isinstance(tree, dict):
        keys = list(tree)
        leaves, rebuild_values = _flatten([tree[k] for k in keys])
        return leaves, lambda new: dict(zip(keys, rebuild_values(new)))
    return [tree], lambda new: new[0]


def _structure(tree, indent=0):
    """A pytree's shape, written as PyTorch writes it (``TreeSpec(tuple, None, [*, *])``)."""
    if not isinstance(tree, (tuple, list, dict)):
        return "*"
    items = list(tree.values()) if isinstance(tree, dict) else tree
    context = repr(list(tree)) if isinstance(tree, dict) else "None"
    children = (",\n" + " " * (indent + 2)).join(_structure(t, indent + 2) for t in items)
    return f"TreeSpec({type(tree).__name__}, {context}, [{children}])"


def _check_tensors(leaves, what="Thing passed to transform API"):
    for leaf in leaves:
        if not isinstance(leaf, Tensor):
            raise ValueError(f"{what} must be Tensor, got {type(leaf)}")


# -- marking the inputs to differentiate --------------------------------------------------
# How many transforms are running now (in this thread, as grad mode): inside another
# transform, a result must keep its graph, since the outer one differentiates it again.
_depth = threading.local()
_depth.value = 0


def _inside():
    return getattr(_depth, "value", 0) > 0


class _Transform:
    """``with _Transform():`` around a call of the user's function (one level deeper)."""

    def __enter__(self):
        _depth.value = getattr(_depth, "value", 0) + 1

    def __exit__(self, *exc):
        _depth.value -= 1


def _track(x):
    """``x`` ready to be differentiated: connected to ``x``'s own graph if it has one (so an
    outer transform can differentiate again), else a detached copy that requires grad (and
    keeps ``x``'s tangent, for an outer ``jvp``)."""
    if x.requires_grad:
        return x.view_as(x)
    tracked = x.detach().requires_grad_(True)
    tangent = forward_ad.tangent_of(x)
    if tangent is not None:
        forward_ad.set_tangent(tracked, tangent)
    return tracked


def _argnums(argnums, args):
    """The positions to differentiate, checked."""
    nums = argnums if isinstance(argnums, tuple) else (argnums,)
    for n in nums:
        if not isinstance(n, int):
            raise RuntimeError(f"argnums must be int or Tuple[int, ...], got: {type(argnums)}")
        if not -len(args) <= n < len(args):
            raise RuntimeError(f"Got argnum={n}, but only {len(args)} positional inputs")
    return nums


def _call(func, args, argnums, has_aux, name):
    """Call ``func`` with the inputs at ``argnums`` tracked.

    Returns ``(output, aux, inputs, rebuild, keep)``: ``inputs`` the tracked tensors (a flat
    list), ``rebuild(values)`` puts one value per tracked tensor back into the shape of
    ``argnums`` (one pytree, or a tuple of them), ``keep``: must results keep their graph (an
    outer transform, or an input that requires grad)?"""
    nums = _argnums(argnums, args)
    args = list(args)
    inputs, builders = [], []
    keep = _inside()
    for n in nums:
        leaves, rebuild = _flatten(args[n])
        _check_tensors(leaves)
        keep = keep or any(x.requires_grad for x in leaves)
        tracked = [_track(x) for x in leaves]
        inputs.extend(tracked)
        builders.append((rebuild, len(tracked)))
        args[n] = rebuild(tracked)

    def rebuild_all(values):
        out, i = [], 0
        for rebuild, count in builders:
            out.append(rebuild(values[i:i + count]))
            i += count
        return tuple(out) if isinstance(argnums, tuple) else out[0]

    with grad_mode.enable_grad(), _Transform():
        out = func(*args)
    aux = None
    if has_aux:
        if not (isinstance(out, tuple) and len(out) == 2):
            raise RuntimeError(
                f"{name}(f)(*args): output of function f should be a tuple: (output, aux) if "
                "has_aux is True"
            )
        out, aux = out
        for leaf in _flatten(aux)[0]:
            if not isinstance(leaf, Tensor):
                raise RuntimeError(f"Expected tensors, got unsupported type {type(leaf)}")
    return out, aux, inputs, rebuild_all, keep


def _grads(outputs, inputs, grad_outputs, keep):
    """``autograd.grad`` of ``outputs`` (weighted by ``grad_outputs``), zeros for inputs that
    do not affect them; the graph is kept for another call, and built when ``keep``."""
    from ..autograd import grad

    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o.requires_grad]
    if not pairs:
        return [zeros_like(x) for x in inputs]
    outs, gouts = zip(*pairs)
    with grad_mode.enable_grad():
        grads = grad(outs, inputs, gouts, retain_graph=True, create_graph=keep,
                     allow_unused=True)
    return [zeros_like(x) if g is None else g for g, x in zip(grads, inputs)]


def _detach(tree, keep):
    """``tree`` as it is when ``keep``, else with every tensor detached."""
    if keep:
        return tree
    leaves, rebuild = _flatten(tree)
    return rebuild([t.detach() if isinstance(t, Tensor) else t for t in leaves])


# -- reverse mode -------------------------------------------------------------------------------
def grad_and_value(func, argnums=0, has_aux=False):
    """Like ``grad``, but the new function returns ``(gradient, value)`` (or
    ``(gradient, (value, aux))`` with ``has_aux``)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        f = functools.partial(func, **kwargs) if kwargs else func
        out, aux, inputs, rebuild, keep = _call(f, args, argnums, has_aux, "grad_and_value")
        if not isinstance(out, Tensor):
            raise RuntimeError(
                f"grad_and_value(f)(*args): Expected f(*args) to return a Tensor, got {type(out)}"
            )
        if out.dim() != 0:
            raise RuntimeError(
                "grad_and_value(f)(*args): Expected f(*args) to return a scalar Tensor, got "
                f"tensor with {out.dim()} dims. Maybe you wanted to use the vjp or jacrev APIs "
                "instead?"
            )
        grads = rebuild(_detach(_grads([out], inputs, [None], keep), keep))
        value = _detach(out, keep)
        return grads, ((value, _detach(aux, keep)) if has_aux else value)

    return wrapper


def grad(func, argnums=0, has_aux=False):
    """A new function that returns the gradient of the scalar ``func`` with respect to its
    argument(s) ``argnums`` (with ``has_aux``: ``func`` returns ``(output, aux)`` and the new
    function ``(gradient, aux)``).

    >>> import autograd_lib as torch
    >>> from autograd_lib.func import grad
    >>> grad(grad(lambda x: x ** 3))(torch.tensor(2.0))  # 6 x
    tensor(12.)
    """

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        grads, value = grad_and_value(func, argnums, has_aux)(*args, **kwargs)
        return (grads, value[1]) if has_aux else grads

    return wrapper


def vjp(func, *primals, has_aux=False):
    """``(func(*primals), vjp_fn)``: ``vjp_fn(v)`` returns ``v^T J``, one tensor per primal (a
    tuple), and may be called again.

    >>> import autograd_lib as torch
    >>> from autograd_lib.func import vjp
    >>> out, vjp_fn = vjp(torch.sin, torch.tensor([0.0, 1.0]))
    >>> vjp_fn(torch.ones(2))
    (tensor([1.0000, 0.5403]),)
    """
    out, aux, inputs, rebuild, keep = _call(func, primals, tuple(range(len(primals))), has_aux,
                                            "vjp")
    out_leaves, _ = _flatten(out)
    _check_tensors(out_leaves, "vjp(f, *primals): Expected f to be a function that returns "
                               "Tensors; an output")

    def vjp_fn(cotangents, retain_graph=True, create_graph=None):
        tree = cotangents
        leaves, _ = _flatten(tree)
        if _structure(tree) != _structure(out):
            raise RuntimeError(
                "Expected pytree structure of cotangents to be the same as pytree structure of "
                f"outputs to the function. cotangents: {_structure(tree)}, primal output: "
                f"{_structure(out)}"
            )
        for i, (v, o) in enumerate(zip(leaves, out_leaves)):
            if v.shape != o.shape:
                raise RuntimeError(
                    f"Mismatch in shape: grad_output[{i}] has a shape of {v.shape} and "
                    f"output[{i}] has a shape of {o.shape}."
                )
        return rebuild(_detach(_grads(out_leaves, inputs, leaves, keep or _inside()),
                               keep or _inside()))

    value = _detach(out, keep)
    return (value, vjp_fn, _detach(aux, keep)) if has_aux else (value, vjp_fn)


def jacrev(func, argnums=0, *, has_aux=False, chunk_size=None):
    """A new function that returns the Jacobian of ``func`` with respect to argument(s)
    ``argnums``, one backward pass per output element: for an output of shape ``S`` and an
    input of shape ``T``, a tensor of shape ``S + T``.

    >>> import autograd_lib as torch
    >>> from autograd_lib.func import jacrev
    >>> jacrev(lambda x: x ** 2)(torch.tensor([1.0, 2.0]))
    tensor([[2., 0.],
            [0., 4.]])
    """

    @functools.wraps(func)
    def wrapper(*args):
        out, aux, inputs, rebuild, keep = _call(func, args, argnums, has_aux, "jacrev")
        out_leaves, out_rebuild = _flatten(out)
        _check_tensors(out_leaves, "jacrev(f, ...)(*args): Expected f to return Tensors; an "
                                   "output")
        jacobians = []
        for o in out_leaves:
            rows = [[] for _ in inputs]
            flat = o.reshape(-1)
            for k in range(o.numel()):
                for row, g in zip(rows, _grads([flat[k]], inputs, [None], keep)):
                    row.append(g)
            per_input = [stack(row).reshape(o.shape + x.shape) if row
                         else zeros(o.shape + x.shape, dtype=x.dtype, device=x.device)
                         for row, x in zip(rows, inputs)]
            jacobians.append(rebuild(_detach(per_input, keep)))
        result = out_rebuild(jacobians)
        return (result, _detach(aux, keep)) if has_aux else result

    return wrapper


# -- forward mode -------------------------------------------------------------------------------
def jvp(func, primals, tangents, *, strict=False, has_aux=False):
    """``(func(*primals), J @ tangents)``: the Jacobian-vector product, by forward mode: each
    primal is made a dual tensor with its tangent, and ``func``'s ops carry the tangents along.

    >>> import autograd_lib as torch
    >>> from autograd_lib.func import jvp
    >>> jvp(torch.sin, (torch.tensor([0.0, 1.0]),), (torch.ones(2),))[1]
    tensor([1.0000, 0.5403])
    """
    if not isinstance(primals, tuple) or _structure(primals) != _structure(tangents):
        if not isinstance(primals, tuple):
            raise RuntimeError(
                "jvp(f, primals, tangents): Expected primals to be a tuple. E.g. it should be "
                "valid to call f(*primals)."
            )
        raise RuntimeError(
            "jvp(f, primals, tangents): Expected primals and tangents to have the same python "
            "structure. For example, if primals is a tuple of 3 tensors, tangents also must "
            f"be. Got primals with structure {_structure(primals)} and tangents with structure "
            f"{_structure(tangents)}"
        )
    tangent_leaves, _ = _flatten(tangents)
    for p, t in zip(_flatten(primals)[0], tangent_leaves):
        if isinstance(p, Tensor) and isinstance(t, Tensor) and p.shape != t.shape:
            raise RuntimeError(
                "Trying to set a forward gradient that has a different size than that of the "
                f"original Tensor, this is not supported. Tensor is of size {list(p.shape)} "
                f"while the given forward gradient is of size {list(t.shape)}."
            )
    if forward_ad._dual.level < 0:  # no dual level yet: forward mode
        return _jvp_forward(func, primals, tangents, has_aux)
    # inside another jvp: forward mode has one level only, so two reverse passes instead
    out, aux, inputs, _, keep = _call(func, primals, tuple(range(len(primals))), has_aux, "jvp")
    out_leaves, out_rebuild = _flatten(out)
    _check_tensors(out_leaves, "jvp(f, primals, tangents): Expected f(*primals) to return "
                               "Tensors; an output")
    with grad_mode.enable_grad():
        u = [zeros_like(o).requires_grad_(True) for o in out_leaves]
        uj = _grads(out_leaves, inputs, u, True)  # u^T J, a function of u
        jv = _grads(uj, u, tangent_leaves, keep)  # its derivative along the tangents
    result = (_detach(out, keep), out_rebuild(_detach(jv, keep)))
    return result + (_detach(aux, keep),) if has_aux else result


def _jvp_forward(func, primals, tangents, has_aux):
    """``jvp`` by forward mode, in a dual level of its own."""
    leaves, rebuild = _flatten(primals)
    _check_tensors(leaves)
    keep = _inside() or any(x.requires_grad for x in leaves)
    with forward_ad.dual_level(), _Transform():
        duals = [forward_ad.make_dual(p, t.to(p.dtype))  # (a tangent in the primal's dtype)
                 for p, t in zip(leaves, _flatten(tangents)[0])]
        out = func(*rebuild(duals))
        if has_aux:
            if not (isinstance(out, tuple) and len(out) == 2):
                raise RuntimeError("jvp(f, primals, tangents): output of function f should be a "
                                   "tuple: (output, aux) if has_aux is True")
            out, aux = out
        out_leaves, out_rebuild = _flatten(out)
        _check_tensors(out_leaves, "jvp(f, primals, tangents): Expected f(*primals) to return "
                                   "Tensors; an output")
        unpacked = [forward_ad.unpack_dual(o) for o in out_leaves]
    values = [p for p, _ in unpacked]
    jv = [zeros_like(o) if t is None else t for (_, t), o in zip(unpacked, out_leaves)]
    result = (out_rebuild(_detach(values, keep)), out_rebuild(_detach(jv, keep)))
    return result + (_detach(aux, keep),) if has_aux else result


def jacfwd(func, argnums=0, has_aux=False, *, randomness="error"):
    """A new function that returns the Jacobian of ``func`` column by column: one ``jvp`` per
    element of the differentiated inputs (the same values as ``jacrev``, which goes row by row).
    The columns are a batch, as in ``vmap``: ``randomness`` says what a random operation in
    ``func`` does (``'error'``, ``'different'`` draws per column, or ``'same'``).

    >>> import autograd_lib as torch
    >>> from autograd_lib.func import jacfwd
    >>> jacfwd(torch.outer, argnums=1)(torch.tensor([1.0, 2.0]), torch.tensor([3.0]))
    tensor([[[1.]],
    <BLANKLINE>
            [[2.]]])
    """

    @functools.wraps(func)
    def wrapper(*args):
        _check_randomness(randomness)  # (when called, as in PyTorch; vmap checks at once)
        nums = _argnums(argnums, args)
        flat = [_flatten(a) for a in args]  # (leaves, rebuild) per argument
        for n in nums:
            _check_tensors(flat[n][0])
        columns = []  # per differentiated leaf: the jvp of each of its elements (flat leaves)
        result = None
        batch = _Randomness(randomness)  # the columns are vmap's batch in PyTorch
        for n in nums:
            leaves, rebuild = flat[n]
            for j, x in enumerate(leaves):
                cols = []
                for k in range(x.numel()):
                    one = zeros(x.numel(), dtype=x.dtype, device=x.device)
                    one[k] = 1
                    tangents = tuple(
                        rebuild([one.reshape(x.shape) if (m, i) == (n, j) else zeros_like(y)
                                 for i, y in enumerate(leaves)]) if m == n else
                        _zeros_tree(args[m])
                        for m in range(len(args))
                    )
                    with batch.element():
                        result = jvp(func, args, tangents, has_aux=has_aux)
                    cols.append(_flatten(result[1])[0])
                columns.append((x, cols))
        if result is None:  # only empty inputs: the output still has to be known
            out = func(*args)
            result = (out[0], None, out[1]) if has_aux else (out, None)
        out_leaves, out_rebuild = _flatten(result[0])
        jacobians = []
        for i, o in enumerate(out_leaves):
            per_leaf = [stack([c[i] for c in cols], dim=-1).reshape(o.shape + x.shape) if cols
                        else zeros(o.shape + x.shape, dtype=x.dtype, device=x.device)
                        for x, cols in columns]
            per_arg, start = [], 0
            for n in nums:
                count = len(flat[n][0])
                per_arg.append(flat[n][1](per_leaf[start:start + count]))
                start += count
            jacobians.append(tuple(per_arg) if isinstance(argnums, tuple) else per_arg[0])
        jacobian = out_rebuild(jacobians)
        return (jacobian, result[2]) if has_aux else jacobian

    return wrapper


def _zeros_tree(tree):
    leaves, rebuild = _flatten(tree)
    return rebuild([zeros_like(x) if isinstance(x, Tensor) else x for x in leaves])


def hessian(func, argnums=0):
    """A new function that returns the Hessian of the scalar ``func``: ``jacfwd(jacrev(func))``.

    >>> import autograd_lib as torch
    >>> from autograd_lib.func import hessian
    >>> hessian(lambda x: (x ** 3).sum())(torch.tensor([1.0, 2.0]))
    tensor([[ 6.,  0.],
            [ 0., 12.]])
    """
    return jacfwd(jacrev(func, argnums), argnums)


# -- vmap ---------------------------------------------------------------------------------------
def vmap(func, in_dims=0, out_dims=0, randomness="error", *, chunk_size=None):
    """A new function that maps ``func`` over a dimension of its inputs: ``vmap(f)(x)`` is
    ``torch.stack([f(x[0]), f(x[1]), ...])``. ``in_dims``: which dimension of each input to map
    over (``None``: pass the input whole to every call); ``out_dims``: where the batch
    dimension goes in each output.

    Here ``vmap`` calls ``func`` once per batch element, in a Python loop, and stacks the
    results: correct for any ``func``, and as slow as a loop (PyTorch batches each operation
    instead). Measured: ``vmap(lambda r: (w @ r).tanh().sum())`` over 64 rows of 31 (``w`` 33x31,
    float32) takes about 1.4 ms, like the plain loop (1.1 ms); the same as one batched
    expression, ``(x @ w.T).tanh().sum(1)``, takes 13 us. ``chunk_size`` is accepted for
    compatibility.

    ``randomness``: what a random operation (``rand``, ``randn``, ``dropout``, ``uniform_`` ...)
    inside ``func`` does: ``'error'`` (the default) raises PyTorch's error, ``'different'``
    gives each element of the batch its own draws, ``'same'`` gives every element the same
    draws. (PyTorch also refuses ``'different'`` for an in-place draw into a tensor that is not
    batched, ``torch.zeros(2).uniform_()``; here each element simply gets its own draws.)

    >>> import autograd_lib as torch
    >>> from autograd_lib.func import vmap
    >>> vmap(torch.dot)(torch.ones(3, 2), torch.ones(3, 2))
    tensor([2., 2., 2.])
    """
    name = getattr(func, "__name__", repr(func))
    _check_randomness(randomness)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        where = f"vmap({name}, in_dims={in_dims!r}, ...)(<inputs>)"
        if not isinstance(in_dims, (int, tuple)) or isinstance(in_dims, bool):
            raise ValueError(
                f"{where}: expected `in_dims` to be int or a (potentially nested) tuple matching "
                f"the structure of inputs, got: {type(in_dims)}."
            )
        leaves, rebuild = _flatten(args)
        dims = _broadcast_dims(in_dims, args, where)
        size = None
        for x, d in zip(leaves, dims):
            if d is None:
                continue
            if not isinstance(x, Tensor):
                raise ValueError(
                    f"{where}: Got in_dim={d} for an input but the input is of type {type(x)}. "
                    "We cannot vmap over non-Tensor arguments, please use None as the respective "
                    "in_dim"
                )
            if not -x.dim() <= d < x.dim():
                raise ValueError(
                    f"{where}: Got in_dim={d} for some input, but that input is a Tensor of "
                    f"dimensionality {x.dim()} so expected in_dim to satisfy "
                    f"-{x.dim()} <= in_dim < {x.dim()}."
                )
            sizes = [x.shape[d] for x, d in zip(leaves, dims) if d is not None]
            if len(set(sizes)) > 1:
                raise ValueError(
                    "vmap: Expected all tensors to have the same size in the mapped dimension, "
                    f"got sizes {sizes} for the mapped dimension"
                )
            size = x.shape[d]
        if size is None:
            raise ValueError("vmap: Expected at least one Tensor to vmap over")
        results = []
        batch = _Randomness(randomness)
        for b in range(size):
            sliced = [x if d is None else x[(slice(None),) * (d % x.dim()) + (b,)]
                      for x, d in zip(leaves, dims)]
            with batch.element():
                results.append(func(*rebuild(sliced), **kwargs))
        return _stack_outputs(results, out_dims, name)

    return wrapper


# -- random operations inside vmap ------------------------------------------------------------
_RANDOMNESS_ERROR = (
    "vmap: called random operation while in randomness error mode. Please either use the "
    "'same' or 'different' randomness flags on vmap or perform the randomness operation out "
    "of vmap")


def _check_randomness(randomness):
    if randomness not in ("error", "different", "same"):
        raise RuntimeError("Only allowed values for randomness are 'error', 'different', or "
                           f"'same'. Got {randomness}")


# The batches running now, outermost first (in this thread): each random draw asks them all.
_batches = threading.local()


class _Randomness:
    """One vmap's batch, as its loop sees random draws (``creation.draw_hook`` calls
    ``_on_draw`` before every draw while a batch runs).

    * ``'error'``: a draw raises PyTorch's error (also inside an inner vmap that allows it:
      every enclosing batch has its say, as in PyTorch);
    * ``'different'``: nothing to do, the loop draws one element after the other;
    * ``'same'``: the first draw of each generator in each element puts the generator back where
      it stood at the first element's first draw, so every element draws the same numbers
      (afterwards the generator stands where one element left it, one element's draws on).

        >>> import autograd_lib as torch
        >>> from autograd_lib.func import vmap
        >>> rows = vmap(lambda r: r + torch.rand(2), randomness="same")(torch.zeros(3, 2))
        >>> bool((rows[0] == rows[2]).all())
        True
    """

    def __init__(self, mode):
        self.mode = mode
        self.start = {}  # generator -> its state at the first element's first draw ('same')
        self.drawn = set()  # the generators the current element has drawn from

    def element(self):
        """``with batch.element():`` around the call for one element."""
        self.drawn = set()
        return _Running(self)

    def draw(self, generator):
        if self.mode == "error":
            raise RuntimeError(_RANDOMNESS_ERROR)
        if self.mode == "same" and generator not in self.drawn:
            self.drawn.add(generator)
            if generator in self.start:
                generator.set_state(self.start[generator])
            else:
                self.start[generator] = generator.get_state()


class _Running:
    """The context of ``_Randomness.element``: the batch is running (innermost last)."""

    def __init__(self, batch):
        self.batch = batch

    def __enter__(self):
        running = getattr(_batches, "running", None)
        if running is None:
            running = _batches.running = []
        running.append(self.batch)
        creation.draw_hook = _on_draw

    def __exit__(self, *exc):
        running = _batches.running
        running.pop()
        if not running:
            creation.draw_hook = None


def _on_draw(generator):
    """``creation.draw_hook`` while a batch runs: each running batch sees the draw."""
    if generator is None:
        generator = creation.default_generator
    elif not isinstance(generator, creation.Generator):
        return  # (the draw itself raises its error)
    for batch in getattr(_batches, "running", ()):
        batch.draw(generator)


def _broadcast_dims(in_dims, args, where):
    """One in_dim (int or None) per leaf of ``args``."""
    if isinstance(in_dims, int):
        return [in_dims] * len(_flatten(args)[0])
    if len(in_dims) != len(args):
        raise ValueError(
            f"{where}: in_dims is not compatible with the structure of `inputs`. in_dims has "
            f"structure {_structure(in_dims)} but inputs has structure {_structure(args)}."
        )
    dims = []
    for d, a in zip(in_dims, args):
        count = len(_flatten(a)[0])
        if d is None or isinstance(d, int):
            dims.extend([d] * count)
        else:
            dims.extend(_broadcast_dims(d, a, where))
    return dims


def _stack_outputs(results, out_dims, name):
    """Stack the per-element results (pytrees of tensors) along ``out_dims``."""
    first, rebuild = _flatten(results[0])
    columns = list(zip(*[_flatten(r)[0] for r in results]))
    if isinstance(out_dims, tuple):  # one per output
        dims = [d for d, r in zip(out_dims, results[0]) for _ in _flatten(r)[0]]
    else:
        dims = [out_dims] * len(first)
    out = []
    for col, d in zip(columns, dims):
        if d is None:
            out.append(col[0])
            continue
        if not isinstance(col[0], Tensor):
            raise ValueError(
                f"vmap({name}, ...): `{name}` must only return Tensors, got type {type(col[0])}. "
                "Did you mean to set out_dims= to None for output?"
            )
        out.append(stack(col, dim=d))
    return rebuild(out)


# -- a module as a function of its parameters ---------------------------------------------------
def functional_call(module, parameter_and_buffer_dicts, args=None, kwargs=None, *,
                    tie_weights=True, strict=False):
    """Call ``module(*args, **kwargs)`` with some parameters and buffers replaced by the given
    tensors (``{"0.weight": w, ...}``, the names of ``named_parameters()``); the module is left
    as it was. With it, ``grad``, ``vmap`` ... apply to a model as to any function of tensors.

    >>> import autograd_lib as torch
    >>> from autograd_lib.func import functional_call
    >>> model = torch.nn.Linear(2, 1, bias=False)
    >>> functional_call(model, {"weight": torch.ones(1, 2)}, (torch.tensor([1.0, 2.0]),))
    tensor([3.])
    """
    dicts = parameter_and_buffer_dicts
    values = {}
    for d in (dicts if isinstance(dicts, (tuple, list)) else (dicts,)):
        for name, value in d.items():
            if name in values:
                raise ValueError(f"{name} appeared in multiple dictionaries; behavior of "
                                 "functional call is ambiguous")
            values[name] = value
    if strict:
        expected = {n for n, _ in module.named_parameters()} | {n for n, _ in
                                                                  module.named_buffers()}
        missing, unexpected = sorted(expected - set(values)), sorted(set(values) - expected)
        if missing or unexpected:
            raise RuntimeError(
                "Error(s) in reparametrizing for {}:\n\t{}".format(
                    type(module).__name__,
                    "\n\t".join(
                        ([f"Unexpected key(s): {', '.join(map(repr, unexpected))}."]
                         if unexpected else [])
                        + ([f"Missing key(s): {', '.join(map(repr, missing))}."]
                           if missing else [])))
            )
    swapped = []  # (registry dict, key, original)
    try:
        for name, value in values.items():
            owner = module
            *path, leaf = name.split(".")
            for part in path:
                owner = getattr(owner, part)
            registry = owner._parameters if leaf in owner._parameters else owner._buffers
            if leaf not in registry:
                raise AttributeError(f"{type(owner).__name__} has no parameter or buffer "
                                     f"named '{leaf}'")
            swapped.append((registry, leaf, registry[leaf]))
            registry[leaf] = value
        args = () if args is None else args if isinstance(args, tuple) else (args,)
        return module(*args, **(kwargs or {}))
    finally:
        for registry, leaf, original in reversed(swapped):
            registry[leaf] = original
