"""Spies: watch how an answer works, not only what it returns.

An exercise may state a rule ("memoise", "do not change ``x``", "record no graph", "use the
optimizer", "no ``.data``"). A value cannot show that the rule was kept; these can. Visible
tests (in the notebooks) and probes (in ``solutions/<lesson>/probes.py``) use the same spies, so
a student sees a broken rule fail before submitting, and the grader checks it on other inputs.

``calls`` and ``data_uses`` are context managers that put a wrapper in place and take it away
on exit; ``grad_mode`` wraps a function the answer is given:

>>> import autograd_lib as torch
>>> from autograd_course import spies
>>> x = torch.tensor([1.0, 2.0], requires_grad=True)
>>> with spies.data_uses() as uses:
...     y = x.data * 2
>>> uses.count
1
>>> with spies.calls(torch.Tensor, "backward") as backward:
...     (x * x).sum().backward()
>>> backward.count
1
>>> def f(t):
...     return t * 2
>>> g, modes = spies.grad_mode(f)
>>> with torch.no_grad():
...     _ = g(x)
>>> modes
[False]
"""

import contextlib
import functools

__all__ = ["calls", "data_uses", "grad_mode", "same_values"]


class Count:
    """What a spy saw: ``count`` calls (or reads), with the arguments of each in ``args``."""

    def __init__(self):
        self.count = 0
        self.args = []

    def __repr__(self):
        return f"Count({self.count})"


@contextlib.contextmanager
def calls(owner, name):
    """Count the calls of ``owner.name`` (a function of a module or class, or a property of a
    class: then its reads and writes) inside the block. Yields a :class:`Count`."""
    seen = Count()
    original = owner.__dict__[name] if isinstance(owner, type) else getattr(owner, name)
    if isinstance(original, property):
        fset = original.fset and _counted(original.fset, seen)
        replacement = property(_counted(original.fget, seen), fset, original.fdel,
                               original.__doc__)
    elif isinstance(original, staticmethod):
        replacement = staticmethod(_counted(original.__func__, seen))
    else:
        replacement = _counted(original, seen)
    setattr(owner, name, replacement)
    try:
        yield seen
    finally:
        setattr(owner, name, original)


def _counted(fn, seen):
    @functools.wraps(fn)
    def counted(*args, **kwargs):
        seen.count += 1
        seen.args.append(args)
        return fn(*args, **kwargs)

    return counted


def data_uses():
    """Count reads and writes of ``Tensor.data`` inside the block (the way around autograd that
    an exercise may forbid). Yields a :class:`Count`."""
    import autograd_lib

    return calls(autograd_lib.Tensor, "data")


def grad_mode(fn):
    """Returns ``(wrapped, modes)``: ``wrapped`` calls ``fn`` and appends to ``modes`` whether grad
    mode was on at each call. Give ``wrapped`` to the answer in place of ``fn`` (a model, a loss)
    to see whether the answer turned grad mode off around it."""
    import autograd_lib

    modes = []

    @functools.wraps(fn)
    def wrapped(*args, **kwargs):
        modes.append(autograd_lib.is_grad_enabled())
        return fn(*args, **kwargs)

    return wrapped, modes


def same_values(before, after):
    """True if two tensors hold the same shape, dtype and numbers (an input left unchanged)."""
    return (tuple(before.shape) == tuple(after.shape) and before.dtype == after.dtype
            and before.tolist() == after.tolist())
