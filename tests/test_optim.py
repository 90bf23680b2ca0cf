"""autograd_lib.optim against PyTorch (the oracle): SGD and Adam trajectories, param groups,
state_dict, error messages."""

import numpy as np
import pytest
import torch

import autograd_lib as ag
from autograd_lib import nn, optim

TOL = {np.float32: dict(rtol=1e-6, atol=1e-7), np.float64: dict(rtol=1e-12, atol=1e-15)}
DTYPES = {np.float32: (ag.float32, torch.float32), np.float64: (ag.float64, torch.float64)}
STEPS = 6


def to_ag(t, requires_grad=False):
    return ag.tensor(t.detach().numpy().copy(), requires_grad=requires_grad)


def to_np(x):
    return x.detach().numpy()


def same_text(ours, theirs):
    assert ours == theirs.replace("torch.", "autograd_lib.").replace("torch ", "autograd_lib ")


def twin_models(np_dtype, seed=0):
    """The same two-layer network in both libraries, with identical weights."""
    ag_dtype, torch_dtype = DTYPES[np_dtype]
    torch.manual_seed(seed)
    theirs = torch.nn.Sequential(
        torch.nn.Linear(3, 5, dtype=torch_dtype),
        torch.nn.Tanh(),
        torch.nn.Linear(5, 2, dtype=torch_dtype),
    )
    ours = nn.Sequential(
        nn.Linear(3, 5, dtype=ag_dtype), nn.Tanh(), nn.Linear(5, 2, dtype=ag_dtype)
    )
    with ag.no_grad():
        for p, p_t in zip(ours.parameters(), theirs.parameters()):
            p.copy_(to_ag(p_t))
    x = torch.randn(8, 3, dtype=torch_dtype)
    y = torch.randn(8, 2, dtype=torch_dtype)
    return ours, theirs, (to_ag(x), to_ag(y)), (x, y)


def train_both(make_ours, make_theirs, np_dtype, steps=STEPS, seed=0):
    """Run ``steps`` optimizer steps in both libraries; compare parameters after each."""
    ours, theirs, (x, y), (x_t, y_t) = twin_models(np_dtype, seed)
    opt, opt_t = make_ours(ours.parameters()), make_theirs(theirs.parameters())
    for _ in range(steps):
        opt.zero_grad()
        opt_t.zero_grad()
        nn.functional.mse_loss(ours(x), y).backward()
        torch.nn.functional.mse_loss(theirs(x_t), y_t).backward()
        opt.step()
        opt_t.step()
        for p, p_t in zip(ours.parameters(), theirs.parameters()):
            assert p.dtype == DTYPES[np_dtype][0]
            np.testing.assert_allclose(to_np(p), to_np(p_t), **TOL[np_dtype])
    return opt, opt_t


SGD_CONFIGS = [
    dict(lr=0.1),
    dict(lr=0.05, momentum=0.9),
    dict(lr=0.05, momentum=0.9, dampening=0.3),
    dict(lr=0.05, momentum=0.8, nesterov=True),
    dict(lr=0.1, weight_decay=0.01),
    dict(lr=0.05, momentum=0.9, weight_decay=0.1, nesterov=True),
    dict(lr=0.05, momentum=0.5, maximize=True),
]
ADAM_CONFIGS = [
    dict(),
    dict(lr=0.01),
    dict(lr=0.01, betas=(0.8, 0.99), eps=1e-6),
    dict(lr=0.01, weight_decay=0.1),
    dict(lr=0.01, amsgrad=True),
    dict(lr=0.01, weight_decay=0.05, amsgrad=True, maximize=True),
]


