"""Grad modes: whether operations record a graph.

``no_grad``, ``enable_grad``, ``set_grad_enabled`` and ``inference_mode`` switch recording off
or on for a block of code, as context managers or as decorators. The switch is per thread, as
in PyTorch: a ``no_grad`` block in one thread does not affect another.
"""

import functools
import threading


class _State(threading.local):
    enabled = True  # class attribute: every new thread starts with grad enabled
    inference = False
    saved_hooks = None  # ((pack_hook, unpack_hook), ...): see autograd/saved_tensors.py
    saved_hooks_disabled = None  # the error message of disable_saved_tensors_hooks


_state = _State()


class _Dual:
    """Forward-mode AD (``autograd/forward_ad.py``): is a dual level active? Every op tests
    ``_dual.active`` once after recording, to give its result a tangent. A plain object, not
    per thread as ``_state`` (PyTorch's dual levels are global too): reading the flag costs
    10 ns instead of 40 ns on the hot path of every op."""

    def __init__(self):
        self.active = False  # inside a dual_level (and not inside a JVP formula)
        self.level = -1  # the active level (0), or -1
        self.serial = 0  # which dual level a tangent belongs to: tangents of old levels are void


_dual = _Dual()


def is_grad_enabled():
    """True when operations on tensors that require grad record a graph."""
    return _state.enabled


def is_inference_mode_enabled():
    return _state.inference


class _Mode:
    """Base of the grad-mode switches: a context manager that also works as a decorator."""

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.clone():
                return fn(*args, **kwargs)

        return wrapper

    def clone(self):
        return self.__class__()

    def __enter__(self):
        self._prev = (_state.enabled, _state.inference)
        self._apply()
        return None

    def __exit__(self, *exc):
        _state.enabled, _state.inference = self._prev
        return False


class no_grad(_Mode):
    """Don't record operations: results have ``requires_grad=False`` and no ``grad_fn``.

    Use it for evaluation and for updating parameters in place (``w -= lr * w.grad``).
    """

    def __init__(self, orig_func=None):
        # Like PyTorch, also usable bare as ``@no_grad`` (without parentheses).
        self._orig = orig_func

    def __new__(cls, orig_func=None):
        self = super().__new__(cls)
        if callable(orig_func):
            self.__init__()
            return self(orig_func)
        return self

    def _apply(self):
        _state.enabled = False


class enable_grad(_Mode):
    """Record operations again, e.g. inside a ``no_grad`` block."""

    def __new__(cls, orig_func=None):
        self = super().__new__(cls)
        if callable(orig_func):
            return self(orig_func)
        return self

    def __init__(self, orig_func=None):
        pass

    def _apply(self):
        _state.enabled = True


class set_grad_enabled(_Mode):
    """Switch recording on or off (``set_grad_enabled(False)``); takes effect immediately too.

    (It saves and restores only the grad switch, with no method calls between: 0.35 us instead
    of 0.85 us, which the engine pays once per ``backward()``.)
    """

    def __init__(self, mode):
        self.mode = bool(mode)
        self._prev = _state.enabled
        _state.enabled = self.mode  # PyTorch: the call itself already sets the mode

    def __call__(self, fn):
        _state.enabled = self._prev  # used as a decorator: undo the call's effect
        return super().__call__(fn)

    def __enter__(self):  # the state before the call was saved in __init__
        _state.enabled = self.mode

    def __exit__(self, *exc):
        _state.enabled = self._prev
        return False

    def clone(self):
        return self.__class__(self.mode)


class inference_mode(_Mode):
    """Like ``no_grad``, for pure inference; tensors made inside are inference tensors.

    autograd_lib tracks no extra state for inference tensors; it only records that the mode is
    on (``is_inference_mode_enabled``) and turns grad off, as PyTorch does.
    """

    def __new__(cls, mode=True):
        self = super().__new__(cls)
        if callable(mode):
            self.__init__(True)
            return self(mode)
        return self

    def __init__(self, mode=True):
        self.mode = bool(mode)

    def clone(self):
        return self.__class__(self.mode)

    def _apply(self):
        if self.mode:
            _state.enabled = False
            _state.inference = True
