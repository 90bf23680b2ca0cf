"""Probes of lesson 08 (linear regression): what the judge checks in each exercise
(docs/authoring.md).

Each function is named after an exercise's test cell. It runs in the grading kernel after the
student's cells; every probe's value is compared, in the grader, with the value the same probe
returns on the solution. Messages are shown to the student; the inputs here are not.
"""

import numpy as np

import autograd_lib as torch
from autograd_course import spies
from autograd_course.probing import N_


def _mse_floats(x, y):
    """x, y as float64 NumPy arrays and the best possible MSE of a line on them."""
    xa = np.asarray(x.tolist(), dtype=np.float64)
    ya = np.asarray(y.tolist(), dtype=np.float64)
    A = np.stack([xa, np.ones_like(xa)], axis=1)
    best = np.mean((A @ np.linalg.lstsq(A, ya, rcond=None)[0] - ya) ** 2)
    return xa, ya, A, best


# -- Exercise 1: train_step --------------------------------------------------------------------


def l08_ex1_tests(answer, probe):
    train_step = answer.train_step

    def cleared(t):
        return t.grad is None or float(abs(t.grad).sum()) == 0.0

    def tutorial():
        x = torch.tensor([[1.0], [2.0], [3.0]])
        y = torch.tensor([[2.0], [3.0], [4.0]])
        w = torch.tensor([[0.0]], requires_grad=True)
        b = torch.tensor([[0.0]], requires_grad=True)
        loss = train_step(w, b, x, y, 0.01)
        first = {"float": isinstance(loss, float), "loss": float(loss),
                 "w": w.item(), "b": b.item(), "leaves": [w.is_leaf, b.is_leaf],
                 "cleared": [cleared(w), cleared(b)]}
        for _ in range(99):
            train_step(w, b, x, y, 0.01)
        return first, [w.item(), b.item()]

    probe("visible: float", lambda: tutorial()[0]["float"],
          "return the loss as a Python float (loss.item())")
    probe("visible: first loss", lambda: tutorial()[0]["loss"],
          "the loss returned by the first step on the tutorial's data (visible test) is wrong: "
          "return the MSE computed before the update")
    probe("visible: one step", lambda: [tutorial()[0][k] for k in ("w", "b")],
          "[w, b] after one step on the tutorial's data (visible test) are wrong")
    probe("visible: leaves", lambda: tutorial()[0]["leaves"],
          "w and b must stay leaves: update them in place under torch.no_grad()")
    probe("visible: cleared", lambda: tutorial()[0]["cleared"],
          "clear w.grad and b.grad after the update")
    probe("visible: 100 steps", lambda: tutorial()[1],
          "[w, b] after 100 steps on the tutorial's data (visible test) differ from the "
          "tutorial's result")

    def two_inputs():
        x = torch.tensor([[0.5, 1.0], [1.5, -1.0], [-1.0, 0.0], [2.0, 2.0], [0.0, 1.0]])
        y = torch.tensor([[1.0], [2.0], [-0.5], [3.0], [0.25]])
        w = torch.zeros(2, 1, requires_grad=True)
        b = torch.zeros(1, 1, requires_grad=True)
        losses = [float(train_step(w, b, x, y, 0.05)) for _ in range(30)]
        return {"params": w[:, 0].tolist() + [b.item()], "losses": losses,
                "leaves": [w.is_leaf, b.is_leaf]}

    probe("D = 2: params", lambda: two_inputs()["params"],
          "with several input features (x of shape (N, D), w of shape (D, 1)) and another "
          "learning rate, w and b after many steps are wrong",
          rtol=1e-4, atol=1e-5)
    probe("D = 2: losses", lambda: two_inputs()["losses"],
          "with several input features, the losses returned by train_step are wrong",
          rtol=1e-4, atol=1e-5)
    probe("D = 2: leaves", lambda: two_inputs()["leaves"],
          "with several input features, w and b must stay leaves")


# -- Exercise 2: predict -----------------------------------------------------------------------


