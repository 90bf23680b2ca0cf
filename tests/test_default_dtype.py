"""``set_default_dtype`` against PyTorch 2.13: what follows the default dtype (tensors made from
Python floats, factory functions, Python-float promotion, the legacy ``Tensor(...)``, nn layers'
parameters, random numbers) and what does not (``*_like``, ``x.float()``, ``FloatTensor``,
NumPy arrays, ``torch.load``), the printed text, the errors and warnings.

Each case is an expression run with ``m`` the module (``torch`` on the CPU, ``autograd_lib`` on
the device under test) under the same default dtype. The default is process-wide in both
libraries: the autouse fixture ``_float32_again`` puts both back to float32 after every test,
also after a failing one.
"""

import contextlib
import io
import json
import re
import subprocess
import sys
import warnings

import numpy as np
import pytest
import torch

import autograd_lib as ag

DEFAULTS = ["float16", "float32", "float64"]


@pytest.fixture(autouse=True)
def _float32_again():
    yield
    torch.set_default_dtype(torch.float32)
    ag.set_default_dtype(ag.float32)


def set_default(name):
    torch.set_default_dtype(getattr(torch, name))
    ag.set_default_dtype(getattr(ag, name))


def evaluate(expr, m, device):
    """``expr`` with ``m`` the module; ``d`` is the device (the CPU for torch)."""
    return eval(expr, {"m": m, "d": device if m is ag else "cpu", "np": np})


_SUFFIX_WRAP = re.compile(r",\n +(?=(size|dtype|grad_fn|requires_grad)=)")


def cpu_repr(t, device):
    """Our repr as torch prints the same tensor on the CPU: ``device='cuda:0'`` taken out, and
    the extras it pushed onto a new line joined back (``unwrapped`` does that to torch's)."""
    text = repr(t)
    if device == "cuda":
        assert "device='cuda:0'" in text, text
        text = _SUFFIX_WRAP.sub(", ", text.replace(", device='cuda:0'", ""))
    return text.replace("autograd_lib.", "torch.")


def unwrapped(text, device):
    """Torch's CPU repr, with the extras on one line when ours is on the GPU (see cpu_repr)."""
    return _SUFFIX_WRAP.sub(", ", text) if device == "cuda" else text


# -- set_default_dtype, get_default_dtype --------------------------------------------------------


@pytest.mark.parametrize("name", DEFAULTS)
def test_a_floating_dtype_becomes_the_default(name):
    assert ag.get_default_dtype() is ag.float32
    set_default(name)
    assert str(ag.get_default_dtype()) == str(torch.get_default_dtype()).replace(
        "torch.", "autograd_lib.") == f"autograd_lib.{name}"


@pytest.mark.parametrize("expr", ["m.int64", "m.int32", "m.uint8", "m.bool", "float", "'float64'",
                                  "np.float64", "None"])
def test_other_defaults_are_refused_as_torch(expr):
    errors = []
    for m in (torch, ag):
        with pytest.raises(TypeError) as info:
            m.set_default_dtype(evaluate(expr, m, "cpu"))
        errors.append(str(info.value))
        assert m.get_default_dtype() is m.float32  # unchanged
    assert errors[0] == errors[1]
    assert errors[0].endswith("only floating-point types are supported as the default type")


# -- what follows the default ------------------------------------------------------------------

