"""autograd_lib.nn against PyTorch (the oracle): registration, state_dict, repr, layers, losses."""

import copy
import math
import pickle
from collections import OrderedDict

import numpy as np
import pytest
import torch

import autograd_lib as ag
import autograd_lib.nn.functional as F
from autograd_lib import nn

TOL = {np.float32: dict(rtol=1e-6, atol=1e-7), np.float64: dict(rtol=1e-12, atol=1e-14)}
DTYPES = {np.float32: (ag.float32, torch.float32), np.float64: (ag.float64, torch.float64)}


def to_ag(t, requires_grad=False):
    """A copy of a torch tensor as an autograd_lib tensor (same dtype)."""
    return ag.tensor(t.detach().numpy().copy(), requires_grad=requires_grad)


def to_np(x):
    return x.detach().numpy()


def same_text(ours, theirs):
    """Our messages say autograd_lib where PyTorch's say torch."""
    assert ours == theirs.replace("torch.", "autograd_lib.").replace("torch ", "autograd_lib ")


def copy_weights(torch_module, ag_module):
    """Make the autograd_lib twin start from the PyTorch module's weights."""
    with ag.no_grad():
        for (name, p), (name_t, p_t) in zip(
            ag_module.named_parameters(), torch_module.named_parameters()
        ):
            assert name == name_t
            p.copy_(to_ag(p_t))


# The same small model written in both libraries.
def make_model(lib):
    class Block(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = lib.nn.Linear(3, 4)
            self.scale = lib.nn.Parameter(lib.ones(4))
            self.register_buffer("running", lib.zeros(4))
            self.register_buffer("scratch", lib.zeros(2), persistent=False)

        def forward(self, x):
            return self.fc(x).relu() * self.scale

    class Net(lib.nn.Module):
        def __init__(self):
            super().__init__()
            self.block = Block()
            self.head = lib.nn.Sequential(lib.nn.Linear(4, 4), lib.nn.Tanh(), lib.nn.Linear(4, 2))
            self.register_parameter("unused", None)

        def forward(self, x):
            return self.head(self.block(x))

    return Net()


@pytest.fixture
def models():
    torch.manual_seed(0)
    theirs = make_model(torch)
    ours = make_model(ag)
    copy_weights(theirs, ours)
    return ours, theirs


# ---------------------------------------------------------------------------------------------
# Parameter
# ---------------------------------------------------------------------------------------------


def test_parameter_basics():
    data = ag.tensor([1.0, 2.0])
    p = nn.Parameter(data)
    assert isinstance(p, ag.Tensor) and isinstance(p, nn.Parameter)
    assert p.requires_grad and p.is_leaf and p.grad_fn is None
    assert not nn.Parameter(data, requires_grad=False).requires_grad
    with ag.no_grad():
        data.mul_(10)  # shares data with the tensor it was made from
    np.testing.assert_array_equal(to_np(p), [10.0, 20.0])
    assert nn.Parameter().shape == (0,)


def test_parameter_repr_matches_torch():
    ours = nn.Parameter(ag.tensor([[1.0, 2.5], [3.0, -4.0]]))
    theirs = torch.nn.Parameter(torch.tensor([[1.0, 2.5], [3.0, -4.0]]))
    assert repr(ours) == repr(theirs)
    assert repr(ours).startswith("Parameter containing:\ntensor(")


def test_parameter_deepcopy_and_pickle():
    p = nn.Parameter(ag.tensor([1.0, 2.0]))
    for q in (copy.deepcopy(p), pickle.loads(pickle.dumps(p))):
        assert type(q) is nn.Parameter and q.requires_grad
        np.testing.assert_array_equal(to_np(q), to_np(p))
        with ag.no_grad():
            q.zero_()
        assert to_np(p)[0] == 1.0  # an independent copy


# ---------------------------------------------------------------------------------------------
# Module: registration and traversal
# ---------------------------------------------------------------------------------------------


def test_named_parameters_buffers_and_state_dict_keys(models):
    ours, theirs = models
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert "block.scratch" not in ours.state_dict()  # non-persistent buffer
    assert len(list(ours.parameters())) == len(list(theirs.parameters())) == 7
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]
    assert [type(m).__name__ for m in ours.modules()] == [
        type(m).__name__ for m in theirs.modules()
    ]
    assert [n for n, _ in ours.named_parameters(recurse=False)] == []
    assert [n for n, _ in ours.block.named_parameters(prefix="b")] == [
        n for n, _ in theirs.block.named_parameters(prefix="b")
    ]


