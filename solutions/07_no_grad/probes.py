"""Probes of lesson 07 (no_grad): what the judge checks in each exercise (docs/authoring.md).

Each function is named after an exercise's test cell. It runs in the grading kernel after the
student's cells; every probe's value is compared, in the grader, with the value the same probe
returns on the solution. Messages are shown to the student; the inputs here are not.

The probes run after ALL the student's cells (their experiments included), so each scenario
starts with the grad mode switched on, as the original test cells found it, and switches it
back on afterwards.
"""

import itertools

import autograd_lib as torch
from autograd_course.probing import numbers as _plain


class _Once:
    """Runs a scenario once, on first use; its later readers see its result or its error."""

    def __init__(self, scenario):
        self._scenario, self._done, self._value, self._error = scenario, False, None, None

    def __call__(self):
        if not self._done:
            self._done = True
            torch.set_grad_enabled(True)
            try:
                self._value = self._scenario()
            except Exception as e:  # noqa: BLE001  (re-raised to every probe that reads it)
                self._error = e
            finally:
                torch.set_grad_enabled(True)
        if self._error is not None:
            raise self._error
        return self._value


# -- Exercise 1 ---------------------------------------------------------------------------------


def l07_ex1_tests(answer, probe):
    evaluate = answer.evaluate

    def visible():
        w = torch.tensor([[2.0], [-1.0]], requires_grad=True)
        x = torch.tensor([[1.0, 1.0], [3.0, 0.5]])
        seen = []

        def model_fn(t):
            seen.append(torch.is_grad_enabled())
            return t @ w + 1

        out = evaluate(model_fn, x)
        return {"out": out, "mode after": torch.is_grad_enabled(), "seen": list(seen)}

    vis = _Once(visible)
    probe("visible: not None", lambda: vis()["out"] is not None, "return the model's output")
    probe("visible: value", lambda: _plain(vis()["out"]),
          "evaluate(model_fn, x) of the visible test does not return model_fn(x) = "
          "[[2.0], [6.5]]")
    probe("visible: grad_fn", lambda: vis()["out"].grad_fn is None,
          "the result still has a grad_fn: the computation was recorded")
    probe("visible: seen", lambda: [bool(s) for s in vis()["seen"]],
          "call model_fn exactly once, with the grad mode off (detaching the result afterwards "
          "is too late: the graph was already recorded)")
    probe("visible: requires_grad", lambda: bool(vis()["out"].requires_grad),
          "the result should not require grad")
    probe("visible: mode after", lambda: bool(vis()["mode after"]),
          "after evaluate() returns, the grad mode must be on again")

    def inside_no_grad():
        v = torch.tensor([0.5, 1.5, -2.0], requires_grad=True)
        with torch.no_grad():
            evaluate(lambda t: (t * v).sum(), torch.ones(3))
            return torch.is_grad_enabled()

    probe("inside no_grad: mode after", lambda: bool(_Once(inside_no_grad)()),
          "evaluate() called inside a `with torch.no_grad():` block must leave the grad mode "
          "off when it returns (restore the mode that was on before, do not switch it on)")

    def other():
        v = torch.tensor([0.5, 1.5, -2.0], requires_grad=True)
        out = evaluate(lambda t: torch.exp(t * v), torch.tensor([1.0, 0.0, 1.0]))
        return {"out": out, "mode after": torch.is_grad_enabled()}

    oth = _Once(other)
    probe("other: mode after", lambda: bool(oth()["mode after"]),
          "after evaluate() returns, the grad mode must be on again (also for other models)")
    probe("other: not recorded",
          lambda: oth()["out"].grad_fn is None and not oth()["out"].requires_grad,
          "for other models, the result still has a grad_fn or requires grad")
    probe("other: value", lambda: _plain(oth()["out"]),
          "evaluate(model_fn, x) does not return model_fn(x) for other models and inputs")


# -- Exercise 2 ---------------------------------------------------------------------------------


