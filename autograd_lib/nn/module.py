"""Module: the base class of every layer and every model.

A Module is a Python object that *owns tensors* and *computes something* with them.

* Owning: assigning a ``Parameter`` (``self.weight = Parameter(...)``), another ``Module``
  (``self.layer1 = Linear(2, 3)``) or a buffer (``self.register_buffer("mean", t)``) as an
  attribute does not just set the attribute: ``__setattr__`` files the value in one of three
  ordered dictionaries, ``_parameters``, ``_modules`` and ``_buffers``. Everything else the
  Module does (``parameters()``, ``state_dict()``, ``zero_grad()``, ``to()``, ``repr``) is a
  walk over those dictionaries, recursively into the sub-modules.
* Computing: ``module(x)`` calls ``module.forward(x)``, which each subclass defines.

A tiny model::

    class TwoLayer(nn.Module):
        def __init__(self):
            super().__init__()              # creates the three dictionaries: call it first
            self.hidden = nn.Linear(2, 8)   # registered in self._modules
            self.out = nn.Linear(8, 1)

        def forward(self, x):
            return self.out(self.hidden(x).relu())

    list(dict(TwoLayer().named_parameters()))
    # ['hidden.weight', 'hidden.bias', 'out.weight', 'out.bias']
"""

from collections import OrderedDict, namedtuple
from collections.abc import Mapping

import autograd_lib
from autograd_lib import _dtype
from autograd_lib.tensor import Tensor, cast_method, typename

from .parameter import Parameter


def zero_grads(params, set_to_none=True):
    """Forget the gradients of ``params``: ``.grad = None``, or zeros in place.

    What ``Module.zero_grad`` and ``Optimizer.zero_grad`` both do, on their parameters.
    """
    for param in params:
        if param.grad is None:
            continue
        if set_to_none:
            param.grad = None
        else:
            if param.grad.grad_fn is not None:
                param.grad.detach_()
            else:
                param.grad.requires_grad_(False)
            param.grad.zero_()


def _addindent(text, num_spaces):
    """Indent every line of ``text`` but the first (used to nest sub-module reprs)."""
    lines = text.split("\n")
    if len(lines) == 1:
        return text
    first = lines.pop(0)
    lines = [(num_spaces * " ") + line if line.strip() else "" for line in lines]
    return first + "\n" + "\n".join(lines)


class _IncompatibleKeys(namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])):
    """What ``load_state_dict`` returns: the keys it could not match (both empty when all did)."""

    __slots__ = ()

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


