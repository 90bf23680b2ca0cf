"""``torch.autograd.forward_ad``: forward-mode AD, with dual tensors.

Reverse mode (``backward()``) runs the chain rule from the output back to the inputs and gives
``v^T J`` for every input at once. Forward mode runs it *along with* the forward pass and gives
``J v``, the derivative in one direction ``v``: each tensor carries, next to its value (the
*primal*), its derivative in that direction (the *tangent*). A tensor with a tangent is a
*dual tensor*, after the dual numbers ``a + b eps`` with ``eps ** 2 = 0``::

    (a + da eps) * (b + db eps) = a b + (da b + a db) eps

which is the product rule: the tangent of ``a * b`` is ``da * b + a * db``.

How it works here:

* ``make_dual(x, v)`` gives a view of ``x`` whose tangent is ``v`` (kept in ``_fw_grad``,
  tagged with the dual level it belongs to, so that leaving the level voids every tangent made
  in it).
* Every op, after recording its backward node, tests one flag, ``_dual.active``. When it is
  set, it calls ``forward(NodeClass, inputs, out, ...)`` below, which calls the node class's
  ``jvp`` formula, written right under its ``backward`` formula (as PyTorch's
  ``derivatives.yaml`` has ``result:`` next to ``self:``/``other:``)::

      class MulBackward0(_Binary):
          def backward(self, grad, b, a):              # reverse mode: v^T J
              ...
          def jvp(self, da, db, a, b, result):         # forward mode: J v
              return da * b + a * db

  ``jvp`` gets the inputs' tangents (zeros for an input without one, ``0`` for a number), then
  the inputs, then the op's result. It runs with forward mode off (the formula's own ops carry
  no tangents) and in the current grad mode, so a tangent of inputs that require grad is itself
  recorded and can be differentiated by ``backward()``. A one-input elementwise op's node class
  derives from ``ElementWise``, whose ``jvp = auto_element_wise`` (``ops/elementwise.py``): its
  backward formula, applied to the tangent.
* Ops made of other ops need nothing: their parts carry the tangents.
* In-place ops (``x.mul_(2)``) give ``x`` the result's tangent, written into ``x``'s old tangent
  so that views see it; ``zero_()`` and ``fill_(number)`` give a zero tangent, ``copy_(src)``
  a copy of ``src``'s (zeros if it has none).

Only one level at a time, as in PyTorch (nested forward mode is ``torch.func.jvp``'s job).

>>> import autograd_lib as torch
>>> import autograd_lib.autograd.forward_ad as fwAD
>>> x = torch.tensor([1.0, 2.0])
>>> with fwAD.dual_level():
...     y = fwAD.make_dual(x, torch.tensor([1.0, 0.0])) ** 2
...     fwAD.unpack_dual(y).tangent      # d(x**2) = 2 x dx
tensor([2., 0.])
"""

import weakref
from typing import NamedTuple, Optional

from ..grad_mode import _dual
from ..tensor import Tensor

__all__ = ["UnpackedDualTensor", "enter_dual_level", "exit_dual_level", "make_dual",
           "unpack_dual", "dual_level"]


# -- levels ------------------------------------------------------------------------------------
def enter_dual_level():
    """Enter a new dual level (only one at a time); returns it (0)."""
    if _dual.level >= 0:
        raise RuntimeError("Nested forward mode AD is not supported at the moment")
    _dual.level = 0
    _dual.serial += 1  # tangents are tagged with it: a later level does not see this one's
    _dual.active = True
    return 0


def exit_dual_level(*, level=None):
    """Leave the dual level: every tangent made in it is gone."""
    if level is None:
        level = _dual.level
    if level != _dual.level:
        raise RuntimeError("Trying to exit a forward AD level that was not the last one that was "
                           "created. This is not supported.")
    if level < 0:
        raise RuntimeError("Dual level must be a positive number.")
    _dual.level = -1
    _dual.active = False
    _dual.serial += 1  # the tangents of the level are void from now on


class dual_level:
    """``with dual_level():`` forward-mode AD inside the block; tangents are gone after it.
    Also a decorator."""

    def __enter__(self):
        return enter_dual_level()

    def __exit__(self, *exc):
        exit_dual_level()
        return False

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with dual_level():
                return fn(*args, **kwargs)

        return wrapper


# -- dual tensors ------------------------------------------------------------------------------
class UnpackedDualTensor(NamedTuple):
    """What ``unpack_dual`` returns: the value and its tangent (``None`` if it has none)."""

    primal: Tensor
    tangent: Optional[Tensor]


def tangent_of(x):
    """The tangent of ``x`` at the active level, or ``None`` (also for a number)."""
    fw = getattr(x, "_fw_grad", None)
    if fw is not None and fw[0] == _dual.serial:
        return fw[1]
    return None


def set_tangent(x, tangent):
    x._fw_grad = (_dual.serial, tangent)


def _alias(x):
    """A view of all of ``x`` (recorded for backward if ``x`` requires grad), no tangent."""
    active, _dual.active = _dual.active, False
    try:
        return x.view_as(x)
    finally:
        _dual.active = active