FOLLOW = [
    "m.tensor(1.5, device=d)", "m.tensor([1, 2.5], device=d)", "m.tensor([[0.1], [2.0]], device=d)",
    "m.tensor(1.5, device=d, requires_grad=True)", "m.zeros(2, device=d)", "m.ones(2, 3, device=d)",
    "m.empty(2, device=d).zero_()", "m.full((2,), 1.5, device=d)", "m.full((2,), 2, device=d)",
    "m.full((2,), True, device=d)", "m.arange(0, 1, 0.25, device=d)", "m.arange(3.0, device=d)",
    "m.arange(3, device=d)", "m.linspace(0, 1, 5, device=d)", "m.eye(2, device=d)",
    "m.logspace(-3, 0, 4, device=d)", "m.logspace(0, 2, 3, base=2, device=d)",
    "m.tensor([1, 2], device=d) * 2.5", "m.tensor([1, 2], device=d) + 0.5",
    "m.tensor([1, 2], device=d) / 2", "m.tensor([1, 2], device=d) / m.tensor([2, 4], device=d)",
    "m.tensor([True, False], device=d) * 1.5", "m.tensor(3, device=d) * 0.5",
    "m.tensor([1, 4], device=d).sqrt()", "m.tensor([0, 1], device=d).exp()",
    "m.tensor([1, 2], device=d).reciprocal()", "m.tensor([1, 2], device=d).logsumexp(0)",
    "m.tensor([1, 2], device=d) + m.tensor(2.5, device=d)",
    "m.tensor([1, 2], device=d) + m.tensor(2.5, dtype=m.float32, device=d)",
    "m.tensor([1.0, 2.0], dtype=m.float32, device=d) * 2.5",
    "m.tensor([1.0, 2.0], dtype=m.float16, device=d) * 2.5",
    "m.tensor([1.0, 2.0], dtype=m.float64, device=d) * 2.5",
    "m.tensor([1, 2], device=d).sum()", "m.tensor([True, True], device=d).sum()",
    "m.Tensor([1, 2]).to(d)", "m.Tensor(2, 3).zero_().to(d)", "m.Tensor().to(d)",
    "m.FloatTensor([1, 2]).to(d)", "m.DoubleTensor([1, 2]).to(d)",
    "m.ones(2, dtype=m.float32, device=d).new_tensor([1.5])",
    "m.tensor(np.array([1.5, 2.5]), device=d)",
    "m.tensor(np.array([1.5], dtype=np.float32), device=d)",
    "m.tensor(np.float64(1.5), device=d)", "m.tensor(np.float32(1.5), device=d)",
    "m.as_tensor([1.5, 2.5], device=d)",
    # lists with elements of a dtype of their own: the promotion of the elements' dtypes
    "m.tensor([np.float64(1.5)], device=d)", "m.tensor([np.float32(1.5), 2.0], device=d)",
    "m.tensor([np.int32(1), 2], device=d)", "m.tensor((np.float16(1), True), device=d)",
    "m.tensor([m.tensor(1.5, dtype=m.float16), 2.0], device=d)",
    "m.tensor([[m.tensor(1.5, dtype=m.float64)], [2.0]], device=d)",
    "m.tensor([m.tensor(1.5, dtype=m.float32), m.tensor(2.5, dtype=m.float32)], device=d)",
    "m.tensor([m.tensor(1, dtype=m.int8), m.tensor(1, dtype=m.uint8)], device=d)",
    "m.tensor([np.array([1.5], dtype=np.float32), np.array([2.0], dtype=np.float32)], device=d)",
]


@pytest.mark.filterwarnings("ignore:Creating a tensor from a list of numpy.ndarrays")  # torch's
@pytest.mark.parametrize("name", DEFAULTS)
@pytest.mark.parametrize("expr", FOLLOW)
def test_values_and_dtypes_as_torch(expr, name, device):
    set_default(name)
    ours, theirs = evaluate(expr, ag, device), evaluate(expr, torch, device)
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "autograd_lib."), expr
    assert cpu_repr(ours, device) == unwrapped(repr(theirs), device), expr


UNAFFECTED = [  # the input's dtype or a fixed one, whatever the default
    "m.zeros_like(m.ones(2, dtype=m.float32, device=d))",
    "m.ones_like(m.ones(2, dtype=m.float32, device=d))",
    "m.full_like(m.ones(2, dtype=m.float32, device=d), 1.5)",
    "m.empty_like(m.ones(2, dtype=m.float16, device=d)).zero_()",
    "m.zeros_like(m.tensor([1, 2], device=d))",
    "m.tensor([1, 2], device=d).float()", "m.tensor([1, 2], device=d).double()",
    "m.tensor([1, 2], device=d).half()", "m.tensor([1, 2], device=d).to(float)",
    "m.tensor([1, 2], device=d).to(int)", "m.tensor([1.5], dtype=float, device=d)",
    "m.zeros(2, dtype=m.float32, device=d)",
]


@pytest.mark.parametrize("expr", UNAFFECTED)
def test_like_and_casts_do_not_follow_the_default(expr, device):
    results = set()
    for name in DEFAULTS:
        set_default(name)
        ours, theirs = evaluate(expr, ag, device), evaluate(expr, torch, device)
        assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "autograd_lib."), expr
        assert cpu_repr(ours, device) == unwrapped(repr(theirs), device), (expr, name)
        results.add(str(ours.dtype))
    assert len(results) == 1, expr


