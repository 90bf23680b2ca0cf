"""Optimizer: the base class of every update rule (SGD, Adam, ...).

An optimizer holds

* ``param_groups``: a list of dicts. Each has a ``"params"`` list of tensors and the
  hyper-parameters (``"lr"``, ``"momentum"``, ...) used for them. One group is the usual case;
  several let different parts of a model use, say, different learning rates::

      optim.SGD([{"params": model.body.parameters()},
                 {"params": model.head.parameters(), "lr": 1e-2}], lr=1e-3)

  A setting missing from a group is taken from ``defaults`` (the constructor's arguments).
* ``state``: a dict from each parameter to that parameter's memory between steps (SGD's
  momentum buffer, Adam's running averages). It fills lazily, on the first ``step()``.

The training loop is always the same three calls::

    optimizer.zero_grad()   # forget the previous gradients
    loss.backward()         # compute new ones into each p.grad
    optimizer.step()        # update every p from p.grad (a subclass defines how)
"""

import copy
import warnings
from collections import defaultdict

from autograd_lib import _dtype
from autograd_lib.grad_mode import enable_grad, no_grad
from autograd_lib.nn.module import zero_grads
from autograd_lib.tensor import Tensor, typename

_WHAT = {"lr": "learning rate", "eps": "epsilon value"}


def step_dtype():
    """The dtype of the step count ``state["step"]`` (a 0-d tensor): float64 under the float64
    default dtype, float32 otherwise, as PyTorch's ``_get_scalar_dtype``."""
    return _dtype.float64 if _dtype.default_float is _dtype.float64 else _dtype.float32


def check_nonnegative(**settings):
    """PyTorch's check of an optimizer's settings: each must be >= 0, else a ValueError that
    names it (``Invalid learning rate: -1``, ``Invalid momentum value: -1``)."""
    for name, value in settings.items():
        if not 0.0 <= value:
            raise ValueError(f"Invalid {_WHAT.get(name, name + ' value')}: {value}")


def _check_implementation(defaults):
    """PyTorch's implementation switches: ``foreach`` (one kernel for many tensors) and
    ``capturable`` (CUDA graphs) change how the same update is computed, so autograd_lib keeps
    them in ``param_groups`` and computes its one way, a loop over the parameters. ``fused``
    and ``differentiable`` would need an implementation autograd_lib does not have: refused."""
    if defaults.get("fused"):
        raise RuntimeError(
            "fused=True is not supported by autograd_lib: its optimizers update the "
            "parameters one at a time. Leave fused=None."
        )
    if defaults.get("differentiable"):
        raise RuntimeError(
            "differentiable=True is not supported by autograd_lib: optimizer steps are not "
            "recorded in the graph. Leave differentiable=False."
        )