@pytest.mark.parametrize("np_dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("config", SGD_CONFIGS, ids=str)
def test_sgd_matches_torch(config, np_dtype):
    opt, opt_t = train_both(
        lambda ps: optim.SGD(ps, **config),
        lambda ps: torch.optim.SGD(ps, foreach=False, **config),
        np_dtype,
    )
    if config.get("momentum", 0):
        for p, p_t in zip(opt.param_groups[0]["params"], opt_t.param_groups[0]["params"]):
            buf, buf_t = opt.state[p]["momentum_buffer"], opt_t.state[p_t]["momentum_buffer"]
            np.testing.assert_allclose(to_np(buf), to_np(buf_t), **TOL[np_dtype])
    else:
        assert len(opt.state) == len(opt_t.state) == 0


@pytest.mark.parametrize("np_dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("config", ADAM_CONFIGS, ids=str)
def test_adam_matches_torch(config, np_dtype):
    opt, opt_t = train_both(
        lambda ps: optim.Adam(ps, **config),
        lambda ps: torch.optim.Adam(ps, foreach=False, **config),
        np_dtype,
    )
    p, p_t = opt.param_groups[0]["params"][0], opt_t.param_groups[0]["params"][0]
    state, state_t = opt.state[p], opt_t.state[p_t]
    assert list(state) == list(state_t)
    assert state["step"].item() == state_t["step"].item() == STEPS
    for key in state:
        if key != "step":
            assert state[key].dtype == p.dtype
            np.testing.assert_allclose(to_np(state[key]), to_np(state_t[key]), rtol=1e-5)


def test_sgd_exact_on_a_single_parameter():
    # float64, one weight: the textbook update, digit for digit.
    w = nn.Parameter(ag.tensor([1.5], dtype=ag.float64))
    w_t = torch.nn.Parameter(torch.tensor([1.5], dtype=torch.float64))
    opt = optim.SGD([w], lr=0.25, momentum=0.5)
    opt_t = torch.optim.SGD([w_t], lr=0.25, momentum=0.5)
    for _ in range(4):
        opt.zero_grad()
        opt_t.zero_grad()
        (w**2).sum().backward()
        (w_t**2).sum().backward()
        opt.step()
        opt_t.step()
        assert w.item() == w_t.item()


# ---------------------------------------------------------------------------------------------
# Construction, param groups, errors
# ---------------------------------------------------------------------------------------------


def test_param_groups_and_defaults():
    model = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1))
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    assert len(opt.param_groups) == 1
    group = opt.param_groups[0]
    assert len(group["params"]) == 4
    assert all(a is b for a, b in zip(group["params"], model.parameters()))
    expected = {"lr": 0.1, "momentum": 0.9, "dampening": 0, "weight_decay": 0}
    assert {k: group[k] for k in expected} == expected
    assert group["nesterov"] is False and group["maximize"] is False

    opt = optim.SGD(
        [{"params": model[0].parameters()}, {"params": model[1].parameters(), "lr": 0.5}],
        lr=0.01,
    )
    assert [g["lr"] for g in opt.param_groups] == [0.01, 0.5]
    assert len(opt.param_groups[1]["params"]) == 2

    opt = optim.Adam([model[0].weight], lr=0.1)
    opt.add_param_group({"params": model[1].weight, "lr": 0.2})
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.2]
    assert opt.param_groups[1]["betas"] == (0.9, 0.999)
    assert opt.defaults["lr"] == 0.1


def test_per_group_learning_rates_match_torch():
    ours, theirs, (x, y), (x_t, y_t) = twin_models(np.float64)
    opt = optim.SGD(
        [{"params": ours[0].parameters(), "lr": 0.3}, {"params": ours[2].parameters()}],
        lr=0.1,
        momentum=0.5,
    )
    opt_t = torch.optim.SGD(
        [{"params": theirs[0].parameters(), "lr": 0.3}, {"params": theirs[2].parameters()}],
        lr=0.1,
        momentum=0.5,
    )
    for _ in range(3):
        opt.zero_grad()
        opt_t.zero_grad()
        nn.functional.mse_loss(ours(x), y).backward()
        torch.nn.functional.mse_loss(theirs(x_t), y_t).backward()
        opt.step()
        opt_t.step()
    for p, p_t in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(to_np(p), to_np(p_t), **TOL[np.float64])


