"""Public tutorials, kept as unchanged copies in tests/tutorial/, run with PyTorch 2.13 and with
``import autograd_lib as torch``: they print the same lines, numbers within float32 rounding.

* PyTorch's "Learning PyTorch with Examples"
  (https://pytorch.org/tutorials/beginner/pytorch_with_examples.html): its numbered examples,
  tests/tutorial/pytorch_with_examples/. Not here: "Warm-up: numpy", which imports no torch, and
  "Defining new autograd functions", which is
  tests/test_function.py::test_legendre_tutorial_prints_what_pytorch_prints.
* PyTorch's "Learn the Basics: Automatic Differentiation with torch.autograd"
  (https://pytorch.org/tutorials/beginner/basics/autogradqs_tutorial.html), the same folder.
* D2L's "Linear Regression Implementation from Scratch" and "Concise Implementation of Linear
  Regression", in English and Chinese (https://d2l.ai, https://zh.d2l.ai; the sources are cited
  in each copy), tests/tutorial/d2l_linear_regression/.

The same numbers in both runs: the tutorials draw their starting weights, their synthetic data
and their shuffles at random, and each library has its own generator. So while a tutorial runs,
``randn``, ``normal``, ``randperm``, ``Tensor.normal_`` and ``nn.Linear``'s initialisation of the
library under test draw from one NumPy stream seeded alike for both runs (and Python's ``random``
is seeded alike). PyTorch's ``RandomSampler`` draws two permutations an epoch, of which it uses
one; in its run it draws just the one it uses, so that both runs shuffle alike.
"""

import builtins
import contextlib
import io
import math
import random
import re
import runpy
import sys
import types
from pathlib import Path

import numpy as np
import pytest
import torch

import autograd_lib

HERE = Path(__file__).parent / "tutorial"

# The copies keep the tutorials' docstrings as published, "\sin" included.
pytestmark = pytest.mark.filterwarnings("ignore:invalid escape sequence:DeprecationWarning")
EXAMPLES = HERE / "pytorch_with_examples"
D2L = HERE / "d2l_linear_regression"


@contextlib.contextmanager
def same_random_numbers(lib, monkeypatch, seed=0):
    """Make ``lib``'s random draws come from a NumPy stream seeded with ``seed``."""
    rng = np.random.default_rng(seed)

    def drawn(values, dtype=None, requires_grad=False):
        return lib.tensor(np.asarray(values, dtype=np.float32), dtype=dtype,
                          requires_grad=requires_grad)

    def randn(*size, dtype=None, device=None, requires_grad=False):
        shape = size[0] if len(size) == 1 and isinstance(size[0], (tuple, list)) else size
        return drawn(rng.standard_normal(tuple(shape)), dtype, requires_grad)

    def normal(mean, std, size, *, requires_grad=False):
        return drawn(rng.normal(mean, std, tuple(size)), None, requires_grad)

    def normal_(self, mean=0.0, std=1.0):
        with lib.no_grad():
            self.copy_(drawn(rng.normal(mean, std, tuple(self.shape))))
        return self

    def randperm(n, generator=None):
        return lib.tensor(rng.permutation(n))

    def reset_parameters(self):  # PyTorch's U(-1/sqrt(in), 1/sqrt(in)) for weight and bias
        bound = 1 / math.sqrt(self.in_features)
        with lib.no_grad():
            self.weight.copy_(drawn(rng.uniform(-bound, bound, tuple(self.weight.shape))))
            if self.bias is not None:
                self.bias.copy_(drawn(rng.uniform(-bound, bound, tuple(self.bias.shape))))

    for name, fn in (("randn", randn), ("normal", normal), ("randperm", randperm)):
        monkeypatch.setattr(lib, name, fn)
    monkeypatch.setattr(lib.Tensor, "normal_", normal_)
    monkeypatch.setattr(lib.nn.Linear, "reset_parameters", reset_parameters)
    if lib is torch:
        monkeypatch.setattr(torch.utils.data.RandomSampler, "__iter__",
                            lambda self: iter(torch.randperm(len(self.data_source)).tolist()))
    random.seed(seed)
    np.random.seed(seed)
    try:
        yield
    finally:
        monkeypatch.undo()


def d2l_library(lib):
    """What ``from d2l import torch as d2l`` gives these chapters (d2l's own definitions)."""
    d2l = types.ModuleType("d2l.torch")
    d2l.tensor = lib.tensor
    d2l.normal = lambda *args, **kwargs: lib.normal(*args, **kwargs)
    d2l.matmul = lib.matmul
    d2l.reshape = lambda x, *args, **kwargs: x.reshape(*args, **kwargs)
    d2l.numpy = lambda x, *args, **kwargs: x.detach().numpy(*args, **kwargs)

    def synthetic_data(w, b, num_examples):  # d2l-zh's saved definition
        X = d2l.normal(0, 1, (num_examples, len(w)))
        y = d2l.matmul(X, w) + b
        y += d2l.normal(0, 0.01, y.shape)
        return X, d2l.reshape(y, (-1, 1))

    d2l.synthetic_data = synthetic_data
    package = types.ModuleType("d2l")
    package.torch = d2l
    return {"d2l": package, "d2l.torch": d2l}


def modules_for(lib):
    """The sys.modules entries that make ``import torch`` (and its submodules) load ``lib``."""
    if lib is torch:
        return {}
    names = ["", ".nn", ".nn.functional", ".optim", ".utils", ".utils.data", ".autograd"]
    return {"torch" + name: sys.modules["autograd_lib" + name] for name in names}


