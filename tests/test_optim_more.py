"""The optimizers and learning-rate schedulers of issue 12 against PyTorch 2.13: RMSprop, AdamW,
Adagrad step by step, their printed text, state_dicts and errors; StepLR, ExponentialLR,
CosineAnnealingLR, LambdaLR."""

import warnings

import numpy as np
import pytest
import torch
from test_optim import STEPS, to_np, twin_models

import autograd_lib as ag
from autograd_lib import nn, optim

CONFIGS = {
    "RMSprop": [dict(), dict(lr=0.005, alpha=0.9, eps=1e-6), dict(momentum=0.9),
                dict(centered=True), dict(centered=True, momentum=0.5, weight_decay=0.1),
                dict(maximize=True, weight_decay=0.01)],
    "AdamW": [dict(), dict(lr=0.01, weight_decay=0.1), dict(lr=0.01, amsgrad=True),
              dict(lr=0.01, weight_decay=0.0), dict(maximize=True, betas=(0.8, 0.9))],
    "Adagrad": [dict(), dict(lr=0.1, lr_decay=0.01), dict(initial_accumulator_value=0.5),
                dict(weight_decay=0.1, eps=1e-6), dict(maximize=True)],
    "Adam": [dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True)],
}
ALL = [(name, config) for name, configs in CONFIGS.items() for config in configs]


# float32: the rounding of one step (1e-6) grows over six steps of RMSprop with momentum, whose
# steps divide by small square roots; float64 keeps to 1e-12.
TOL = {np.float32: dict(rtol=1e-5, atol=1e-6), np.float64: dict(rtol=1e-12, atol=1e-15)}