def l08_ex2_tests(answer, probe):
    predict = answer.predict

    def line():
        lin = torch.nn.Linear(1, 1)
        with torch.no_grad():
            lin.weight.fill_(2.0)
            lin.bias.fill_(1.0)
        return lin

    def run(model, x):
        """What predict returns, the grad mode at each call of the model, and whether it left
        the grad mode on and the model's grads untouched."""
        wrapped, modes = spies.grad_mode(model)
        try:
            out = predict(wrapped, x)
        finally:
            mode_after = torch.is_grad_enabled()
            torch.set_grad_enabled(True)
        return {"shape": list(out.shape), "values": out.detach().reshape(-1).tolist(),
                "no graph": out.grad_fn is None and not out.requires_grad,
                "modes": [bool(m) for m in modes],
                "grad mode on": bool(mode_after),
                "no backward": all(p.grad is None for p in model.parameters())}

    def visible():
        return run(line(), torch.tensor([0.0, 1.0, 2.5]))

    probe("visible: shape", lambda: visible()["shape"],
          "predict(lin, torch.tensor([0.0, 1.0, 2.5])) must return a 1-D tensor of shape (3,)")
    probe("visible: values", lambda: visible()["values"],
          "the predictions of y = 2x + 1 (visible test) are wrong")
    probe("visible: no graph", lambda: visible()["no graph"],
          "predict must not record a graph (no grad_fn, no requires_grad)")
    probe("visible: grad mode", lambda: visible()["grad mode on"],
          "the grad mode must be on again after predict()")
    probe("visible: model called without grad", lambda: visible()["modes"],
          "call the model once, with the grad mode off (torch.no_grad()): detaching the result "
          "afterwards is too late, the graph was already recorded")

    def single():
        return run(line(), torch.tensor([4.0]))

    probe("N = 1: shape", lambda: single()["shape"],
          "for a single input, predict must return a tensor of shape (1,)")
    probe("N = 1: values", lambda: single()["values"],
          "the prediction for a single input is wrong")
    probe("N = 1: model called without grad", lambda: single()["modes"],
          "for a single input, call the model once, with the grad mode off")

    def net():
        torch.manual_seed(5)
        model = torch.nn.Sequential(torch.nn.Linear(1, 4), torch.nn.Tanh(),
                                    torch.nn.Linear(4, 1))
        return run(model, torch.linspace(-1, 1, 7))

    probe("net: shape", lambda: net()["shape"],
          "for a small network (Linear, Tanh, Linear), predict returns the wrong shape")
    probe("net: values", lambda: net()["values"],
          "the predictions of a small network (Linear, Tanh, Linear) are wrong")
    probe("net: no graph", lambda: [net()[k] for k in ("no graph", "grad mode on")],
          "for a small network, predict must not record a graph and must leave the grad mode on")
    probe("net: model called without grad", lambda: net()["modes"],
          "for a small network, call the model once, with the grad mode off")
    probe("net: no backward", lambda: net()["no backward"],
          "predict must not call backward() (the model's parameters got a .grad)")


# -- Exercise 3: fit_line ----------------------------------------------------------------------


def _fit(fit_line, x, y, seed):
    torch.manual_seed(seed)  # the same start for every run of the same answer
    result = fit_line(x, y)
    if not (isinstance(result, tuple) and len(result) == 2):
        return {"tuple": False}
    w, b = result
    if not (isinstance(w, float) and isinstance(b, float)):
        return {"tuple": True, "floats": False}
    xa, ya, _, best = _mse_floats(x, y)
    got = np.mean((w * xa + b - ya) ** 2)
    return {"tuple": True, "floats": True, "good fit": bool(got <= 1.01 * best + 1e-4)}


def l08_ex3_tests(answer, probe):
    fit_line = answer.fit_line

    torch.manual_seed(10)
    x0 = torch.rand(60) * 4
    y0 = 2 * x0 + 1 + 0.5 * torch.randn(60)
    # All data first, so that what fit_line draws from the generator does not change them.
    torch.manual_seed(12)
    x5 = torch.rand(50) * 3 + 5
    y5 = 0.5 * x5 + 1 + 0.2 * torch.randn(50)
    torch.manual_seed(11)
    x1 = torch.rand(80) * 10
    y1 = -0.7 * x1 + 4 + 0.3 * torch.randn(80)
    x2 = torch.rand(40) * 2 - 1
    y2 = 3 * x2 - 2 + 0.1 * torch.randn(40)
    x3 = torch.rand(50) * 3 + 5
    y3 = 0.5 * x3 + 1 + 0.2 * torch.randn(50)
    x4, y4 = torch.tensor([1.0, 2.0, 3.0]), torch.tensor([2.0, 3.0, 4.0])
    hint = N_("; choose the learning rate and the number of epochs for any range of x "
              "(section 5)")
    cases = [
        ("visible", x0, y0, N_("on the visible test's data (y = 2x + 1 + noise, x in [0, 4]) "
                               "your line's MSE is more than 1% above the best possible")),
        ("visible [5, 8]", x5, y5, N_("on the visible test's second data (y = 0.5x + 1 + "
                                      "noise, x in [5, 8]) your line's MSE is more than 1% "
                                      "above the best possible")),
        ("wide x", x1, y1, N_("on other data, with larger x values than in the visible test, "
                              "your line's MSE is more than 1% above the best possible") + hint),
        ("x around 0", x2, y2, N_("on other data, with x values on both sides of 0, your "
                                  "line's MSE is more than 1% above the best possible") + hint),
        ("x far from 0", x3, y3, N_("on other data, with x values far from 0, your line's MSE "
                                    "is more than 1% above the best possible") + hint),
        ("exact", x4, y4, N_("on a few points that lie exactly on a line, your line is not "
                             "close enough to the exact fit")),
    ]
    for seed, (key, x, y, message) in enumerate(cases):
        found = {}

        def properties(x=x, y=y, seed=seed, found=found):
            if not found:
                found.update(_fit(fit_line, x, y, seed))
            return found

        probe(f"{key}: kind", lambda: [properties().get(k, True) for k in ("tuple", "floats")],
              "fit_line must return a tuple (w, b) of two Python floats")
        # not checked (counts as met) when the kind is wrong: that is reported once
        probe(f"{key}: fit", lambda: properties().get("good fit", True), message)