def l07_ex2_tests(answer, probe):
    sgd_step = answer.sgd_step

    def visible():
        w = torch.tensor([1.0, -2.0], requires_grad=True)
        b = torch.tensor(0.5, requires_grad=True)
        loss = ((w * torch.tensor([3.0, 1.0])).sum() + b) ** 2
        loss.backward()
        params = [w, b]
        try:
            result = sgd_step(params, 0.1)
        finally:
            mode_after = torch.is_grad_enabled()
        return {"w": w, "b": b, "params": params, "result": result, "mode after": mode_after}

    vis = _Once(visible)
    probe("visible: returns None", lambda: vis()["result"] is None,
          "sgd_step returns nothing (it changes the tensors in place)")
    probe("visible: same objects",
          lambda: len(vis()["params"]) == 2 and vis()["params"][0] is vis()["w"]
          and vis()["params"][1] is vis()["b"],
          "do not replace the tensors in the list")
    probe("visible: w", lambda: _plain(vis()["w"]),
          "w after the step of the visible test is not w - 0.1 * [9, 3] = [0.1, -2.3]: update "
          "the tensor itself, in place")
    probe("visible: b", lambda: _plain(vis()["b"]),
          "b after the step of the visible test is not b - 0.1 * 3 = 0.2: update the tensor "
          "itself, in place")
    probe("visible: leaf", lambda: vis()["w"].is_leaf and vis()["w"].grad_fn is None,
          "w must stay a leaf: do the update under no_grad")
    probe("visible: requires_grad", lambda: bool(vis()["w"].requires_grad),
          "w must still require grad")
    probe("visible: grads cleared", lambda: vis()["w"].grad is None and vis()["b"].grad is None,
          "set each updated parameter's .grad to None")
    probe("visible: mode after", lambda: bool(vis()["mode after"]),
          "the grad mode must be on again after sgd_step")

    def matrix():
        p = torch.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        q = torch.tensor([5.0, 6.0], requires_grad=True)
        (p.sum() * 2).backward()
        sgd_step([p, q], 0.25)
        return {"p": p, "q": q}

    mat = _Once(matrix)
    probe("matrix: p", lambda: _plain(mat()["p"]),
          "a parameter that is a matrix is not updated to p - lr * p.grad")
    probe("matrix: q", lambda: _plain(mat()["q"]),
          "a parameter whose .grad is None must not change")
    probe("matrix: leaf and grads",
          lambda: [mat()["p"].is_leaf, mat()["p"].grad is None, mat()["q"].grad is None],
          "after the step every parameter must be a leaf whose .grad is None")

    def train():
        a = torch.tensor(0.0, requires_grad=True)
        c = torch.tensor(0.0, requires_grad=True)
        for _ in range(100):
            ((a - 3) ** 2 + (c + 1) ** 2).backward()
            sgd_step([a, c], 0.1)
        return {"ac": [a.item(), c.item()], "mode after": torch.is_grad_enabled()}

    trained = _Once(train)
    probe("train: values", lambda: trained()["ac"],
          "repeated backward() and sgd_step calls do not minimise a simple loss: check the "
          "update and that .grad is reset each step", rtol=1e-4, atol=1e-4)
    probe("train: mode after", lambda: bool(trained()["mode after"]),
          "the grad mode must be on again after sgd_step")


# -- Exercise 3 ---------------------------------------------------------------------------------


def _as_bool(value):
    """What `got is expected or got == expected` accepts: True, False, or neither."""
    if value is True or value == True:  # noqa: E712  (a tensor or NumPy bool compares too)
        return True
    if value is False or value == False:  # noqa: E712
        return False
    return "not a boolean"


MODES = ["default", "no_grad", "enable_grad_in_no_grad", "set_grad_enabled_True",
         "set_grad_enabled_False", "inference_mode"]


def l07_ex3_tests(answer, probe):
    predict_requires_grad = answer.predict_requires_grad
    torch.set_grad_enabled(True)

    visible = [([True, False], "default"), ([False, False], "default"),
               ([True, True], "no_grad"), ([True], "enable_grad_in_no_grad")]
    for flags, mode in visible:
        probe(f"visible {flags} {mode}",
              lambda: _as_bool(predict_requires_grad(list(flags), mode)),
              "predict_requires_grad is wrong on one of the cases of the visible tests")

    for mode in MODES:
        for n in (1, 2, 3):
            for flags in itertools.product([False, True], repeat=n):
                probe(f"{list(flags)} {mode}",
                      lambda: bool(predict_requires_grad(list(flags), mode)),
                      f"predict_requires_grad is wrong for some lists of flags in mode {mode!r}")

    probe("mode after", lambda: torch.is_grad_enabled(),
          "after predict_requires_grad returns, the grad mode must be on (do not leave it off)")
    torch.set_grad_enabled(True)


# -- Exercise 4 ---------------------------------------------------------------------------------


def l07_ex4_tests(answer, probe):
    straight_through_clamp = answer.straight_through_clamp

    def visible():
        x = torch.tensor([-2.0, 0.5, 3.0], requires_grad=True)
        out = straight_through_clamp(x, 0.0, 1.0)
        return {"x": x, "out": out}

    vis = _Once(visible)
    probe("visible: value", lambda: _plain(vis()["out"]),
          "the forward value of the visible test should be clamp(x, 0, 1) = [0.0, 0.5, 1.0]")
    probe("visible: connected", lambda: vis()["out"].grad_fn is not None,
          "the result must be connected to x (don't detach everything)")

    def visible_grad():
        x, out = vis()["x"], vis()["out"]
        torch.set_grad_enabled(True)
        out.sum().backward()
        return _plain(x.grad)

    probe("visible: grad", visible_grad,
          "gradient of sum(ste(x)) in the visible test: 1 everywhere, also where x was clipped")

    def other():
        x = torch.tensor([[-5.0, -1.0], [0.0, 7.5]], requires_grad=True)
        out = straight_through_clamp(x, -2.0, 2.0)
        return {"x": x, "out": out}

    oth = _Once(other)
    probe("other: value", lambda: _plain(oth()["out"]),
          "the forward value is not clamp(x, lo, hi) for other inputs and bounds")

    def other_grad():
        x, out = oth()["x"], oth()["out"]
        torch.set_grad_enabled(True)
        weights = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
        (out * weights).sum().backward()
        return _plain(x.grad)

    probe("other: grad", other_grad,
          "the gradient does not pass straight through to x for other inputs and bounds")