def _error(make):
    with pytest.raises(Exception) as err:
        make()
    return type(err.value), str(err.value)


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.optim.SGD([], lr=0.1),
        lambda lib: lib.optim.SGD(lib.zeros(2, requires_grad=True), lr=0.1),
        lambda lib: lib.optim.SGD([lib.zeros(2, requires_grad=True) * 2], lr=0.1),
        lambda lib: lib.optim.SGD([1.0], lr=0.1),
        lambda lib: lib.optim.SGD([{"params": {lib.zeros(1, requires_grad=True)}}], lr=0.1),
        lambda lib: lib.optim.SGD([lib.zeros(1, requires_grad=True)], lr=0.1, nesterov=True),
        lambda lib: lib.optim.SGD(
            [lib.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9, dampening=0.1, nesterov=True
        ),
        lambda lib: lib.optim.SGD([lib.zeros(1, requires_grad=True)], lr=-1),
        lambda lib: lib.optim.SGD([lib.zeros(1, requires_grad=True)], lr=0.1, momentum=-1),
        lambda lib: lib.optim.SGD([lib.zeros(1, requires_grad=True)], lr=0.1, weight_decay=-1),
        lambda lib: lib.optim.Adam([lib.zeros(1, requires_grad=True)], lr=-0.1),
        lambda lib: lib.optim.Adam([lib.zeros(1, requires_grad=True)], betas=(1.0, 0.9)),
        lambda lib: lib.optim.Adam([lib.zeros(1, requires_grad=True)], betas=(0.9, -0.1)),
        lambda lib: lib.optim.Adam([lib.zeros(1, requires_grad=True)], eps=-1.0),
        lambda lib: lib.optim.Adam([lib.zeros(1, requires_grad=True)], weight_decay=-1.0),
    ],
    ids=[
        "empty",
        "tensor-not-iterable",
        "non-leaf",
        "not-a-tensor",
        "set",
        "nesterov-no-momentum",
        "nesterov-dampening",
        "lr",
        "momentum",
        "weight_decay",
        "adam-lr",
        "beta0",
        "beta1",
        "eps",
        "adam-weight_decay",
    ],
)
def test_errors_match_torch(make):
    ours_type, ours_msg = _error(lambda: make(ag))
    torch_type, torch_msg = _error(lambda: make(torch))
    assert ours_type is torch_type
    same_text(ours_msg, torch_msg)