def make_dual(tensor, tangent, *, level=None):
    """A view of ``tensor`` that carries ``tangent``: the direction of the derivative.

    ``tangent`` is kept as it is if it has ``tensor``'s layout, else copied into it.
    """
    if level is None:
        level = _dual.level
    if level < 0:
        raise RuntimeError("Trying to create a dual Tensor for forward AD but no level exists, "
                           "make sure to enter_dual_level() first.")
    if not tensor.is_floating_point():
        raise ValueError(f"Expected primal to be floating point or complex, but got: "
                         f"{tensor.dtype}")
    if not tangent.is_floating_point():
        raise ValueError(f"Expected tangent to be floating point or complex, but got: "
                         f"{tangent.dtype}")
    if level != _dual.level:
        raise RuntimeError("Invalid level given to _make_dual")
    if tangent.shape != tensor.shape:
        raise RuntimeError(
            "Trying to set a forward gradient that has a different size than that of the original "
            "Tensor, this is not supported. Tensor is of size "
            f"{list(tensor.shape)} while the given forward gradient is of size "
            f"{list(tangent.shape)}.")
    if tangent._dev is not tensor._dev:
        raise RuntimeError(f"Expected tangent to be on device {tensor.device} but got "
                           f"{tangent.device}")
    if getattr(tangent._data, "strides", None) != getattr(tensor._data, "strides", None):
        from ..backend import module_of

        xp = module_of(tensor._data)
        copy = xp.empty_like(tensor._data, dtype=tangent._data.dtype)  # tensor's layout
        copy[...] = tangent._data
        tangent = Tensor._make(copy, False, None, tangent._dev)
    dual = _alias(tensor)
    set_tangent(dual, tangent)
    return dual


def unpack_dual(tensor, *, level=None):
    """``(primal, tangent)``: a view of ``tensor`` without its tangent, and the tangent as it is
    (``None`` if there is none)."""
    if level is None:
        level = _dual.level
    if level < 0:
        return UnpackedDualTensor(tensor, None)
    return UnpackedDualTensor(_alias(tensor), tangent_of(tensor))


# -- what every op calls when a dual level is active -------------------------------------------
def forward(node_cls, inputs, out, **kept):
    """Give ``out``, made by the op of ``node_cls`` from ``inputs``, its tangent, if an input has
    one: ``node_cls.jvp(*tangents, *inputs, out)``, the node keeping ``kept`` (a dim, a shape
    ...) as its backward does. Returns ``out``."""
    tangents = [tangent_of(x) for x in inputs]
    if all(t is None for t in tangents) or not _floating(out):
        return out
    node = node_cls.__new__(node_cls)  # no edges: only the formula and what it keeps
    for name, value in kept.items():
        if value is not None or hasattr(node_cls, name):  # (None for a slot it lacks: skip)
            setattr(node, name, value)
    tangents = [t if t is not None else _zero(x) for t, x in zip(tangents, inputs)]
    _dual.active = False  # the formula's own ops carry no tangents
    try:
        tangent = node.jvp(*tangents, *inputs, out)
    finally:
        _dual.active = True
    set_tangent(out, tangent)
    node = out._grad_fn
    if node is not None and node._out is not None:  # the backward node keeps the result
        _output_tangents[node] = (_dual.serial, tangent)
    return out


# The tangent of each result a backward node keeps (``Node.save_output``): a backward with
# ``create_graph=True`` inside a dual level (``jacfwd(jacrev(f))``) unpacks that result again,
# and its tangent has to come with it (``restore_output_tangent``).
_output_tangents = weakref.WeakKeyDictionary()


def restore_output_tangent(node, out):
    fw = _output_tangents.get(node)
    if fw is not None and fw[0] == _dual.serial:
        set_tangent(out, fw[1])


def _floating(x):
    return isinstance(x, Tensor) and x._data.dtype.kind == "f"


def _zero(x):
    """The tangent of an input without one: zeros for a float tensor, else the number 0."""
    if _floating(x):
        from ..creation import zeros_like

        return zeros_like(x)
    return 0


def take_tangent(self, source):
    """An in-place op or a copy: ``self`` takes ``source``'s tangent, as in PyTorch: for
    ``copy_``, the tangent of what it copies (broadcast, in ``self``'s dtype and device); for
    ``zero_``, ``fill_`` with a number, or a copy of a tensor without a tangent: zeros. The
    tangent is written into ``self``'s own, so that views see it, and is never ``source``'s
    tangent object itself. An integer tensor has no tangent."""
    if not _floating(self):
        return
    new, old = tangent_of(source), tangent_of(self)
    if new is None and old is None:
        return
    active, _dual.active = _dual.active, False
    try:
        if new is None:
            new = _zero(self)
        else:
            new = new.expand(self.shape).to(dtype=self.dtype, device=self.device)
        if old is not None and not old._requires_grad and not new._requires_grad:
            old.copy_(new)
        else:  # (copy_ would cut new's graph, or write into a recorded tangent)
            set_tangent(self, new.clone())
    finally:
        _dual.active = active