def test_forward_matches_torch(models):
    ours, theirs = models
    x = torch.randn(5, 3)
    np.testing.assert_allclose(to_np(ours(to_ag(x))), to_np(theirs(x)), rtol=1e-6, atol=1e-7)


def test_shared_parameters_and_modules_are_listed_once():
    def build(lib):
        lin = lib.nn.Linear(2, 2)
        seq = lib.nn.Sequential(lin, lib.nn.ReLU(), lin)
        seq.extra = lib.nn.Parameter(lib.zeros(1))
        seq.alias = seq.extra
        return seq

    ours, theirs = build(ag), build(torch)
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_parameters(remove_duplicate=False)] == [
        n for n, _ in theirs.named_parameters(remove_duplicate=False)
    ]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert list(ours.state_dict()) == list(theirs.state_dict())  # state_dict keeps both names


def test_setattr_registration_rules():
    m = nn.Module()
    m.w = nn.Parameter(ag.zeros(2))
    m.child = nn.Linear(1, 1)
    m.plain = ag.zeros(3)  # a plain tensor is just an attribute
    m.register_buffer("buf", ag.zeros(1))
    assert list(m._parameters) == ["w"] and list(m._modules) == ["child"]
    assert list(m._buffers) == ["buf"] and "plain" in m.__dict__
    assert m.w is m._parameters["w"] and m.child is m._modules["child"]

    m.w = None  # allowed: "no such parameter"
    assert m._parameters["w"] is None and m.w is None
    assert [n for n, _ in m.named_parameters()] == ["child.weight", "child.bias"]
    m.buf = ag.ones(1)  # re-assigning a buffer keeps it a buffer
    assert m._buffers["buf"] is m.buf

    # The same mistakes, in both libraries.
    t = torch.nn.Module()
    t.w = torch.nn.Parameter(torch.zeros(2))
    m.w = nn.Parameter(ag.zeros(2))
    for ours_call, torch_call, error in [
        (lambda: setattr(m, "w", ag.zeros(2)), lambda: setattr(t, "w", torch.zeros(2)), TypeError),
        (
            lambda: m.register_buffer("w", ag.zeros(1)),
            lambda: t.register_buffer("w", torch.zeros(1)),
            KeyError,
        ),
        (
            lambda: m.register_parameter("a.b", None),
            lambda: t.register_parameter("a.b", None),
            KeyError,
        ),
        (
            lambda: m.register_parameter("p", ag.zeros(1)),
            lambda: t.register_parameter("p", torch.zeros(1)),
            TypeError,
        ),
        (lambda: m.add_module("x", 3), lambda: t.add_module("x", 3), TypeError),
        (lambda: m.nothing, lambda: t.nothing, AttributeError),
    ]:
        with pytest.raises(error) as ours_err:
            ours_call()
        with pytest.raises(error) as torch_err:
            torch_call()
        same_text(str(ours_err.value), str(torch_err.value))

    del m.w
    assert "w" not in m._parameters
    m.child = None
    assert m._modules["child"] is None and list(m.children()) == []