class Optimizer:
    """Base class: keeps ``param_groups`` and ``state``; subclasses implement ``step()``."""

    def __init__(self, params, defaults):
        _check_implementation(defaults)
        self.defaults = defaults
        if isinstance(params, Tensor):
            raise TypeError(
                "params argument given to the optimizer should be "
                "an iterable of Tensors or dicts, but got " + typename(params)
            )
        self.state = defaultdict(dict)
        self.param_groups = []

        param_groups = list(params)  # params may be a generator, e.g. model.parameters()
        if len(param_groups) == 0:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for param_group in param_groups:
            self.add_param_group(param_group)

    def add_param_group(self, param_group):
        """Add a dict ``{"params": [...], "lr": ...}`` of tensors to optimize.

        Useful when fine-tuning: unfreeze a layer and start optimizing it mid-training.
        """
        if not isinstance(param_group, dict):
            raise TypeError(f"param_group must be a dict, but got {type(param_group)}")
        params = param_group["params"]
        if isinstance(params, Tensor):
            param_group["params"] = [params]
        elif isinstance(params, set):
            raise TypeError(
                "optimizer parameters need to be organized in ordered collections, but "
                "the ordering of tensors in sets will change between runs. "
                "Please use a list instead."
            )
        else:
            param_group["params"] = list(params)

        for param in param_group["params"]:
            if not isinstance(param, Tensor):
                raise TypeError(
                    "optimizer can only optimize Tensors, "
                    "but one of the params is " + typename(param)
                )
            if not (param.is_leaf or param.retains_grad):
                raise ValueError("can't optimize a non-leaf Tensor")

        for name, default in self.defaults.items():
            param_group.setdefault(name, default)

        param_ids = [id(p) for p in param_group["params"]]
        if len(param_ids) != len(set(param_ids)):
            warnings.warn(
                "optimizer contains a parameter group with duplicate parameters; "
                "in future, this will cause an error; "
                "see github.com/pytorch/pytorch/issues/40967 for more information",
                stacklevel=3,
            )
        existing_ids = {id(p) for group in self.param_groups for p in group["params"]}
        if not existing_ids.isdisjoint(param_ids):
            raise ValueError("some parameters appear in more than one parameter group")

        self.param_groups.append(param_group)

    def zero_grad(self, set_to_none=True):
        """Forget every parameter's gradient: ``.grad = None`` (default) or zeros in place."""
        zero_grads([param for group in self.param_groups for param in group["params"]],
                   set_to_none)

    def step(self, closure=None):
        """Update every parameter that has a gradient; return ``closure()``'s loss if given.

        Each optimizer defines how one parameter is updated: ``_update(p, group)``.
        """
        self._opt_called = True  # for the learning-rate schedulers' order check
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()

        with no_grad():  # the update itself must not be recorded in the graph
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is not None:
                        self._update(p, group)
        return loss

    def _update(self, p, group):
        """Update one parameter ``p`` from ``p.grad`` with ``group``'s settings."""
        raise NotImplementedError

    # -----------------------------------------------------------------------------------------
    # Saving and loading.
    # -----------------------------------------------------------------------------------------

    def state_dict(self):
        """Return ``{"state": ..., "param_groups": ...}`` with parameters replaced by numbers.

        Tensors cannot be saved by identity, so each parameter gets an integer id: its position
        counting through all groups (0, 1, 2, ...). ``state`` maps those ids to each
        parameter's state; each group's ``"params"`` becomes its list of ids.
        """
        param_ids = {}  # id(tensor) -> integer id
        next_id = 0
        packed_groups = []
        for group in self.param_groups:
            packed = {key: value for key, value in group.items() if key != "params"}
            for param in group["params"]:
                if id(param) not in param_ids:
                    param_ids[id(param)] = next_id
                    next_id += 1
            packed["params"] = [param_ids[id(param)] for param in group["params"]]
            packed_groups.append(packed)

        packed_state = {
            (param_ids[id(key)] if isinstance(key, Tensor) else key): value
            for key, value in self.state.items()
        }
        return {"state": packed_state, "param_groups": packed_groups}

    def load_state_dict(self, state_dict):
        """Restore hyper-parameters and state saved by ``state_dict()``.

        The optimizer must have been built on the same parameters, in the same order: ids are
        matched by position. State tensors are cast to each parameter's dtype and device.
        """
        groups = self.param_groups
        saved_groups = copy.deepcopy(state_dict["param_groups"])
        if len(groups) != len(saved_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        for group, saved in zip(groups, saved_groups):
            if len(group["params"]) != len(saved["params"]):
                raise ValueError(
                    "loaded state dict contains a parameter group "
                    "that doesn't match the size of optimizer's group"
                )

        # Saved integer id -> our parameter tensor, matched by position.
        id_map = {}
        for group, saved in zip(groups, saved_groups):
            for saved_id, param in zip(saved["params"], group["params"]):
                id_map[saved_id] = param

        state = defaultdict(dict)
        for key, value in state_dict["state"].items():
            if key in id_map:
                param = id_map[key]
                state[param] = {k: _cast(param, v, k) for k, v in value.items()}
            else:
                state[key] = value

        for group, saved in zip(groups, saved_groups):
            saved["params"] = group["params"]
        self.state = state
        self.param_groups = saved_groups

    def __repr__(self):
        text = type(self).__name__ + " ("
        for i, group in enumerate(self.param_groups):
            text += f"\nParameter Group {i}\n"
            for key in sorted(group.keys()):
                if key != "params":
                    text += f"    {key}: {group[key]}\n"
        return text + ")"


def _cast(param, value, key):
    """A state value made ready for ``param``: on its device, in its float dtype.

    The step counter (``"step"``) keeps its own dtype, as in PyTorch.
    """
    if not isinstance(value, Tensor):
        return value
    value = value.to(param.device)
    if key != "step" and param.is_floating_point():
        value = value.to(param.dtype)
    return value
