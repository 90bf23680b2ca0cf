"""Parameter: a tensor that a Module treats as one of its learnable weights.

A ``Parameter`` is an ordinary tensor with two differences:

* it requires grad by default (``Parameter(t).requires_grad`` is ``True``);
* assigning it as an attribute of a ``Module`` (``self.weight = Parameter(...)``) registers it,
  so that ``module.parameters()`` finds it and an optimizer can update it.

It shares its data with the tensor it was made from, exactly like PyTorch: changing one in
place changes the other.
"""

import autograd_lib
from autograd_lib.tensor import Tensor


class Parameter(Tensor):
    """A learnable tensor: ``Parameter(data=None, requires_grad=True)``.

    >>> w = Parameter(autograd_lib.zeros(2, 3))
    >>> w.requires_grad, w.is_leaf
    (True, True)
    """

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            data = autograd_lib.zeros(0)
        # Wrap the very same array (no copy) in a fresh leaf of class Parameter.
        return cls._make(data._data, requires_grad, dev=data.device)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo):
        # copy.deepcopy(model) copies each parameter once; the memo keeps shared ones shared.
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(self.detach().clone(), self.requires_grad)
        memo[id(self)] = result
        return result

    def __reduce_ex__(self, protocol):
        # Pickle a Parameter as "rebuild a Parameter from this (plain, picklable) tensor".
        return (Parameter, (self.detach(), self.requires_grad))


class UninitializedParameter(Parameter):
    """A parameter whose shape is not known yet: what a lazy layer (``LazyLinear``) holds until
    its first call. It prints as ``<UninitializedParameter>``; ``materialize(shape)`` gives it
    numbers and turns it into an ordinary ``Parameter`` (the same object).
    """

    def __repr__(self):
        return "<UninitializedParameter>"

    def detach(self):
        return UninitializedParameter(requires_grad=False)  # still without numbers

    @property
    def shape(self):
        raise RuntimeError(
            "Can't access the shape of an uninitialized parameter or buffer. This error usually "
            "happens in `load_state_dict` when trying to load an uninitialized parameter into an "
            "initialized one. Call `forward` to initialize the parameters before accessing their "
            "attributes."
        )

    def materialize(self, shape, device=None, dtype=None):
        """Become a ``Parameter`` of ``shape`` (uninitialised values: the layer fills them), on
        its own device and of its own dtype unless ``device``/``dtype`` say otherwise."""
        self.data = autograd_lib.empty(shape, device=device or self.device,
                                       dtype=dtype or self.dtype)
        self.__class__ = Parameter