def test_module_init_must_come_first():
    class Bad(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(ag.zeros(1))

    with pytest.raises(AttributeError, match=r"before Module.__init__\(\) call"):
        Bad()


def test_forward_missing():
    with pytest.raises(NotImplementedError, match='missing the required "forward" function'):
        nn.Module()(ag.zeros(1))


def test_train_eval_flags(models):
    ours, _ = models
    assert all(m.training for m in ours.modules())
    assert ours.eval() is ours
    assert not any(m.training for m in ours.modules())
    ours.block.train()
    assert ours.block.training and ours.block.fc.training and not ours.head.training
    ours.train()
    assert all(m.training for m in ours.modules())
    with pytest.raises(ValueError, match="training mode is expected to be boolean"):
        ours.train("yes")


def test_zero_grad(models):
    ours, _ = models
    ours(ag.randn(4, 3)).sum().backward()
    params = list(ours.parameters())
    assert all(p.grad is not None for p in params)
    grads = [p.grad for p in params]
    ours.zero_grad(set_to_none=False)
    for p, g in zip(params, grads):
        assert p.grad is g  # zeroed in place
        assert not to_np(p.grad).any()
    ours.zero_grad()
    assert all(p.grad is None for p in params)


def test_apply_visits_children_first():
    seen = []
    seq = nn.Sequential(nn.Linear(1, 1), nn.Sequential(nn.ReLU()))
    assert seq.apply(lambda m: seen.append(type(m).__name__)) is seq
    theirs = []
    torch.nn.Sequential(torch.nn.Linear(1, 1), torch.nn.Sequential(torch.nn.ReLU())).apply(
        lambda m: theirs.append(type(m).__name__)
    )
    assert seen == theirs


def test_requires_grad_(models):
    ours, _ = models
    ours.block.requires_grad_(False)
    assert not any(p.requires_grad for p in ours.block.parameters())
    assert all(p.requires_grad for p in ours.head.parameters())


# ---------------------------------------------------------------------------------------------
# state_dict / load_state_dict
# ---------------------------------------------------------------------------------------------


def test_state_dict_values_are_detached_views(models):
    ours, _ = models
    sd = ours.state_dict()
    assert isinstance(sd, OrderedDict)
    w = sd["block.fc.weight"]
    assert type(w) is ag.Tensor and not w.requires_grad
    np.testing.assert_array_equal(to_np(w), to_np(ours.block.fc.weight))
    with ag.no_grad():
        ours.block.fc.weight.add_(1.0)
    np.testing.assert_array_equal(to_np(w), to_np(ours.block.fc.weight))  # shares data
    assert ours.state_dict(keep_vars=True)["block.fc.weight"] is ours.block.fc.weight


def test_load_state_dict_copies_in_place(models):
    ours, theirs = models
    other = make_model(ag)
    weight = other.block.fc.weight
    result = other.load_state_dict(ours.state_dict())
    assert repr(result) == repr(theirs.load_state_dict(theirs.state_dict()))
    assert repr(result) == "<All keys matched successfully>"
    assert other.block.fc.weight is weight  # same Parameter object, new values
    for (_, a), (_, b) in zip(other.state_dict().items(), ours.state_dict().items()):
        np.testing.assert_array_equal(to_np(a), to_np(b))
    x = ag.randn(2, 3)
    np.testing.assert_array_equal(to_np(other(x)), to_np(ours(x)))


def _load_error(lib, edit):
    """The message of load_state_dict's RuntimeError after ``edit`` spoiled the state_dict."""
    model = make_model(lib)
    sd = model.state_dict()
    edit(sd, lib)
    with pytest.raises(RuntimeError) as err:
        model.load_state_dict(sd)
    return str(err.value)


@pytest.mark.parametrize(
    "edit",
    [
        lambda sd, lib: sd.pop("head.0.bias"),
        lambda sd, lib: sd.update({"head.5.weight": lib.zeros(1), "extra": lib.zeros(1)}),
        lambda sd, lib: sd.update({"block.fc.weight": lib.zeros(3, 4)}),
        lambda sd, lib: (sd.pop("block.running"), sd.update({"block.fc.bias": lib.zeros(5)})),
        lambda sd, lib: (sd.pop("block.scale"), sd.update({"block.scratch": lib.zeros(2)})),
    ],
    ids=["missing", "unexpected", "size-mismatch", "missing+size", "missing+non-persistent"],
)
def test_load_state_dict_errors_match_torch(edit):
    ours = _load_error(ag, edit)
    theirs = _load_error(torch, edit)
    assert ours.startswith("Error(s) in loading state_dict for Net:\n\t")
    same_text(ours, theirs)


def test_load_state_dict_not_strict():
    ours, theirs = make_model(ag), make_model(torch)
    sd_ours, sd_theirs = ours.state_dict(), theirs.state_dict()
    for sd, lib in ((sd_ours, ag), (sd_theirs, torch)):
        sd.pop("head.2.weight")
        sd["bogus.key"] = lib.zeros(1)
    result = ours.load_state_dict(sd_ours, strict=False)
    expected = theirs.load_state_dict(sd_theirs, strict=False)
    assert result.missing_keys == expected.missing_keys == ["head.2.weight"]
    assert result.unexpected_keys == expected.unexpected_keys == ["bogus.key"]
    assert repr(result) == repr(expected)
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like"):
        ours.load_state_dict([1, 2])


# ---------------------------------------------------------------------------------------------
# repr
# ---------------------------------------------------------------------------------------------


def test_repr_matches_torch(models):
    def layers(lib):
        n = lib.nn
        return [
            n.Sequential(n.Linear(1, 1), n.ReLU()),
            n.Linear(3, 2, bias=False),
            n.Sequential(
                OrderedDict(
                    [
                        ("hidden", n.Linear(2, 8)),
                        ("act", n.Sigmoid()),
                        ("inner", n.Sequential(n.Tanh(), n.Softmax(dim=1))),
                        ("out", n.LogSoftmax(dim=-1)),
                    ]
                )
            ),
            n.ReLU(inplace=True),
            n.MSELoss(),
            n.CrossEntropyLoss(reduction="sum"),
            n.NLLLoss(),
            n.Module(),
        ]

    for ours, theirs in zip(layers(ag), layers(torch)):
        assert repr(ours) == repr(theirs)
    assert repr(models[0]) == repr(models[1])
    assert repr(nn.Sequential(nn.Linear(1, 1), nn.ReLU())) == (
        "Sequential(\n  (0): Linear(in_features=1, out_features=1, bias=True)\n  (1): ReLU()\n)"
    )


# ---------------------------------------------------------------------------------------------
# Sequential
# ---------------------------------------------------------------------------------------------


def test_sequential_container():
    a, b, c = nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1)
    seq = nn.Sequential(a, b, c)
    assert len(seq) == 3 and list(seq) == [a, b, c]
    assert seq[0] is a and seq[-1] is c and seq[1] is b
    tail = seq[1:]
    assert type(tail) is nn.Sequential and list(tail) == [b, c]
    assert list(tail._modules) == ["1", "2"]  # a slice keeps the names, as in PyTorch
    with pytest.raises(IndexError, match="index 3 is out of range"):
        seq[3]
    x = ag.randn(4, 2)
    np.testing.assert_array_equal(to_np(seq(x)), to_np(c(b(a(x)))))

    named = nn.Sequential(OrderedDict([("first", a), ("act", b)]))
    assert list(named._modules) == ["first", "act"] and named.first is a
    assert [n for n, _ in named.named_parameters()] == ["first.weight", "first.bias"]

    seq.append(nn.Sigmoid())
    assert len(seq) == 4 and list(seq._modules) == ["0", "1", "2", "3"]
    seq[1] = nn.Tanh()
    assert type(seq[1]) is nn.Tanh
    del seq[0]
    assert list(seq._modules) == ["0", "1", "2"] and seq[0] is not a


