"""Tensors on CUDA devices behave as PyTorch's (issue 16): errors, conversions, reprs, moves,
models, optimizers, viz, and the lessons' device cells.

Every test here is marked ``cuda``: on a machine without a GPU it runs on CuPy's stand-in
(``tests/fake_cupy.py``, two devices), on a GPU machine on real CuPy (``scripts/gpu_check.sh``).
The expected texts are PyTorch 2.13's (for CUDA tensors, whose reprs differ from the CPU ones
only by ``device='cuda:0'``; the installed oracle is CPU-only).
"""

import json
from pathlib import Path

import numpy as np
import pytest
import torch as pt
from conftest import CUPY, STAND_IN

import autograd_lib as torch
from autograd_lib.ops._common import record_unary
from autograd_lib.ops.elementwise import ExpBackward0

ROOT = Path(__file__).resolve().parents[1]

pytestmark = [
    pytest.mark.cuda,
    pytest.mark.skipif(CUPY is None, reason="no CUDA GPU (or CuPy not installed): "
                       "scripts/gpu_check.sh runs these"),
]
two_gpus = pytest.mark.skipif(CUPY is not None and torch.cuda.device_count() < 2,
                              reason="needs two GPUs (the stand-in has two)")

MIXED = "Expected all tensors to be on the same device, but found at least two devices, {} and {}!"


# ------------------------------------------------------------------------------------------
# One device per op.
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("expr", ["g + c", "c * g", "torch.where(g > 0, g, c)", "g.add_(c)"])
def test_mixing_cuda_and_cpu_raises_pytorchs_error(expr):
    """Elementwise ops (PyTorch's TensorIterator) name the GPU first, whatever the order."""
    g = torch.tensor([1.0, 2.0], device="cuda")
    c = torch.tensor([3.0, 4.0])
    with pytest.raises(RuntimeError) as err:
        eval(expr, {"torch": torch, "g": g, "c": c})
    assert str(err.value) == MIXED.format("cuda:0", "cpu")


@pytest.mark.parametrize("expr", ["torch.cat([g, c])", "torch.cat([c, g])", "g @ c", "c @ g",
                                  "torch.stack([c, g])"])
def test_mixing_devices_in_other_ops_raises(expr):
    """Other ops raise too (PyTorch's wording there names the argument and the kernel, e.g.
    "... but got tensors is on cpu, different from other tensors on cuda:0 (when checking
    argument in method wrapper_CUDA_cat)"; only its start is checked here)."""
    g = torch.tensor([1.0, 2.0], device="cuda")
    c = torch.tensor([3.0, 4.0])
    with pytest.raises(RuntimeError, match="^Expected all tensors to be on the same device, but"):
        eval(expr, {"torch": torch, "g": g, "c": c})


def test_a_cpu_scalar_tensor_may_meet_a_cuda_tensor():
    """PyTorch lets a 0-d CPU tensor take part in a CUDA op (it is read as a number)."""
    g = torch.tensor([1.0, 2.0], device="cuda")
    out = g * torch.tensor(3.0)
    assert out.device == torch.device("cuda", 0)
    assert out.tolist() == [3.0, 6.0]


@two_gpus
def test_mixing_two_gpus_raises_pytorchs_error():
    a = torch.ones(2, device="cuda:0")
    b = torch.ones(2, device="cuda:1")
    with pytest.raises(RuntimeError) as err:
        a + b
    assert str(err.value) == MIXED.format("cuda:0", "cuda:1")


# ------------------------------------------------------------------------------------------
# Back to the host: item, tolist, numpy, float, print.
# ------------------------------------------------------------------------------------------


