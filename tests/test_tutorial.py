"""The seed tutorial's code, run unchanged with ``import autograd_lib as torch``, prints exactly
what PyTorch 2.13 prints (object addresses aside)."""

import pathlib
import re
import subprocess
import sys

import pytest

HERE = pathlib.Path(__file__).parent / "tutorial"


def _run(script, shim_dir=None):
    env = None
    if shim_dir is not None:
        import os

        env = dict(os.environ, PYTHONPATH=str(shim_dir))
    result = subprocess.run(
        [sys.executable, str(HERE / script)], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return re.sub(r"0x[0-9a-f]+", "0x…", result.stdout)


@pytest.fixture(scope="module")
def shim(tmp_path_factory):
    """A folder whose ``torch.py`` makes ``import torch`` load autograd_lib."""
    d = tmp_path_factory.mktemp("shim")
    (d / "torch.py").write_text('import sys, autograd_lib\nsys.modules["torch"] = autograd_lib\n')
    return d


@pytest.mark.parametrize("script", ["sections_2_to_7.py", "section_8.py", "d2l_autograd.py"])
def test_tutorial_prints_what_pytorch_prints(script, shim):
    ours = _run(script, shim)
    theirs = _run(script)
    assert ours == theirs


def test_linear_regression_digits(shim):
    """The numbers the issue quotes, digit for digit, in float32."""
    out = _run("section_8.py", shim)
    assert "Epoch 0, Loss: 9.666666984558105" in out
    assert "Epoch 90, Loss: 0.02048538811504841" in out
    assert "学习后的权重: 1.1622707843780518, 偏置: 0.6310948729515076" in out