# ---------------------------------------------------------------------------------------------
# Linear
# ---------------------------------------------------------------------------------------------


def test_linear_default_init_bounds():
    ag.manual_seed(0)
    layer = nn.Linear(50, 40)
    bound = 1 / math.sqrt(50)
    assert layer.weight.shape == (40, 50) and layer.bias.shape == (40,)
    assert layer.weight.dtype == ag.float32
    for p in (layer.weight, layer.bias):
        values = to_np(p)
        assert np.abs(values).max() <= bound
        assert np.abs(values).max() > 0.9 * bound  # spread over the whole interval
        assert abs(values.mean()) < 0.2 * bound
    assert layer.bias.requires_grad and isinstance(layer.weight, nn.Parameter)
    assert nn.Linear(3, 2, bias=False).bias is None
    assert nn.Linear(3, 2, dtype=ag.float64).weight.dtype == ag.float64
    ag.manual_seed(1)
    w1 = to_np(nn.Linear(4, 4).weight).copy()
    ag.manual_seed(1)
    np.testing.assert_array_equal(to_np(nn.Linear(4, 4).weight), w1)  # seeded


@pytest.mark.parametrize("np_dtype", [np.float32, np.float64])
def test_linear_forward_backward_matches_torch(np_dtype):
    ag_dtype, torch_dtype = DTYPES[np_dtype]
    torch.manual_seed(1)
    theirs = torch.nn.Linear(5, 3, dtype=torch_dtype)
    ours = nn.Linear(5, 3, dtype=ag_dtype)
    copy_weights(theirs, ours)
    x = torch.randn(7, 5, dtype=torch_dtype, requires_grad=True)
    x_ours = to_ag(x, requires_grad=True)
    y, y_ours = theirs(x), ours(x_ours)
    assert y_ours.dtype == ag_dtype
    np.testing.assert_allclose(to_np(y_ours), to_np(y), **TOL[np_dtype])
    (y**2).sum().backward()
    (y_ours**2).sum().backward()
    np.testing.assert_allclose(to_np(x_ours.grad), to_np(x.grad), **TOL[np_dtype])
    np.testing.assert_allclose(to_np(ours.weight.grad), to_np(theirs.weight.grad), rtol=1e-5)
    np.testing.assert_allclose(to_np(ours.bias.grad), to_np(theirs.bias.grad), rtol=1e-5)


