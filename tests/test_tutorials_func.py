"""Public tutorials on function transforms, run as scripts with torch 2.13 and with
autograd_lib in torch's place: the printed lines agree (numbers within float32 rounding).

``tests/tutorial/jacobians_hessians.py``: PyTorch's "Jacobians, Hessians, hvp, vhp, and more:
composing function transforms" (https://pytorch.org/tutorials/intermediate/jacobians_hessians.html),
as the header of the file says.
"""

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from _oracle import ag
from test_function import same_error, same_results

HERE = Path(__file__).parent / "tutorial"
NUMBER = re.compile(r"-?\d+\.\d*(?:e[-+]\d+)?|-?\d+e[-+]\d+")

# ``import torch`` (and ``import torch.func``, ``torch.nn.functional`` ...) loads autograd_lib:
# every autograd_lib module is also registered under torch's name, so that a submodule is
# never loaded twice.
SHIM = """
import sys
import autograd_lib
for name, module in list(sys.modules.items()):
    if name == "autograd_lib" or name.startswith("autograd_lib."):
        sys.modules["torch" + name[len("autograd_lib"):]] = module
"""


@pytest.fixture(scope="module")
def shim(tmp_path_factory):
    folder = tmp_path_factory.mktemp("shim")
    (folder / "sitecustomize.py").write_text(SHIM)
    return folder


def run(script, shim=None):
    env = None
    if shim is not None:
        import os

        env = dict(os.environ, PYTHONPATH=str(shim))
    result = subprocess.run([sys.executable, str(HERE / script)], capture_output=True, text=True,
                            env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout.replace("autograd_lib.", "torch.").splitlines()


def assert_same_lines(ours, theirs):
    """Line by line: the same text, numbers equal to float32 rounding."""
    assert len(ours) == len(theirs), (ours, theirs)
    for a, b in zip(ours, theirs):
        assert NUMBER.sub("#", a) == NUMBER.sub("#", b), (a, b)
        x = np.array([float(n) for n in NUMBER.findall(a)])
        y = np.array([float(n) for n in NUMBER.findall(b)])
        np.testing.assert_allclose(x, y, rtol=2e-4, atol=1e-9, err_msg=a)


@pytest.mark.slow
def test_jacobians_hessians_tutorial(shim):
    assert_same_lines(run("jacobians_hessians.py", shim), run("jacobians_hessians.py"))


# -- movedim, which the tutorial uses --------------------------------------------------------------
X = np.arange(24.0).reshape(2, 3, 4)


@pytest.mark.parametrize("source,destination", [(1, 0), (-1, 0), ((0, 1), (2, 0)), (0, 2)])
def test_movedim(source, destination):
    def scenario(m):
        x = m.tensor(X, requires_grad=True)
        y = x.movedim(source, destination)
        (y * m.arange(y.numel(), dtype=m.float64).reshape(y.shape)).sum().backward()
        return y, x.grad, y.grad_fn.name(), m.moveaxis(x, source, destination)

    same_results(scenario)


@pytest.mark.parametrize("source,destination", [((0, 1), (0,)), (3, 0), ((0, 0), (1, 2))])
def test_movedim_errors(source, destination):
    same_error(lambda m: m.zeros(2, 3, 4).movedim(source, destination))


def test_the_shim_loads_each_module_once(shim):
    """``from torch.func import vmap`` with the shim gives autograd_lib's own function."""
    code = "import torch, autograd_lib; from torch.func import vmap; import torch.nn.functional " \
           "as F; print(vmap is autograd_lib.func.vmap, F is autograd_lib.nn.functional)"
    import os

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=dict(os.environ, PYTHONPATH=str(shim)), timeout=60)
    assert out.stdout.split() == ["True", "True"], out.stderr
    assert torch is not ag