@pytest.mark.parametrize("np_dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("name, config", ALL, ids=[f"{n}-{c}" for n, c in ALL])
def test_trajectory_and_state_match_torch(name, config, np_dtype):
    ours, theirs, (x, y), (x_t, y_t) = twin_models(np_dtype)
    opt = getattr(optim, name)(ours.parameters(), **config)
    opt_t = getattr(torch.optim, name)(theirs.parameters(), foreach=False, **config)
    for step in range(STEPS):
        for o, loss in ((opt, nn.functional.mse_loss(ours(x), y)),
                        (opt_t, torch.nn.functional.mse_loss(theirs(x_t), y_t))):
            o.zero_grad()
            loss.backward()
            o.step()
        for p, p_t in zip(ours.parameters(), theirs.parameters()):
            np.testing.assert_allclose(to_np(p), to_np(p_t), **TOL[np_dtype],
                                       err_msg=f"after step {step + 1}")
    for p, p_t in zip(opt.param_groups[0]["params"], opt_t.param_groups[0]["params"]):
        state, state_t = opt.state[p], opt_t.state[p_t]
        assert list(state) == list(state_t)
        assert state["step"].item() == state_t["step"].item() == STEPS
        assert state["step"].dtype == ag.float32
        for key in state:
            assert state[key].dtype == getattr(ag, str(state_t[key].dtype).split(".")[1])
            # A momentum buffer adds up terms of both signs: its error is relative to them.
            expected = to_np(state_t[key])
            rtol = TOL[np_dtype]["rtol"]
            np.testing.assert_allclose(to_np(state[key]), expected, rtol=rtol,
                                       atol=rtol * float(np.abs(expected).max()), err_msg=key)


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"])
def test_repr_defaults_and_state_dict_match_torch(name):
    params = [nn.Parameter(ag.ones(2)), nn.Parameter(ag.ones(1))]
    params_t = [torch.nn.Parameter(torch.ones(2)), torch.nn.Parameter(torch.ones(1))]
    opt = getattr(optim, name)([{"params": params[:1]}, {"params": params[1:], "lr": 0.5}])
    opt_t = getattr(torch.optim, name)([{"params": params_t[:1]},
                                        {"params": params_t[1:], "lr": 0.5}])
    assert repr(opt) == repr(opt_t)
    assert opt.defaults == opt_t.defaults
    sd, sd_t = opt.state_dict(), opt_t.state_dict()
    assert sd["param_groups"] == sd_t["param_groups"]
    assert list(sd["state"]) == list(sd_t["state"])  # Adagrad's state exists from the start
    for i, state in sd["state"].items():
        assert {k: v.tolist() for k, v in state.items()} == {
            k: v.tolist() for k, v in sd_t["state"][i].items()}


def test_adagrad_state_dict_round_trip():
    ours, _, (x, y), _ = twin_models(np.float64)
    opt = optim.Adagrad(ours.parameters(), lr=0.1, lr_decay=0.1)
    for _ in range(2):
        opt.zero_grad()
        nn.functional.mse_loss(ours(x), y).backward()
        opt.step()
    again = optim.Adagrad(ours.parameters())
    again.load_state_dict(opt.state_dict())
    assert again.param_groups[0]["lr_decay"] == 0.1
    p = again.param_groups[0]["params"][0]
    assert again.state[p]["step"].item() == 2
    np.testing.assert_array_equal(to_np(again.state[p]["sum"]), to_np(opt.state[p]["sum"]))


def raised(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        return type(e).__name__, str(e)
    raise AssertionError("no error")


@pytest.mark.parametrize("name, kwargs", [
    ("RMSprop", dict(lr=-1)), ("RMSprop", dict(eps=-1)), ("RMSprop", dict(momentum=-1)),
    ("RMSprop", dict(weight_decay=-1)), ("RMSprop", dict(alpha=-1)),
    ("Adagrad", dict(lr=-1)), ("Adagrad", dict(lr_decay=-1)), ("Adagrad", dict(eps=-1)),
    ("Adagrad", dict(initial_accumulator_value=-1)), ("Adagrad", dict(weight_decay=-1)),
    ("AdamW", dict(lr=-1)), ("AdamW", dict(betas=(1.0, 0.9))), ("AdamW", dict(weight_decay=-1)),
    ("SGD", dict(lr=-0.1)), ("SGD", dict(momentum=-1)),
])
def test_invalid_settings_raise_like_torch(name, kwargs):
    def make(lib):
        getattr(lib.optim, name)([lib.zeros(1, requires_grad=True)], **kwargs)
    assert raised(lambda: make(ag)) == raised(lambda: make(torch))


@pytest.mark.parametrize("flag", [dict(fused=True), dict(differentiable=True)])
def test_fused_and_differentiable_are_refused_clearly(flag):
    with pytest.raises(RuntimeError, match=f"{next(iter(flag))}=True is not supported"):
        optim.Adam([ag.zeros(1, requires_grad=True)], **flag)
    opt = optim.SGD([ag.zeros(1, requires_grad=True)], foreach=True)  # same update: accepted
    assert opt.defaults["foreach"] is True


SCHEDULERS = [
    "m.optim.lr_scheduler.StepLR(opt, step_size=3, gamma=0.5)",
    "m.optim.lr_scheduler.StepLR(opt, 2)",
    "m.optim.lr_scheduler.ExponentialLR(opt, gamma=0.9)",
    "m.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=4)",
    "m.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=5, eta_min=0.001)",
    "m.optim.lr_scheduler.LambdaLR(opt, lambda epoch: 0.95 ** epoch)",
    "m.optim.lr_scheduler.LambdaLR(opt, [lambda e: 1 / (e + 1), lambda e: 0.5])",
]


@pytest.mark.parametrize("expr", SCHEDULERS)
def test_scheduler_matches_torch(expr):
    runs = []
    for m in (torch, ag):
        groups = [{"params": [m.zeros(1, requires_grad=True)]},
                  {"params": [m.zeros(1, requires_grad=True)], "lr": 0.05}]
        opt = m.optim.SGD(groups, lr=0.1, momentum=0.9)
        scheduler = eval(expr, {"m": m, "opt": opt})
        lrs, params = [scheduler.get_last_lr()], []
        for _ in range(12):
            for group in opt.param_groups:
                for p in group["params"]:
                    p.grad = m.ones(1)
            opt.step()
            scheduler.step()
            lrs.append(scheduler.get_last_lr())
            params.append([p.item() for g in opt.param_groups for p in g["params"]])
        runs.append((lrs, params, scheduler.state_dict(), opt.state_dict()["param_groups"],
                     repr(opt)))
    (lrs_t, params_t, sd_t, groups_t, repr_t), (lrs, params, sd, groups, repr_ours) = runs
    assert lrs == lrs_t  # the same float64 arithmetic, to the last bit
    np.testing.assert_allclose(params, params_t, rtol=1e-6)
    assert sd == sd_t
    for g, g_t in zip(groups, groups_t):
        assert g == g_t  # "initial_lr" included
    assert repr_ours == repr_t


def test_scheduler_state_dict_round_trip_and_resume():
    def make(opt):
        return optim.lr_scheduler.CosineAnnealingLR(opt, T_max=6, eta_min=0.01)

    w = ag.zeros(1, requires_grad=True)
    opt = optim.SGD([w], lr=0.1)
    scheduler = make(opt)
    for _ in range(3):
        opt.step()
        scheduler.step()
    saved_opt, saved = opt.state_dict(), scheduler.state_dict()
    expected = []
    for _ in range(3):
        opt.step()
        scheduler.step()
        expected.append(scheduler.get_last_lr())

    opt2 = optim.SGD([w], lr=0.1)
    opt2.load_state_dict(saved_opt)
    scheduler2 = make(opt2)
    scheduler2.load_state_dict(saved)
    got = []
    for _ in range(3):
        opt2.step()
        scheduler2.step()
        got.append(scheduler2.get_last_lr())
    assert got == expected


def test_scheduler_warnings_and_errors_like_torch():
    for m in (torch, ag):
        opt = m.optim.SGD([m.zeros(1, requires_grad=True)], lr=0.1)
        scheduler = m.optim.lr_scheduler.StepLR(opt, 1)
        with pytest.warns(UserWarning, match=r"Detected call of `lr_scheduler.step\(\)` before"):
            scheduler.step()
        opt = m.optim.SGD([m.zeros(1, requires_grad=True)], lr=0.1)
        scheduler = m.optim.lr_scheduler.StepLR(opt, 1)
        opt.step()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            scheduler.step()
        with pytest.raises(TypeError, match="list is not an Optimizer"):
            m.optim.lr_scheduler.StepLR([], 1)
        with pytest.raises(ValueError, match="Expected 1 lr_lambdas, but got 2"):
            m.optim.lr_scheduler.LambdaLR(opt, [abs, abs])