# ---------------------------------------------------------------------------------------------
# Activations and losses
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, make",
    [
        ("relu", lambda lib: lib.nn.ReLU()),
        ("sigmoid", lambda lib: lib.nn.Sigmoid()),
        ("tanh", lambda lib: lib.nn.Tanh()),
        ("softmax", lambda lib: lib.nn.Softmax(dim=1)),
        ("log_softmax", lambda lib: lib.nn.LogSoftmax(dim=1)),
        ("softmax0", lambda lib: lib.nn.Softmax(dim=0)),
    ],
)
def test_activations_match_torch(name, make):
    torch.manual_seed(2)
    x = torch.randn(4, 5, dtype=torch.float64, requires_grad=True)
    x_ours = to_ag(x, requires_grad=True)
    y, y_ours = make(torch)(x), make(ag)(x_ours)
    np.testing.assert_allclose(to_np(y_ours), to_np(y), rtol=1e-12, atol=1e-15)
    weights = torch.randn(4, 5, dtype=torch.float64)
    (y * weights).sum().backward()
    (y_ours * to_ag(weights)).sum().backward()
    np.testing.assert_allclose(to_np(x_ours.grad), to_np(x.grad), rtol=1e-12, atol=1e-15)


def test_functional_names():
    x = ag.tensor([[-1.0, 0.5, 2.0]])
    np.testing.assert_array_equal(to_np(F.relu(x)), [[0.0, 0.5, 2.0]])
    np.testing.assert_allclose(to_np(F.softmax(x, dim=1).sum(1)), [1.0], rtol=1e-6)
    np.testing.assert_allclose(
        to_np(F.log_softmax(x, dim=1)), np.log(to_np(F.softmax(x, dim=1))), rtol=1e-6
    )
    expected = 1 / (1 + np.exp([[1.0, -0.5, -2.0]]))
    np.testing.assert_allclose(to_np(F.sigmoid(x)), expected, rtol=1e-6)
    np.testing.assert_allclose(to_np(F.tanh(x)), np.tanh([[-1.0, 0.5, 2.0]]), rtol=1e-6)
    w, b = ag.ones(2, 3), ag.tensor([1.0, -1.0])
    np.testing.assert_allclose(to_np(F.linear(x, w, b)), [[2.5, 0.5]], rtol=1e-6)
    np.testing.assert_allclose(to_np(F.linear(x, w)), [[1.5, 1.5]], rtol=1e-6)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("np_dtype", [np.float32, np.float64])
def test_mse_loss_matches_torch(reduction, np_dtype):
    _, torch_dtype = DTYPES[np_dtype]
    torch.manual_seed(3)
    pred = torch.randn(6, 2, dtype=torch_dtype, requires_grad=True)
    target = torch.randn(6, 2, dtype=torch_dtype)
    pred_ours = to_ag(pred, requires_grad=True)
    loss = torch.nn.MSELoss(reduction=reduction)(pred, target)
    loss_ours = nn.MSELoss(reduction=reduction)(pred_ours, to_ag(target))
    np.testing.assert_allclose(to_np(loss_ours), to_np(loss), **TOL[np_dtype])
    loss.sum().backward()
    loss_ours.sum().backward()
    np.testing.assert_allclose(to_np(pred_ours.grad), to_np(pred.grad), **TOL[np_dtype])
    np.testing.assert_allclose(
        to_np(F.mse_loss(pred_ours, to_ag(target), reduction=reduction)),
        to_np(loss),
        **TOL[np_dtype],
    )