def test_parameter_in_two_groups():
    w = ag.zeros(1, requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        opt.add_param_group({"params": [w]})
    with pytest.warns(UserWarning, match="duplicate parameters"):
        optim.SGD([w, w], lr=0.1)


# ---------------------------------------------------------------------------------------------
# Stepping details
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("opt_class", [optim.SGD, optim.Adam])
def test_zero_grad(opt_class):
    w = ag.ones(3, requires_grad=True)
    opt = opt_class([w], lr=0.1)
    (w * 2).sum().backward()
    grad = w.grad
    opt.zero_grad(set_to_none=False)
    assert w.grad is grad and not to_np(w.grad).any()
    opt.zero_grad()
    assert w.grad is None


@pytest.mark.parametrize("opt_class", [optim.SGD, optim.Adam])
def test_parameters_without_grad_are_skipped(opt_class):
    used, unused = ag.ones(2, requires_grad=True), ag.ones(2, requires_grad=True)
    opt = opt_class([used, unused], lr=0.1, weight_decay=0.1)
    (used * 3).sum().backward()
    opt.step()
    assert to_np(used)[0] < 1.0
    np.testing.assert_array_equal(to_np(unused), [1.0, 1.0])
    assert unused not in opt.state


def test_step_records_no_graph_and_keeps_leaves():
    w = nn.Parameter(ag.tensor([1.0, 2.0]))
    opt = optim.Adam([w], lr=0.1)
    (w**2).sum().backward()
    opt.step()
    assert w.is_leaf and w.grad_fn is None and w.requires_grad
    assert isinstance(w, nn.Parameter)


def test_closure():
    w = ag.tensor([1.0], requires_grad=True)
    w_t = torch.tensor([1.0], requires_grad=True)
    opt, opt_t = optim.SGD([w], lr=0.1), torch.optim.SGD([w_t], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (w**2).sum()
        loss.backward()
        return loss

    def closure_t():
        opt_t.zero_grad()
        loss = (w_t**2).sum()
        loss.backward()
        return loss

    with ag.no_grad():  # step turns grad on for the closure
        loss = opt.step(closure)
    assert loss.item() == opt_t.step(closure_t).item() == 1.0
    assert w.item() == w_t.item()


# ---------------------------------------------------------------------------------------------
# state_dict
# ---------------------------------------------------------------------------------------------


OUR_KEYS = {
    "SGD": ["lr", "momentum", "dampening", "weight_decay", "nesterov", "maximize", "foreach",
            "differentiable", "fused"],
    "Adam": ["lr", "betas", "eps", "weight_decay", "amsgrad", "maximize", "foreach", "capturable",
             "differentiable", "fused", "decoupled_weight_decay"],
}


@pytest.mark.parametrize("name, config", [("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", {})])
def test_state_dict_format_matches_torch(name, config):
    ours, theirs, (x, y), (x_t, y_t) = twin_models(np.float32)
    groups = [{"params": ours[0].parameters()}, {"params": ours[2].parameters(), "lr": 0.01}]
    groups_t = [{"params": theirs[0].parameters()}, {"params": theirs[2].parameters(), "lr": 0.01}]
    opt = getattr(optim, name)(groups, **config)
    opt_t = getattr(torch.optim, name)(groups_t, foreach=False, **config)
    nn.functional.mse_loss(ours(x), y).backward()
    torch.nn.functional.mse_loss(theirs(x_t), y_t).backward()
    opt.step()
    opt_t.step()

    sd, sd_t = opt.state_dict(), opt_t.state_dict()
    assert list(sd) == list(sd_t) == ["state", "param_groups"]
    assert [g["params"] for g in sd["param_groups"]] == [[0, 1], [2, 3]]
    assert [g["params"] for g in sd["param_groups"]] == [g["params"] for g in sd_t["param_groups"]]
    for g, g_t in zip(sd["param_groups"], sd_t["param_groups"]):
        assert list(g) == list(g_t) == OUR_KEYS[name] + ["params"]
        keys = [k for k in OUR_KEYS[name] if k != "foreach"]  # torch's is False here
        assert {k: g[k] for k in keys} == {k: g_t[k] for k in keys}
    assert list(sd["state"]) == list(sd_t["state"]) == [0, 1, 2, 3]
    for i in sd["state"]:
        assert list(sd["state"][i]) == list(sd_t["state"][i])
        for key, value in sd["state"][i].items():
            np.testing.assert_allclose(to_np(value), to_np(sd_t["state"][i][key]), rtol=1e-5)
    if name == "Adam":
        step = sd["state"][0]["step"]
        assert isinstance(step, ag.Tensor) and step.dtype == ag.float32 and step.shape == ()


@pytest.mark.parametrize(
    "make",
    [
        lambda ps: optim.SGD(ps, lr=0.05, momentum=0.9, nesterov=True),
        lambda ps: optim.Adam(ps, lr=0.01, amsgrad=True),
    ],
    ids=["SGD", "Adam"],
)
def test_state_dict_round_trip_resumes_training(make):
    def run(opt, model, x, y, steps):
        for _ in range(steps):
            opt.zero_grad()
            nn.functional.mse_loss(model(x), y).backward()
            opt.step()

    # Uninterrupted: 5 steps.
    model_a, _, (x, y), _ = twin_models(np.float64)
    opt_a = make(model_a.parameters())
    run(opt_a, model_a, x, y, 5)

    # Interrupted after 2 steps: save model and optimizer, rebuild both, load, do 3 more.
    model_b, _, _, _ = twin_models(np.float64)
    opt_b = make(model_b.parameters())
    run(opt_b, model_b, x, y, 2)
    model_sd, opt_sd = model_b.state_dict(), opt_b.state_dict()

    model_c, _, _, _ = twin_models(np.float64, seed=1)
    model_c.load_state_dict(model_sd)
    opt_c = make(model_c.parameters())
    opt_c.param_groups[0]["lr"] = 123.0  # overwritten by load_state_dict
    opt_c.load_state_dict(opt_sd)
    assert opt_c.param_groups[0]["lr"] == opt_b.param_groups[0]["lr"]
    assert all(a is b for a, b in zip(opt_c.param_groups[0]["params"], model_c.parameters()))
    run(opt_c, model_c, x, y, 3)

    for p_a, p_c in zip(model_a.parameters(), model_c.parameters()):
        np.testing.assert_array_equal(to_np(p_a), to_np(p_c))


def test_load_state_dict_errors_match_torch():
    def make(lib, sizes):
        return lib.optim.SGD(
            [{"params": [lib.zeros(1, requires_grad=True) for _ in range(n)]} for n in sizes],
            lr=0.1,
        )

    for saved, target in [((1,), (1, 1)), ((2,), (1,))]:
        with pytest.raises(ValueError) as ours:
            make(ag, target).load_state_dict(make(ag, saved).state_dict())
        with pytest.raises(ValueError) as theirs:
            make(torch, target).load_state_dict(make(torch, saved).state_dict())
        assert str(ours.value) == str(theirs.value)


def test_repr():
    opt = optim.SGD([ag.zeros(1, requires_grad=True)], lr=0.1)
    assert repr(opt) == repr(torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1))
    assert repr(opt) == (
        "SGD (\nParameter Group 0\n    dampening: 0\n    differentiable: False\n"
        "    foreach: None\n    fused: None\n    lr: 0.1\n    maximize: False\n"
        "    momentum: 0\n    nesterov: False\n    weight_decay: 0\n)"
    )