RANDOM = [
    "m.rand(3, device=d)", "m.randn(3, device=d)", "m.rand(2, 2, device=d)",
    "m.normal(0.0, 1.0, (3,), device=d)", "m.empty(3, device=d).uniform_()",
    "m.empty(3, device=d).normal_()", "m.randint(0, 5, (3,), device=d)",
    "m.randperm(4, device=d)", "m.rand_like(m.ones(2, dtype=m.float32, device=d))",
    "m.normal(m.zeros(2, dtype=m.float32, device=d), 1.0)",
]


@pytest.mark.parametrize("name", DEFAULTS)
@pytest.mark.parametrize("expr", RANDOM)
def test_random_numbers_have_torchs_dtype(expr, name, device):
    set_default(name)
    ours, theirs = evaluate(expr, ag, device), evaluate(expr, torch, device)
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "autograd_lib."), expr
    assert ours.device.type == device


LAYERS = [
    "m.nn.Linear(3, 2)", "m.nn.Linear(3, 2, bias=False)", "m.nn.Embedding(4, 2)",
    "m.nn.LayerNorm(3)", "m.nn.Sequential(m.nn.Linear(2, 3), m.nn.Tanh(), m.nn.Linear(3, 1))",
]


@pytest.mark.parametrize("name", DEFAULTS)
@pytest.mark.parametrize("expr", LAYERS)
def test_nn_layers_make_their_parameters_in_the_default_dtype(expr, name):
    set_default(name)
    ours, theirs = evaluate(expr, ag, "cpu"), evaluate(expr, torch, "cpu")
    assert [(k, str(p.dtype)) for k, p in ours.named_parameters()] == [
        (k, str(p.dtype).replace("torch.", "autograd_lib.")) for k, p in theirs.named_parameters()]


def test_lazy_linear_takes_the_default_of_its_construction():
    dtypes = []
    for m in (torch, ag):
        m.set_default_dtype(m.float64)
        layer = m.nn.LazyLinear(2)
        m.set_default_dtype(m.float32)
        out = layer(m.ones(3, 4, dtype=m.float64))
        dtypes.append([str(t.dtype).split(".")[1] for t in (layer.weight, layer.bias, out)])
    assert dtypes[0] == dtypes[1] == ["float64"] * 3


@pytest.mark.parametrize("name", DEFAULTS)
def test_parameter_and_its_repr_as_torch(name):
    set_default(name)
    for make in ("m.nn.Parameter(m.ones(2))", "m.nn.Parameter(m.ones(2, dtype=m.float32))",
                 "m.nn.Parameter(m.ones(2, dtype=m.float64))", "m.nn.Parameter()"):
        ours, theirs = evaluate(make, ag, "cpu"), evaluate(make, torch, "cpu")
        assert repr(ours).replace("autograd_lib.", "torch.") == repr(theirs), make


def test_mean_of_integers_is_refused_as_torch():
    set_default("float64")
    errors = []
    for m in (torch, ag):
        with pytest.raises(RuntimeError) as info:
            m.tensor([1, 2]).mean()
        errors.append(str(info.value))
    assert errors[0] == errors[1]


@pytest.mark.parametrize("saved_under", DEFAULTS)
def test_load_keeps_the_saved_dtype(saved_under, device):
    """A tensor comes back with the dtype it was saved with, whatever the default at load."""
    set_default(saved_under)
    buffers = {}
    for m in (torch, ag):
        buffers[m] = io.BytesIO()
        t = m.tensor([1.5, 2.5], device=device if m is ag else "cpu")
        m.save({"t": t, "f32": t.float()}, buffers[m])
    for name in DEFAULTS:
        set_default(name)
        loaded = {}
        for m in (torch, ag):
            buffers[m].seek(0)
            loaded[m] = m.load(buffers[m])
        for key in ("t", "f32"):
            theirs = unwrapped(repr(loaded[torch][key]), device)
            assert cpu_repr(loaded[ag][key], device) == theirs, (key, name)


# -- printing ------------------------------------------------------------------------------------