def test_mse_loss_bit_for_bit_on_small_example():
    # The course's first regression: a handful of float32 points.
    x = torch.tensor([[1.0], [2.0], [3.0], [4.0]])
    y = torch.tensor([[2.1], [3.9], [6.2], [7.8]])
    w = torch.tensor([[1.7]])
    b = torch.tensor([0.3])
    loss = torch.nn.functional.mse_loss(x @ w.t() + b, y)
    ours = F.mse_loss(to_ag(x) @ to_ag(w).t() + to_ag(b), to_ag(y))
    assert to_np(ours).item() == loss.item()


def test_mse_loss_bad_reduction_and_broadcast_warning():
    with pytest.raises(ValueError, match="bogus is not a valid value for reduction"):
        F.mse_loss(ag.zeros(2), ag.zeros(2), reduction="bogus")
    with pytest.warns(UserWarning, match="different to the input size"):
        F.mse_loss(ag.zeros(2, 1), ag.zeros(2))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("np_dtype", [np.float32, np.float64])
def test_cross_entropy_matches_torch(reduction, np_dtype):
    _, torch_dtype = DTYPES[np_dtype]
    torch.manual_seed(4)
    logits = torch.randn(8, 5, dtype=torch_dtype, requires_grad=True)
    target = torch.randint(0, 5, (8,))
    logits_ours = to_ag(logits, requires_grad=True)
    target_ours = to_ag(target)
    loss = torch.nn.CrossEntropyLoss(reduction=reduction)(logits, target)
    loss_ours = nn.CrossEntropyLoss(reduction=reduction)(logits_ours, target_ours)
    assert loss_ours.shape == loss.shape
    np.testing.assert_allclose(to_np(loss_ours), to_np(loss), **TOL[np_dtype])
    loss.sum().backward()
    loss_ours.sum().backward()
    np.testing.assert_allclose(to_np(logits_ours.grad), to_np(logits.grad), **TOL[np_dtype])

    # cross_entropy is nll_loss of log_softmax.
    log_probs = F.log_softmax(logits_ours, dim=1)
    np.testing.assert_allclose(
        to_np(nn.NLLLoss(reduction=reduction)(log_probs, target_ours)),
        to_np(loss),
        **TOL[np_dtype],
    )


def test_cross_entropy_single_sample_and_errors():
    logits = torch.tensor([0.5, -1.0, 2.0])
    target = torch.tensor(2)
    np.testing.assert_allclose(
        to_np(F.cross_entropy(to_ag(logits), to_ag(target))),
        torch.nn.functional.cross_entropy(logits, target).numpy(),
        rtol=1e-6,
    )
    with pytest.raises(ValueError, match=r"Expected input batch_size \(3\) to match"):
        F.cross_entropy(ag.zeros(3, 2), ag.tensor([0, 1]))


# ---------------------------------------------------------------------------------------------
# Moving and casting
# ---------------------------------------------------------------------------------------------


def test_double_float_to_keep_parameter_identity():
    model = nn.Sequential(nn.Linear(2, 2))
    model[0].register_buffer("count", ag.tensor([3]))
    weight = model[0].weight
    model(ag.randn(1, 2)).sum().backward()
    assert model.double() is model
    assert model[0].weight is weight and weight.dtype == ag.float64
    assert weight.grad.dtype == ag.float64 and isinstance(weight, nn.Parameter)
    assert model[0].count.dtype == ag.int64  # integer buffers keep their dtype
    assert model(ag.randn(1, 2, dtype=ag.float64)).dtype == ag.float64
    model.float()
    assert weight.dtype == ag.float32
    model.to(ag.float64)
    assert weight.dtype == ag.float64
    model.to("cpu").cpu()
    assert weight.device == ag.device("cpu")
    with pytest.raises(TypeError, match="only accepts floating point"):
        model.to(ag.int64)


def test_deepcopy_model():
    model = nn.Sequential(nn.Linear(2, 2), nn.ReLU())
    clone = copy.deepcopy(model)
    assert clone[0].weight is not model[0].weight
    assert isinstance(clone[0].weight, nn.Parameter)
    np.testing.assert_array_equal(to_np(clone[0].weight), to_np(model[0].weight))
    assert repr(clone) == repr(model)