class Module:
    """Base class for all neural-network layers and models.

    Subclasses call ``super().__init__()`` first, assign their parameters and sub-modules as
    attributes, and define ``forward``. ``training`` is ``True`` until ``eval()`` is called.
    """

    training: bool

    def __init__(self):
        # object.__setattr__ bypasses our own __setattr__, which needs these dicts to exist.
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent_buffers_set", set())
        object.__setattr__(self, "_modules", OrderedDict())

    def forward(self, *args, **kwargs):
        """The computation of the module; every subclass must define it."""
        raise NotImplementedError(
            f'Module [{type(self).__name__}] is missing the required "forward" function'
        )

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    # -----------------------------------------------------------------------------------------
    # Registration: parameters, buffers, sub-modules.
    # -----------------------------------------------------------------------------------------

    def _check_new(self, kind, name, value, cls, required):
        """PyTorch's checks before ``value`` (an instance of ``cls``, or None) is registered as
        the ``kind`` ("parameter" or "buffer") called ``name``; returns the registry."""
        registry = self.__dict__.get(f"_{kind}s")
        if registry is None:
            raise AttributeError(f"cannot assign {kind} before Module.__init__() call")
        if not isinstance(name, str):
            raise TypeError(f"{kind} name should be a string. Got {typename(name)}")
        if "." in name:
            raise KeyError(f'{kind} name can\'t contain "."')
        if name == "":
            raise KeyError(f'{kind} name can\'t be empty string ""')
        if hasattr(self, name) and name not in registry:
            raise KeyError(f"attribute '{name}' already exists")
        if value is not None and not isinstance(value, cls):
            raise TypeError(
                f"cannot assign '{typename(value)}' object to {kind} '{name}' "
                f"({required} or None required)"
            )
        return registry

    def register_parameter(self, name, param):
        """Add a parameter (a ``Parameter``, or ``None`` for "this layer has no bias")."""
        registry = self._check_new("parameter", name, param, Parameter,
                                   "autograd_lib.nn.Parameter")
        if param is not None and param.grad_fn is not None:
            raise ValueError(
                f"Cannot assign non-leaf Tensor to parameter '{name}'. Model "
                f"parameters must be created explicitly. To express '{name}' "
                "as a function of another Tensor, compute the value in "
                "the forward() method."
            )
        registry[name] = param

    def register_buffer(self, name, tensor, persistent=True):
        """Add a tensor that is state but not learnable (e.g. BatchNorm's running mean).

        Buffers move with ``to()`` and, when ``persistent``, are saved in ``state_dict()``;
        the optimizer never sees them.
        """
        registry = self._check_new("buffer", name, tensor, Tensor, "autograd_lib Tensor")
        registry[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def add_module(self, name, module):
        """Add a child module (what ``self.name = module`` does for you)."""
        if not isinstance(module, Module) and module is not None:
            raise TypeError(f"{typename(module)} is not a Module subclass")
        if not isinstance(name, str):
            raise TypeError(f"module name should be a string. Got {typename(name)}")
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(f"attribute '{name}' already exists")
        if "." in name:
            raise KeyError(f'module name can\'t contain ".", got: {name}')
        if name == "":
            raise KeyError('module name can\'t be empty string ""')
        self._modules[name] = module

    def register_module(self, name, module):
        """Alias for ``add_module``."""
        self.add_module(name, module)

    def __setattr__(self, name, value):
        def remove_from(*dicts_or_sets):
            for d in dicts_or_sets:
                if name in d:
                    if isinstance(d, dict):
                        del d[name]
                    else:
                        d.discard(name)

        params = self.__dict__.get("_parameters")
        modules = self.__dict__.get("_modules")
        buffers = self.__dict__.get("_buffers")

        if isinstance(value, Parameter):
            if params is None:
                raise AttributeError("cannot assign parameters before Module.__init__() call")
            remove_from(self.__dict__, buffers, modules, self._non_persistent_buffers_set)
            self.register_parameter(name, value)
        elif params is not None and name in params:
            # An existing parameter can only be replaced by a Parameter, or by None.
            if value is not None:
                raise TypeError(
                    f"cannot assign '{typename(value)}' as parameter '{name}' "
                    "(autograd_lib.nn.Parameter or None expected)"
                )
            self.register_parameter(name, value)
        elif isinstance(value, Module):
            if modules is None:
                raise AttributeError("cannot assign module before Module.__init__() call")
            remove_from(self.__dict__, params, buffers, self._non_persistent_buffers_set)
            modules[name] = value
        elif modules is not None and name in modules:
            if value is not None:
                raise TypeError(
                    f"cannot assign '{typename(value)}' as child module '{name}' "
                    "(autograd_lib.nn.Module or None expected)"
                )
            modules[name] = value
        elif buffers is not None and name in buffers:
            # Re-assigning a registered buffer keeps it a buffer (and keeps its persistence).
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(
                    f"cannot assign '{typename(value)}' as buffer '{name}' "
                    "(autograd_lib.nn.Buffer, autograd_lib.Tensor or None expected)"
                )
            buffers[name] = value
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name):
        # Python calls __getattr__ only when normal lookup fails, i.e. for registered values.
        for registry in ("_parameters", "_buffers", "_modules"):
            values = self.__dict__.get(registry)
            if values is not None and name in values:
                return values[name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        if name in self._parameters:
            del self._parameters[name]
        elif name in self._buffers:
            del self._buffers[name]
            self._non_persistent_buffers_set.discard(name)
        elif name in self._modules:
            del self._modules[name]
        else:
            object.__delattr__(self, name)

    def __dir__(self):
        names = list(dir(type(self))) + list(self.__dict__)
        names += list(self._parameters) + list(self._modules) + list(self._buffers)
        return sorted(name for name in set(names) if not name[0].isdigit())

    # -----------------------------------------------------------------------------------------
    # Walking the tree of modules.
    # -----------------------------------------------------------------------------------------

    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        """Yield ``(dotted_name, module)`` for this module and all below it, depth first.

        The module itself comes first, with name ``prefix`` (``""``). A module reachable twice
        (shared between two parents) is yielded once, unless ``remove_duplicate=False``.
        """
        if memo is None:
            memo = set()
        if self in memo:
            return
        if remove_duplicate:
            memo.add(self)
        yield prefix, self
        for name, module in self._modules.items():
            if module is None:
                continue
            submodule_prefix = prefix + ("." if prefix else "") + name
            yield from module.named_modules(memo, submodule_prefix, remove_duplicate)

    def modules(self):
        """Yield this module and every module below it (each once)."""
        for _, module in self.named_modules():
            yield module

    def named_children(self):
        """Yield ``(name, module)`` for the direct children only."""
        seen = set()
        for name, module in self._modules.items():
            if module is not None and module not in seen:
                seen.add(module)
                yield name, module

    def children(self):
        """Yield the direct child modules."""
        for _, module in self.named_children():
            yield module

    def _named_members(self, registry, prefix="", recurse=True, remove_duplicate=True):
        """Yield ``(dotted_name, tensor)`` from ``registry`` of each module, each tensor once.

        ``registry`` is ``"_parameters"`` or ``"_buffers"``. The names are the attribute path
        from this module: ``"0.weight"`` is the ``weight`` of the child called ``"0"``.
        """
        seen_ids = set()
        if recurse:
            modules = self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate)
        else:
            modules = [(prefix, self)]
        for module_prefix, module in modules:
            for name, value in getattr(module, registry).items():
                if value is None or id(value) in seen_ids:
                    continue
                if remove_duplicate:
                    seen_ids.add(id(value))
                yield module_prefix + ("." if module_prefix else "") + name, value

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        """Yield ``(dotted_name, parameter)``; a parameter shared by two layers comes once."""
        yield from self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse=True):
        """Yield every learnable parameter; what you hand to an optimizer."""
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        """Yield ``(dotted_name, buffer)``."""
        yield from self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse=True):
        """Yield every buffer."""
        for _, buf in self.named_buffers(recurse=recurse):
            yield buf

    def apply(self, fn):
        """Call ``fn`` on every sub-module (children first) and on ``self``; return ``self``.

        Typical use: custom initialisation, ``model.apply(init_weights)``.
        """
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # -----------------------------------------------------------------------------------------
    # Modes and gradients.
    # -----------------------------------------------------------------------------------------

    def train(self, mode=True):
        """Set training mode (``mode=True``) or evaluation mode, recursively; return ``self``.

        Only layers that behave differently while training (Dropout, BatchNorm) look at it.
        """
        if not isinstance(mode, bool):
            raise ValueError("training mode is expected to be boolean")
        self.training = mode
        for module in self.children():
            module.train(mode)
        return self

    def eval(self):
        """Set evaluation mode: same as ``train(False)``."""
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        """Switch gradient tracking of every parameter on or off (e.g. to freeze a layer)."""
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        """Forget the gradients of all parameters before the next ``backward()``.

        By default ``.grad`` becomes ``None``; with ``set_to_none=False`` it is filled with
        zeros in place. (Gradients accumulate: without this, each backward adds to them.)
        """
        zero_grads(self.parameters(), set_to_none)

    # -----------------------------------------------------------------------------------------
    # Saving and loading: state_dict.
    # -----------------------------------------------------------------------------------------

    def state_dict(self, *, destination=None, prefix="", keep_vars=False):
        """Return an ``OrderedDict`` from dotted names to the parameters and persistent buffers.

        The values are detached tensors that share data with the model (no copy); pass
        ``keep_vars=True`` to get the ``Parameter`` objects themselves.
        """
        if destination is None:
            destination = OrderedDict()
        for name, param in self._parameters.items():
            if param is not None:
                destination[prefix + name] = param if keep_vars else param.detach()
        for name, buf in self._buffers.items():
            if buf is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = buf if keep_vars else buf.detach()
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(
                    destination=destination, prefix=prefix + name + ".", keep_vars=keep_vars
                )
        return destination

    def _load_from_state_dict(self, state_dict, prefix, missing_keys, unexpected_keys, errors):
        """Copy this module's own entries of ``state_dict``; note what is missing or extra."""
        local_state = OrderedDict()
        for name, param in self._parameters.items():
            if param is not None:
                local_state[name] = param
        for name, buf in self._buffers.items():
            if buf is not None and name not in self._non_persistent_buffers_set:
                local_state[name] = buf

        for name, param in local_state.items():
            key = prefix + name
            if key not in state_dict:
                missing_keys.append(key)
                continue
            input_param = state_dict[key]
            if not isinstance(input_param, Tensor):
                errors.append(
                    f'While copying the parameter named "{key}", '
                    "expected autograd_lib.Tensor or Tensor-like object from checkpoint but "
                    f"received {type(input_param)}"
                )
                continue
            if input_param.shape != param.shape:
                errors.append(
                    f"size mismatch for {key}: copying a param with shape {input_param.shape} "
                    f"from checkpoint, the shape in current model is {param.shape}."
                )
                continue
            try:
                # In place, so the optimizer (which holds these very tensors) sees the new values.
                with autograd_lib.no_grad():
                    param.copy_(input_param)
            except Exception as ex:
                errors.append(
                    f'While copying the parameter named "{key}", '
                    f"whose dimensions in the model are {param.size()} and "
                    f"whose dimensions in the checkpoint are {input_param.size()}, "
                    f"an exception occurred : {ex.args}."
                )

        for key in state_dict:
            if not key.startswith(prefix):
                continue
            input_name = key[len(prefix) :].split(".", 1)
            if len(input_name) > 1:  # "child.rest": fine if there is such a child
                if input_name[0] not in self._modules:
                    unexpected_keys.append(key)
            elif input_name[0] not in local_state:
                unexpected_keys.append(key)

    def load_state_dict(self, state_dict, strict=True):
        """Copy parameters and buffers from ``state_dict`` into this module, in place.

        With ``strict=True`` (the default) the keys must match ``self.state_dict()`` exactly;
        otherwise a ``RuntimeError`` lists the missing and unexpected keys. Returns a named
        tuple ``(missing_keys, unexpected_keys)``.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"Expected state_dict to be dict-like, got {type(state_dict)}.")
        missing_keys, unexpected_keys, errors = [], [], []

        def load(module, prefix):
            module._load_from_state_dict(state_dict, prefix, missing_keys, unexpected_keys, errors)
            for name, child in module._modules.items():
                if child is not None:
                    load(child, prefix + name + ".")

        load(self, "")

        if strict:
            if unexpected_keys:
                names = ", ".join(f'"{k}"' for k in unexpected_keys)
                errors.insert(0, f"Unexpected key(s) in state_dict: {names}. ")
            if missing_keys:
                names = ", ".join(f'"{k}"' for k in missing_keys)
                errors.insert(0, f"Missing key(s) in state_dict: {names}. ")
        if errors:
            raise RuntimeError(
                f"Error(s) in loading state_dict for {type(self).__name__}:\n\t"
                + "\n\t".join(errors)
            )
        return _IncompatibleKeys(missing_keys, unexpected_keys)

    # -----------------------------------------------------------------------------------------
    # Moving and casting: to(), cpu(), cuda(), float(), double().
    # -----------------------------------------------------------------------------------------

    def _apply(self, fn):
        """Replace the data of every parameter, gradient and buffer by ``fn(tensor)``.

        Parameters keep their identity (only their data changes), so an optimizer created
        before ``model.to(...)`` still holds the right tensors.
        """
        for module in self.children():
            module._apply(fn)
        with autograd_lib.no_grad():
            for param in self._parameters.values():
                if param is None:
                    continue
                param.data = fn(param)  # same Parameter object, new numbers/device
                if param.grad is not None:
                    param.grad.data = fn(param.grad)
            for name, buf in self._buffers.items():
                if buf is not None:
                    self._buffers[name] = fn(buf)
        return self

    def to(self, *args, **kwargs):
        """Move and/or cast parameters and buffers: ``to(device)``, ``to(dtype)``, ``to(tensor)``.

        Only floating-point tensors change dtype; integer buffers (counters) stay integers.
        Works in place and returns ``self``.
        """
        device = kwargs.pop("device", None)
        dtype = kwargs.pop("dtype", None)
        kwargs.pop("non_blocking", None)
        if kwargs:
            raise TypeError(f"to() got an unexpected keyword argument '{next(iter(kwargs))}'")
        for arg in args:
            if isinstance(arg, Tensor):
                device, dtype = arg.device, arg.dtype
            elif isinstance(arg, autograd_lib.dtype):
                dtype = arg
            elif isinstance(arg, bool):  # the positional non_blocking flag
                continue
            else:
                device = arg
        if dtype is not None and not dtype.is_floating_point:
            raise TypeError(
                "nn.Module.to only accepts floating point or complex dtypes, "
                f"but got desired dtype={dtype}"
            )

        def convert(t):
            if device is not None:
                t = t.to(device)
            if dtype is not None and t.is_floating_point():
                t = t.to(dtype)
            return t

        return self._apply(convert)

    def cpu(self):
        """Move all parameters and buffers to the CPU (NumPy)."""
        return self.to("cpu")

    def cuda(self, device=None):
        """Move all parameters and buffers to the GPU (CuPy)."""
        if device is None:
            device = "cuda"
        elif isinstance(device, int):
            device = f"cuda:{device}"
        return self.to(device)

    # float(), double(), half(): cast floating-point parameters and buffers (see below)

    # -----------------------------------------------------------------------------------------
    # Printing.
    # -----------------------------------------------------------------------------------------

    def _get_name(self):
        return type(self).__name__

    def extra_repr(self):
        """The text inside ``Name(...)`` for this module's own settings; override it."""
        return ""

    def __repr__(self):
        extra_lines = []
        extra_repr = self.extra_repr()
        if extra_repr:
            extra_lines = extra_repr.split("\n")
        child_lines = []
        for key, module in self._modules.items():
            mod_str = _addindent(repr(module), 2)
            child_lines.append("(" + key + "): " + mod_str)
        lines = extra_lines + child_lines

        main_str = self._get_name() + "("
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                main_str += extra_lines[0]  # short form: Linear(in_features=1, ...)
            else:
                main_str += "\n  " + "\n  ".join(lines) + "\n"
        return main_str + ")"


for _name, _dtype_name in (("float", "float32"), ("double", "float64"), ("half", "float16")):
    setattr(Module, _name, cast_method(_name, getattr(_dtype, _dtype_name)))