def test_item_tolist_and_python_numbers_come_back_from_the_device():
    g = torch.tensor([[1.5, -2.0], [0.25, 4.0]], device="cuda")
    t = pt.tensor([[1.5, -2.0], [0.25, 4.0]])
    assert g.tolist() == t.tolist()
    assert g.sum().item() == t.sum().item() and type(g.sum().item()) is float
    assert g.argmax().item() == t.argmax().item() and type(g.argmax().item()) is int
    assert (g > 0).all().item() is False
    assert float(g[0, 0]) == 1.5 and int(g[1, 1]) == 4 and bool(g[1, 0]) is True
    assert g[g.argmax() // 2].tolist() == t[t.argmax() // 2].tolist()  # a CUDA index tensor
    assert f"{g.mean().item():.3f}" == f"{t.mean().item():.3f}"
    assert torch.tensor(7, device="cuda").tolist() == 7


def test_numpy_of_a_cuda_tensor_gives_pytorchs_error():
    g = torch.tensor([1.0, 2.0], device="cuda", requires_grad=True)
    message = ("can't convert cuda:0 device type tensor to numpy. Use Tensor.cpu() to copy the "
               "tensor to host memory first.")
    for t in (g, g.detach()):  # the device is checked before requires_grad, as in PyTorch
        with pytest.raises(TypeError) as err:
            t.numpy()
        assert str(err.value) == message
    out = g.detach().cpu().numpy()
    assert isinstance(out, np.ndarray) and out.tolist() == [1.0, 2.0]
    with pytest.raises(TypeError) as err:
        np.asarray(g.detach())  # NumPy asks for the array: PyTorch's __array__ calls numpy()
    assert str(err.value) == message
    forced = g.numpy(force=True)
    assert isinstance(forced, np.ndarray) and forced.tolist() == [1.0, 2.0]


def test_numpy_under_no_grad_needs_no_detach():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    t = pt.tensor([1.0, 2.0], requires_grad=True)
    with torch.no_grad(), pt.no_grad():
        assert x.numpy().tolist() == t.numpy().tolist() == [1.0, 2.0]


@pytest.mark.parametrize(("make", "expected"), [
    (lambda m, d: m.tensor([1.0, 2.0], device=d), "tensor([1., 2.], device='cuda:0')"),
    (lambda m, d: m.tensor([1, 2], device=d), "tensor([1, 2], device='cuda:0')"),
    (lambda m, d: m.tensor([1.0, 2.0], dtype=m.float64, device=d),
     "tensor([1., 2.], device='cuda:0', dtype=torch.float64)"),
    (lambda m, d: m.tensor(3.5, requires_grad=True, device=d),
     "tensor(3.5000, device='cuda:0', requires_grad=True)"),
    (lambda m, d: m.tensor([1.0, 2.0], requires_grad=True, device=d).exp().sum(),
     "tensor(10.1073, device='cuda:0', grad_fn=<SumBackward0>)"),
    (lambda m, d: m.zeros(0, device=d), "tensor([], device='cuda:0')"),
])
def test_repr_of_a_cuda_tensor_is_pytorchs(make, expected):
    """PyTorch's CUDA repr is its CPU repr with ``device='cuda:0'`` first among the extras."""
    cpu_repr = repr(make(pt, "cpu"))
    assert expected.replace("device='cuda:0', ", "").replace(", device='cuda:0'", "") == cpu_repr
    g = make(torch, "cuda")
    assert repr(g) == expected.replace("torch.", "autograd_lib.")
    assert str(g) == repr(g)


@two_gpus
def test_repr_on_the_second_gpu():
    assert repr(torch.tensor([1.0]).cuda(1)) == "tensor([1.], device='cuda:1')"


# ------------------------------------------------------------------------------------------
# Moving tensors: to, cpu, cuda.
# ------------------------------------------------------------------------------------------


def test_to_cpu_and_cuda_move_and_keep_the_gradient_path():
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    g = x.to("cuda")
    assert g.device == torch.device("cuda:0") and g.is_cuda
    assert g.grad_fn.name() == "ToCopyBackward0"
    assert g.cuda() is g and g.to("cuda:0") is g and g.to(torch.device("cuda", 0)) is g
    assert g.to(torch.float64).device == g.device
    back = (g * g).cpu()
    assert back.device == torch.device("cpu") and not back.is_cuda
    back.sum().backward()
    assert x.grad.device == torch.device("cpu") and x.grad.tolist() == [2.0, 4.0, 6.0]


@two_gpus
def test_cuda_one_computes_on_the_second_gpu():
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    g = x.cuda(1)
    assert g.device == torch.device("cuda", 1) and g.device.index == 1
    y = (g.exp() * 0.5 - g.sum() * 0.1).softmax(0)
    assert y.device == torch.device("cuda:1")
    y[0].backward()
    expected = pt.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (expected.exp() * 0.5 - expected.sum() * 0.1).softmax(0)[0].backward()
    np.testing.assert_allclose(x.grad.numpy(), expected.grad.numpy(), rtol=1e-6)
    assert torch.zeros(2, device="cuda:1").device == torch.device("cuda:1")
    assert torch.randn(2, device=torch.device("cuda", 1)).device.index == 1
    assert g.to("cuda:0").device.index == 0 and g.to(0).device.index == 0


def test_a_gpu_index_that_does_not_exist():
    with pytest.raises(RuntimeError, match="invalid device ordinal"):
        torch.ones(1).cuda(torch.cuda.device_count())


def test_cuda_module_api():
    n = torch.cuda.device_count()
    assert torch.cuda.is_available() and n >= 1
    assert torch.cuda.current_device() == 0
    torch.cuda.synchronize()
    if n > 1:
        with torch.cuda.device(1):
            assert torch.cuda.current_device() == 1
            torch.cuda.synchronize(1)
        assert torch.cuda.current_device() == 0


# ------------------------------------------------------------------------------------------
# Models and optimizers.
# ------------------------------------------------------------------------------------------


def _train(m, device, optimizer, steps=5):
    """A small MLP trained a few steps with the same seed, data and optimizer in either module."""
    m.manual_seed(0)
    model = m.nn.Sequential(m.nn.Linear(3, 4), m.nn.Tanh(), m.nn.Linear(4, 1)).to(device)
    rng = np.random.default_rng(0)
    X = m.tensor(rng.standard_normal((8, 3)), dtype=m.float32).to(device)
    Y = m.tensor(rng.standard_normal((8, 1)), dtype=m.float32).to(device)
    opt = optimizer(m, model.parameters())
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = m.nn.functional.mse_loss(model(X), Y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return model, opt, losses


@pytest.mark.parametrize("optimizer", [
    lambda m, p: m.optim.SGD(p, lr=0.1, momentum=0.9),
    lambda m, p: m.optim.Adam(p, lr=0.01),
], ids=["SGD-momentum", "Adam"])
@pytest.mark.parametrize("device", ["cuda", pytest.param("cuda:1", marks=two_gpus)])
def test_a_model_trains_on_the_gpu_as_on_the_cpu(optimizer, device):
    model, opt, losses = _train(torch, device, optimizer)
    cpu_model, _, cpu_losses = _train(torch, "cpu", optimizer)
    np.testing.assert_allclose(losses, cpu_losses, rtol=1e-5)
    for p, q in zip(model.parameters(), cpu_model.parameters()):
        assert p.device == torch.device(device) and p.grad.device == p.device
        np.testing.assert_allclose(p.detach().cpu().numpy(), q.detach().numpy(), rtol=1e-5)
    for state in opt.state.values():
        for value in state.values():
            if isinstance(value, torch.Tensor) and value.dim() > 0:
                assert value.device == torch.device(device)
    assert model.cpu()[0].weight.device == torch.device("cpu")


def test_module_cuda_and_state_dict():
    model = torch.nn.Linear(2, 1).cuda()
    assert all(p.is_cuda for p in model.parameters())
    state = model.state_dict()
    assert state["weight"].device == torch.device("cuda:0")
    cpu_model = torch.nn.Linear(2, 1)
    cpu_model.load_state_dict(state)  # copies across devices, as PyTorch's copy_ does
    assert cpu_model.weight.device == torch.device("cpu")
    assert cpu_model.weight.tolist() == model.weight.tolist()


def test_viz_draws_a_cuda_graph_as_the_cpu_one():
    from autograd_lib import viz

    def drawn(device):
        x = torch.tensor([1.0, 2.0], device=device, requires_grad=True)
        y = (x * x).sum()
        y.backward()
        return viz.draw(y, names={"x": x, "y": y})

    graph = drawn("cuda")
    assert "value = [1.0, 2.0] | grad = [2.0, 4.0]" in graph.text()
    assert graph.text() == drawn("cpu").text() and graph.svg == drawn("cpu").svg


# ------------------------------------------------------------------------------------------
# The lessons' device cells (the solutions' code, run here on the device).
# ------------------------------------------------------------------------------------------


def _cells_up_to(notebook, marker):
    """The code cells of ``notebook`` up to the first one containing ``marker``."""
    cells = json.loads((ROOT / "solutions" / notebook).read_text())["cells"]
    out = []
    for cell in cells:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"])
        out.append("\n".join(line for line in source.splitlines()
                             if not line.lstrip().startswith(("%", "!"))))
        if marker in source:
            return out
    raise AssertionError(f"{notebook}: no code cell contains {marker!r}")


@pytest.mark.parametrize(("notebook", "marker", "check"), [
    ("02_tensors/02_tensors.ipynb", "computing on",
     lambda ns: ns["x"].device == torch.device("cuda:0") and ns["y"].device.type == "cpu"),
    ("08_linear_regression/08_linear_regression.ipynb", "training on",
     lambda ns: ns["model"].weight.is_cuda and ns["losses_dev"][-1] < ns["losses_dev"][0]),
])
def test_lesson_device_cells_run_on_the_gpu(notebook, marker, check, capsys, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    monkeypatch.chdir(ROOT / "solutions" / Path(notebook).parent)
    ns = {"__name__": "__lesson__"}
    for source in _cells_up_to(notebook, marker):
        exec(compile(source, notebook, "exec"), ns)  # noqa: S102 - our own notebook's code
    out = capsys.readouterr().out
    assert "on: cuda" in out or "computing on cuda" in out
    assert check(ns)


# ------------------------------------------------------------------------------------------
# The stand-in catches host code on device data.
# ------------------------------------------------------------------------------------------


def _host_exp(input):
    """A deliberately wrong ``exp``: NumPy on a host copy made from the tensor's array."""
    return record_unary(ExpBackward0, input, np.exp(np.asarray(input._data)), save_output=True)


def _exp_copied_back(input):
    """A deliberately wrong ``exp``: computed on the device, then silently copied to the host."""
    data = input._data
    result = np.exp(data)
    return record_unary(ExpBackward0, input, result.get() if hasattr(result, "get") else result,
                        save_output=True)


@pytest.mark.parametrize("bad_exp", [_host_exp, _exp_copied_back])
def test_a_host_only_op_fails_on_device_data(monkeypatch, bad_exp):
    monkeypatch.setattr(torch.Tensor, "exp", bad_exp)
    c = torch.tensor([0.5, 1.0], requires_grad=True)
    (c.exp() * c).sum().backward()  # on the CPU the bug is invisible
    assert c.grad is not None
    g = torch.tensor([0.5, 1.0], device="cuda", requires_grad=True)
    with pytest.raises(TypeError, match="Implicit conversion to a NumPy array is not allowed"
                       "|Unsupported type <class 'numpy.ndarray'>"):
        (g.exp() * g).sum().backward()


def test_a_numpy_ufunc_on_device_data_stays_on_the_device():
    """``np.exp(a)`` on a CuPy array is CuPy's exp (NumPy's __array_ufunc__ protocol): legal, and
    the result is a device array. The stand-in does the same, so it does not flag it."""
    g = torch.tensor([0.5, 1.0], device="cuda")
    result = np.exp(g._data)
    assert not isinstance(result, np.ndarray) and result.device.id == 0
    assert np.sum(result).device.id == 0  # np.sum through __array_function__


@pytest.mark.skipif(not STAND_IN, reason="checks the stand-in itself")
def test_the_stand_in_is_as_strict_as_cupy():
    import cupy

    a = cupy.asarray(np.array([1.0, 2.0]))
    with pytest.raises(TypeError, match=r"^Implicit conversion to a NumPy array is not allowed\. "
                       r"Please use `\.get\(\)` to construct a NumPy array explicitly\.$"):
        np.asarray(a)
    with pytest.raises(TypeError, match="Unsupported type <class 'numpy.ndarray'>"):
        a + np.ones(2)
    with pytest.raises(TypeError):
        range(a[0])  # no __index__ on a CuPy array
    assert type(a.sum()) is cupy.ndarray and a.sum().ndim == 0 and type(a[0]) is cupy.ndarray
    assert float(a[1]) == 2.0 and a[1].item() == 2.0 and a.tolist() == [1.0, 2.0]
    with cupy.cuda.Device(1):
        b = cupy.ones(2)
    assert b.device.id == 1 and (a * 2).device.id == 0
    with pytest.raises(ValueError, match=r"resides \(1\) is different from the current device"):
        b * 2
    assert cupy.asarray(b).device.id == 0  # copied across, as CuPy's asarray does
    assert cupy.get_array_module(a) is cupy and cupy.get_array_module(np.ones(1)) is np


def test_accelerator_answers_for_cuda(monkeypatch):
    """``torch.accelerator`` (what tutorials now ask) says what ``torch.cuda`` says."""
    assert torch.accelerator.is_available()
    assert torch.accelerator.current_accelerator() == torch.device("cuda")
    assert torch.accelerator.device_count() == torch.cuda.device_count()
    with torch.accelerator.device_index(torch.accelerator.device_count() - 1):
        assert torch.accelerator.current_device_index() == torch.cuda.device_count() - 1
    assert torch.accelerator.current_device_index() == 0
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert not torch.accelerator.is_available()
    assert torch.accelerator.current_accelerator() is None
    assert torch.accelerator.device_count() == 0 == pt.accelerator.device_count()