REPRS = [
    "m.tensor([1.0, 2.0], device=d)", "m.tensor([1.0, 2.0], dtype=m.float32, device=d)",
    "m.tensor([1.0, 2.0], dtype=m.float64, device=d)", "m.tensor([1.0], dtype=m.float16, device=d)",
    "m.tensor(1.0, device=d)", "m.tensor(1.0, dtype=m.float32, device=d)",
    "m.tensor(1.0, dtype=m.float64, device=d)", "m.tensor([1, 2], device=d)",
    "m.tensor([True], device=d)", "m.tensor([1, 2], dtype=m.int32, device=d)",
    "m.tensor([], device=d)", "m.tensor([], dtype=m.float32, device=d)",
    "m.tensor([], dtype=m.float64, device=d)", "m.tensor([], dtype=m.float16, device=d)",
    "m.tensor([], dtype=m.int64, device=d)", "m.tensor([], dtype=m.bool, device=d)",
    "m.zeros(0, 2, device=d)", "m.zeros(0, 2, dtype=m.float32, device=d)",
    "m.zeros(0, 2, dtype=m.int64, device=d)",
    "m.tensor([1.0, 2.0], device=d, requires_grad=True)",
    "m.tensor([1.0, 2.0], dtype=m.float32, device=d, requires_grad=True)",
    "m.tensor([1.0, 2.0], dtype=m.float32, device=d, requires_grad=True) * 2",
    "m.tensor([1.0, 2.0], dtype=m.float64, device=d, requires_grad=True).sum()",
    "m.tensor(2.0, dtype=m.float32, device=d, requires_grad=True)",
    "m.tensor([1e10, 1.0], dtype=m.float32, device=d)", "m.tensor([0.1, 1e-5], device=d)",
    "m.arange(12.0, device=d).reshape(3, 4) / 7",
    "m.arange(12.0, dtype=m.float32, device=d).reshape(3, 4) / 7",
]


@pytest.mark.parametrize("name", DEFAULTS)
@pytest.mark.parametrize("expr", REPRS)
def test_repr_names_the_dtype_unless_it_is_the_default(expr, name, device):
    set_default(name)
    ours, theirs = evaluate(expr, ag, device), evaluate(expr, torch, device)
    assert cpu_repr(ours, device) == unwrapped(repr(theirs), device), expr
    assert str(ours) == repr(ours)


# -- set_default_tensor_type ---------------------------------------------------------------------

# torch warns about the deprecation once per process (TORCH_WARN_ONCE): its side runs in a fresh
# interpreter, so that other tests (test_ops_more) still see torch's warning.
TENSOR_TYPES = [("m.DoubleTensor", "float32"), ("'torch.DoubleTensor'", "float32"),
                ("m.HalfTensor", "float32"), ("'torch.HalfTensor'", "float64"),
                ("m.FloatTensor", "float64"), ("'torch.FloatTensor'", "float64"),
                ("m.LongTensor", "float32"),
                ("'torch.LongTensor'", "float32"), ("m.BoolTensor", "float32"),
                ("m.float64", "float32")]

_RUN_TENSOR_TYPES = """
import json, sys, warnings
import torch as m
out = []
for expr, before in json.loads(sys.argv[1]):
    m.set_default_dtype(getattr(m, before))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            m.set_default_tensor_type(eval(expr))
            error = None
        except Exception as e:
            error = [type(e).__name__, str(e)]
    out.append([expr, error, str(m.get_default_dtype()), [str(w.message) for w in caught]])
print(json.dumps(out))
"""


def _set_tensor_type(m, expr, before):
    m.set_default_dtype(getattr(m, before))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            m.set_default_tensor_type(evaluate(expr, m, "cpu"))
            error = None
        except Exception as e:
            error = [type(e).__name__, str(e)]
    return [expr, error, str(m.get_default_dtype()), [str(w.message) for w in caught]]


def test_set_default_tensor_type_as_torch():
    """A floating type (or its name) sets the default dtype, with torch's deprecation warning;
    other types are refused with torch's error and leave the default as it was."""
    run = subprocess.run([sys.executable, "-c", _RUN_TENSOR_TYPES, json.dumps(TENSOR_TYPES)],
                         capture_output=True, text=True, check=True)
    theirs = json.loads(run.stdout)
    ours = [_set_tensor_type(ag, expr, before) for expr, before in TENSOR_TYPES]
    assert [r[:3] for r in ours] == [
        [e, err, dt.replace("torch.", "autograd_lib.")] for e, err, dt, _ in theirs]
    torch_warning = theirs[0][3]  # the first call warns (once per process in torch)
    assert len(torch_warning) == 1 and torch_warning[0].startswith(
        "torch.set_default_tensor_type() is deprecated as of PyTorch 2.1, please use "
        "torch.set_default_dtype() and torch.set_default_device() as alternatives.")
    for _, _, _, warned in ours:  # ours warns every time (Python's filters may show it once)
        assert len(warned) == 1 and torch_warning[0].startswith(warned[0])
    assert ours[0][2] == "autograd_lib.float64" and ours[2][2] == "autograd_lib.float16"