def printed(script, lib, monkeypatch, init_globals=None):
    """What ``script`` prints when ``import torch`` gives ``lib`` (``init_globals``: names the
    script sees before its own)."""
    out = io.StringIO()
    replaced = {**modules_for(lib), **d2l_library(lib)}
    saved = {name: sys.modules.get(name) for name in replaced}
    sys.modules.update(replaced)
    try:
        with same_random_numbers(lib, monkeypatch), contextlib.redirect_stdout(out):
            runpy.run_path(str(script), init_globals, run_name="__main__")
    finally:
        for name, module in saved.items():
            if module is None:
                del sys.modules[name]
            else:
                sys.modules[name] = module
    return out.getvalue()


NUMBER = re.compile(r"-?\d+\.\d*(?:e[-+]?\d+)?|-?\d+e[-+]?\d+")


def assert_same_lines(ours, theirs, rtol, atol):
    """Equal line by line once numbers are taken out; the numbers equal within rtol/atol."""
    ours_lines, theirs_lines = ours.splitlines(), theirs.splitlines()
    assert len(ours_lines) == len(theirs_lines), (ours, theirs)
    for mine, torchs in zip(ours_lines, theirs_lines):
        assert NUMBER.sub("#", mine) == NUMBER.sub("#", torchs), (mine, torchs)
        for a, b in zip(NUMBER.findall(mine), NUMBER.findall(torchs)):
            assert math.isclose(float(a), float(b), rel_tol=rtol, abs_tol=atol), (mine, torchs)


# Loss and coefficients are float32 sums over 2000 points, added in a different order by NumPy
# and PyTorch: they agree to a few float32 ulps (rtol 1e-5); a coefficient that converges to
# about 0 keeps only rounding noise (atol 1e-6).
@pytest.mark.parametrize("script", ["polynomial_tensor.py", "polynomial_nn.py",
                                    "polynomial_optim.py", "polynomial_module.py"])
def test_learning_pytorch_with_examples(script, monkeypatch):
    theirs = printed(EXAMPLES / script, torch, monkeypatch)
    ours = printed(EXAMPLES / script, autograd_lib, monkeypatch)
    assert len(theirs.splitlines()) == 21  # 20 losses and the result
    assert_same_lines(ours, theirs, rtol=1e-5, atol=1e-6)


def first_steps(count):
    """A ``range`` for the script that stops its training loop (``range(30000)``) after
    ``count`` steps; every other ``range`` is Python's."""

    def script_range(*args):
        return builtins.range(count) if args == (30000,) else builtins.range(*args)

    return {"range": script_range}


@pytest.mark.slow
def test_learning_pytorch_with_examples_dynamic_net(monkeypatch):
    """Control flow and weight sharing: SGD with momentum on parameters used several times in
    one graph, a graph that changes from step to step (Python's random picks the order). The
    first 6000 of the published 30000 steps (3 of the 15 loss lines and the result; all 30000
    take about 40 s in each library), the same in both runs."""
    theirs = printed(EXAMPLES / "dynamic_net.py", torch, monkeypatch, first_steps(6000))
    ours = printed(EXAMPLES / "dynamic_net.py", autograd_lib, monkeypatch, first_steps(6000))
    assert len(theirs.splitlines()) == 4
    assert_same_lines(ours, theirs, rtol=1e-4, atol=1e-6)


def test_learning_pytorch_with_examples_autograd_stops_where_pytorch_does(monkeypatch):
    """The published version picks its device with ``torch.accelerator`` and assigns the float
    0. to ``.grad``, which PyTorch 2.13 refuses on the first update: both runs stop there with
    the same error. (The suite runs CUDA cases on a stand-in for CuPy; here the
    library under test sees no GPU, as torch sees none on this machine.)"""
    outcomes = []
    for lib in (torch, autograd_lib):
        with pytest.MonkeyPatch.context() as no_gpu, pytest.raises(TypeError) as error:
            no_gpu.setattr(autograd_lib.cuda, "is_available", lambda: False)
            printed(EXAMPLES / "polynomial_autograd.py", lib, monkeypatch)
        outcomes.append(str(error.value).replace("autograd_lib.", "torch."))
    assert outcomes[1] == outcomes[0]
    assert autograd_lib.get_default_device().type == "cpu"  # what the script set


def test_learn_the_basics_autograd(monkeypatch):
    """The tutorial prints the grad_fn of its loss (BinaryCrossEntropyWithLogitsBackward0) and
    of z, gradients, requires_grad flags and the accumulated Jacobian products."""
    theirs = printed(EXAMPLES / "autogradqs_tutorial.py", torch, monkeypatch)
    ours = printed(EXAMPLES / "autogradqs_tutorial.py", autograd_lib, monkeypatch)
    assert "<BinaryCrossEntropyWithLogitsBackward0 object at" in theirs
    address = re.compile(r"0x[0-9a-f]+")
    assert_same_lines(address.sub("0x", ours), address.sub("0x", theirs), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("script", ["scratch_en.py", "scratch_zh.py", "concise_en.py",
                                    "concise_zh.py"])
def test_d2l_linear_regression(script, monkeypatch):
    """Printed with 4 to 6 decimals, the lines are equal to the letter."""
    theirs = printed(D2L / script, torch, monkeypatch)
    ours = printed(D2L / script, autograd_lib, monkeypatch)
    assert "epoch 3, loss" in theirs
    assert ours == theirs