# -- Exercise 4: converging_lr_range -----------------------------------------------------------


def _lr_range(converging_lr_range, x, y):
    """The properties the tests ask of converging_lr_range(x) on data (x, y)."""
    result = converging_lr_range(x)
    if not (isinstance(result, tuple) and len(result) == 2):
        return {"tuple": False}
    low, high = (float(v) for v in result)
    if not (0 < low and 2 * low <= high):
        return {"tuple": True, "real range": False}
    xa, ya, A, best = _mse_floats(x, y)
    lr_max = 2 / np.linalg.eigvalsh(2 / len(xa) * A.T @ A).max()
    diverges = too_slow = False
    for lr in np.geomspace(low, high, 5):
        w = b = 0.0
        with np.errstate(all="ignore"):
            for _ in range(2000):
                r = w * xa + b - ya
                w, b = w - lr * 2 * np.mean(r * xa), b - lr * 2 * np.mean(r)
            loss = np.mean((w * xa + b - ya) ** 2)
        if not loss <= 1.01 * best + 1e-12:
            if not loss < 1e3 * (best + 1):
                diverges = True
            else:
                too_slow = True
    return {"tuple": True, "real range": True, "high enough": bool(high >= lr_max / 2),
            "no divergence": not diverges, "not too slow": not too_slow}


def l08_ex4_tests(answer, probe):
    converging_lr_range = answer.converging_lr_range

    torch.manual_seed(0)
    x0 = torch.rand(100) * 4
    y0 = 2 * x0 + 1 + 0.5 * torch.randn(100)
    torch.manual_seed(4)
    x5 = torch.rand(80) * 6 + 2
    y5 = -x5 + 3 + 0.3 * torch.randn(80)
    torch.manual_seed(21)
    x1 = torch.rand(50) * 10
    y1 = 1.5 * x1 - 3 + torch.randn(50)
    x2 = torch.rand(30) * 2 - 1
    y2 = -x2 + 0.5 + 0.1 * torch.randn(30)
    x3 = torch.randn(200) * 0.3 + 1
    y3 = 4 * x3 + 0.2 * torch.randn(200)
    cases = [("visible", x0, y0, N_("on the visible test's data (x in [0, 4])")),
             ("visible [2, 8]", x5, y5, N_("on the visible test's second data (x in [2, 8])")),
             ("wide x", x1, y1, N_("on other data, with larger x values")),
             ("x around 0", x2, y2, N_("on other data, with x values on both sides of 0")),
             ("x near 1", x3, y3, N_("on other data, with x values packed around 1"))]
    messages = {
        "tuple": N_("converging_lr_range must return a tuple (low, high)"),
        "real range": N_("need high >= 2 * low > 0"),
        "high enough": N_("high is below half of the largest learning rate that converges; "
                          "aim higher"),
        "no divergence": N_("some learning rates of your range diverge: the range goes too "
                            "high"),
        "not too slow": N_("some learning rates of your range do not reach the best loss "
                           "within 2000 epochs: too slow, or oscillating"),
    }
    for key, x, y, where in cases:
        found = {}

        def properties(x=x, y=y, found=found):
            if not found:
                found.update(_lr_range(converging_lr_range, x, y))
            return found

        for prop, message in messages.items():
            # a property not checked (an earlier one failed, reported once) counts as met
            probe(f"{key}: {prop}", lambda prop=prop: properties().get(prop, True),
                  message if prop == "tuple" else f"{where}: {message}")