def test_a_cuda_type_name_sets_the_dtype_and_leaves_the_device():
    """The device part of a CUDA type name is not taken (``set_default_device`` does that)."""
    with pytest.warns(UserWarning, match="set_default_tensor_type"):
        ag.set_default_tensor_type("torch.cuda.DoubleTensor")
    assert ag.get_default_dtype() is ag.float64
    assert ag.zeros(1).device.type == "cpu"
    with pytest.warns(UserWarning, match="set_default_tensor_type"):
        ag.set_default_tensor_type("torch.cuda.FloatTensor")
    assert ag.get_default_dtype() is ag.float32


# -- gradients under the float64 default ----------------------------------------------------------


def test_gradcheck_passes_with_tensors_made_under_the_float64_default(device):
    """No ``dtype=`` anywhere: the float64 default is what makes finite differences precise."""
    ag.set_default_dtype(ag.float64)
    x = ag.tensor([0.3, -1.2, 2.0], device=device, requires_grad=True)
    w = ag.randn(3, 2, device=device, requires_grad=True)
    assert x.dtype is w.dtype is ag.float64

    def f(x, w):
        return (x.tanh() @ w).exp().sum() / 3 + (x * 2.5).sin().sum()

    assert ag.autograd.gradcheck(f, (x, w))
    ag.set_default_dtype(ag.float32)  # the same function in float32 fails the same check
    x32, w32 = (t.detach().float().requires_grad_() for t in (x, w))
    with pytest.raises(ag.autograd.GradcheckError), pytest.warns(UserWarning, match="double"):
        ag.autograd.gradcheck(f, (x32, w32))


def test_linear_regression_gradients_as_torch_under_the_float64_default():
    set_default("float64")
    grads = {}
    for m in (torch, ag):
        m.manual_seed(0)
        model = m.nn.Linear(2, 1)
        with m.no_grad():
            model.weight.copy_(m.tensor([[0.5, -0.25]]))
            model.bias.fill_(0.1)
        x = m.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.5]])
        y = m.tensor([[1.0], [2.0], [3.0]])
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        grads[m] = [repr(loss), repr(model.weight.grad), repr(model.bias.grad)]
    assert grads[ag] == [g.replace("torch.", "autograd_lib.") for g in grads[torch]]
    assert "dtype" not in "".join(grads[ag])  # all float64, the default: no dtype= printed


# -- a tutorial that starts with set_default_dtype ----------------------------------------------

# The float part of the example in torch.set_default_dtype's documentation
# (https://pytorch.org/docs/stable/generated/torch.set_default_dtype.html), then a Newton
# iteration for sqrt(2) with autograd written for this test: a typical start of a
# scientific-computing notebook.
TUTORIAL = """\
print(torch.tensor([1.2, 3]).dtype)
torch.set_default_dtype(torch.float64)
print(torch.tensor([1.2, 3]).dtype)
x = torch.tensor(1.0, requires_grad=True)
for step in range(6):
    f = x ** 2 - 2
    (df,) = torch.autograd.grad(f, x)
    with torch.no_grad():
        x -= f / df
    print(step, x, f.item())
print(x.item() - 2 ** 0.5, torch.tensor([1, 2]) / 3, torch.zeros(2, dtype=torch.float32))
torch.set_default_dtype(torch.float16)
print(torch.tensor([1.2, 3]).dtype, torch.tensor([1.2, 3]))
"""


def test_tutorial_prints_the_same():
    outputs = []
    for m in (torch, ag):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(TUTORIAL, {"torch": m})
        outputs.append(out.getvalue())
    assert outputs[1] == outputs[0].replace("torch.", "autograd_lib.")
    assert "autograd_lib.float64" in outputs[1] and "dtype=autograd_lib.float32" in outputs[1]


@pytest.mark.parametrize("name", DEFAULTS)
@pytest.mark.parametrize("opt", ["Adam", "AdamW", "Adagrad", "RMSprop"])
def test_optimizer_step_count_and_update_as_torch(opt, name):
    """The step count is float64 under the float64 default, float32 otherwise (float16 too)."""
    set_default(name)
    seen = []
    for m in (torch, ag):
        p = m.nn.Parameter(m.tensor([1.0, -2.0], dtype=m.float32))
        optimizer = getattr(m.optim, opt)([p], lr=0.1)
        (p * m.tensor([0.5, 3.0], dtype=m.float32)).sum().backward()
        optimizer.step()
        seen.append([repr(optimizer.state[p]["step"]), repr(p.detach())])
    assert seen[1] == [r.replace("torch.", "autograd_lib.") for r in seen[0]]
