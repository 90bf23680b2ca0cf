"""Hooks on saved tensors: decide how the graph keeps what backward will need.

An op that needs a tensor in its backward formula saves it on its node
(``Node.save_for_backward``). Inside ``saved_tensors_hooks(pack_hook, unpack_hook)``, the node
keeps ``pack_hook(tensor)`` instead (any Python object), and backward gets the tensor back as
``unpack_hook(that object)``. ``save_on_cpu`` is such a pair: saved tensors wait on the CPU and
go back to their device for backward. Uses: trading memory for time (offloading, compressing,
writing to disk), or just watching what the graph saves.

>>> import autograd_lib as torch
>>> x = torch.ones(2, requires_grad=True)
>>> with torch.autograd.graph.saved_tensors_hooks(lambda t: t * 4, lambda t: t / 4):
...     y = x * x
>>> y.sum().backward()
>>> x.grad
tensor([2., 2.])
"""

import weakref

from ..grad_mode import _state
from ..tensor import Tensor

__all__ = ["saved_tensors_hooks", "save_on_cpu", "disable_saved_tensors_hooks"]


class Packed:
    """A saved tensor as ``pack_hook`` returned it, the hook that gives the tensor back, and
    where the original sat in the graph (its ``grad_fn``, or a leaf's ``AccumulateGrad``)."""

    __slots__ = ("value", "unpack_hook", "node", "leaf")

    def __init__(self, value, unpack_hook, original):
        self.value = value
        self.unpack_hook = unpack_hook
        self.leaf = original._grad_fn is None
        self.node = (original._grad_fn if not self.leaf
                     else original._grad_accumulator() if original._requires_grad else None)

    def unpack(self, differentiable=True):
        """The tensor back from ``unpack_hook``; for a double backward, connected to the graph
        where the original was (as PyTorch does: the hook only has to give the values back)."""
        tensor = self.unpack_hook(self.value)
        if not isinstance(tensor, Tensor):
            raise TypeError(
                "Output of saved tensor unpack_hook expected to be a Tensor but got result of "
                f"type {type(tensor).__name__}"
            )
        if not differentiable or self.node is None or tensor._requires_grad:
            return tensor
        restored = Tensor._make(tensor._data, True, None if self.leaf else self.node, tensor._dev)
        if self.leaf:  # gradients reach the original leaf's .grad
            restored._acc = weakref.ref(self.node)
        return restored


class PackedValues(tuple):
    """A node's saved values when some were packed (``Node.unpack`` tells them apart by type)."""

    __slots__ = ()


def pack(values):
    """``values`` with each tensor replaced by its ``Packed`` form (the innermost hooks)."""
    pack_hook, unpack_hook = _state.saved_hooks[-1]
    return PackedValues(Packed(pack_hook(v), unpack_hook, v) if isinstance(v, Tensor) else v
                        for v in values)


class saved_tensors_hooks:
    """Context manager: tensors saved for backward inside it go through ``pack_hook`` when
    saved and ``unpack_hook`` when backward (or ``grad_fn._saved_*``) reads them. Nested
    blocks: the innermost pair applies. Per thread, as grad mode."""

    def __init__(self, pack_hook, unpack_hook):
        self.pack_hook = pack_hook
        self.unpack_hook = unpack_hook

    def __enter__(self):
        if _state.saved_hooks_disabled is not None:
            raise RuntimeError(_state.saved_hooks_disabled)
        _state.saved_hooks = (*(_state.saved_hooks or ()), (self.pack_hook, self.unpack_hook))
        return self

    def __exit__(self, *exc):
        _state.saved_hooks = _state.saved_hooks[:-1] or None


class save_on_cpu(saved_tensors_hooks):
    """Saved tensors wait on the CPU and go back to their device when backward needs them.
    ``pin_memory`` is accepted for PyTorch's sake (page-locked host memory speeds the copy
    back to a GPU; NumPy arrays have no such thing, so it changes nothing here)."""

    def __init__(self, pin_memory=False, device_type="cuda"):
        def pack_to_cpu(tensor):
            return tensor.device, tensor.cpu()

        def unpack_from_cpu(packed):
            device, tensor = packed
            return tensor.to(device)

        super().__init__(pack_to_cpu, unpack_from_cpu)


class disable_saved_tensors_hooks:
    """Context manager: inside it, entering ``saved_tensors_hooks`` raises ``RuntimeError``
    with ``error_message`` (for code whose saved tensors must stay as they are)."""

    def __init__(self, error_message):
        self.error_message = error_message

    def __enter__(self):
        self.previous = _state.saved_hooks_disabled
        _state.saved_hooks_disabled = self.error_message

    def __exit__(self, *exc):
        _state.saved_hooks_disabled = self.previous


class SavedTensor:
    """One saved value of a node, as ``grad_fn._raw_saved_<name>`` shows it: ``register_hooks``
    gives it a pack/unpack pair of its own (the tensor is packed at once)."""

    def __init__(self, node, index):
        self.node = node
        self.index = index

    def register_hooks(self, pack_hook, unpack_hook):
        saved = self.node._saved
        if type(saved[self.index]) is Packed:
            raise RuntimeError(
                "Calling register_hooks on a saved tensor whose hooks have already been set. "
                "Hint: only one pair of hooks is allowed at a time."
            )
        values = list(self.node.unpack(True))[:len(saved)]
        original = values[self.index]
        values[self.index] = Packed(pack_hook(original.detach()), unpack_hook, original)
        self.node._saved = PackedValues(values)
        self.node._versions = ()

    def unpack(self):
        return self.node.unpack(True)[self.index]
