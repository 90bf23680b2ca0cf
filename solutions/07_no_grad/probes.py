"""Probes of lesson 07 (no_grad): what the judge checks in each exercise (docs/authoring.md).

Each function is named after an exercise's test cell. It runs in the grading kernel after the
student's cells; every probe's value is compared, in the grader, with the value the same probe
returns on the solution. Messages are shown to the student; the inputs here are not.

The probes run after ALL the student's cells (their experiments included), so each scenario
starts with the grad mode switched on, as the original test cells found it, and switches it
back on afterwards.
"""

import functools

import autograd_lib as torch
from autograd_course import spies
from autograd_course.probing import N_
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

_INPLACE = ["__iadd__", "__isub__", "__imul__", "__itruediv__", "__setitem__", "add_", "sub_",
            "mul_", "div_", "copy_", "fill_", "zero_"]


def _inplace_grad_modes(tensors, run):
    """A spy (the one of the visible test): run(), and return the grad mode at each in-place
    change of the numbers of one of ``tensors`` (through the tensor, its .data, a detach())."""
    ptrs = {t.data_ptr() for t in tensors}
    modes = []
    originals = {name: getattr(torch.Tensor, name) for name in _INPLACE}

    def spy(method):
        @functools.wraps(method)
        def spied(self, *args, **kwargs):
            if self.data_ptr() in ptrs:
                modes.append(torch.is_grad_enabled())
            return method(self, *args, **kwargs)
        return spied

    for name, method in originals.items():
        setattr(torch.Tensor, name, spy(method))
    try:
        run()
    finally:
        for name, method in originals.items():
            setattr(torch.Tensor, name, method)
    return modes


def l07_ex2_tests(answer, probe):
    sgd_step = answer.sgd_step

    def visible():
        w = torch.tensor([1.0, -2.0], requires_grad=True)
        b = torch.tensor(0.5, requires_grad=True)
        loss = ((w * torch.tensor([3.0, 1.0])).sum() + b) ** 2
        loss.backward()
        params = [w, b]
        results = []
        try:
            with spies.data_uses() as data:
                modes = _inplace_grad_modes(params, lambda: results.append(sgd_step(params, 0.1)))
        finally:
            mode_after = torch.is_grad_enabled()
        return {"w": w, "b": b, "params": params, "result": results[0], "mode after": mode_after,
                "data": data.count, "modes": [bool(m) for m in modes]}

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
    probe("visible: no .data", lambda: vis()["data"] == 0,
          "sgd_step used .data: update the parameters under torch.no_grad() instead")
    probe("visible: under no_grad", lambda: bool(vis()["modes"]) and not any(vis()["modes"]),
          "change the parameters in place while the grad mode is off, under torch.no_grad()")
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
        with spies.data_uses() as data:
            modes = _inplace_grad_modes([p, q], lambda: sgd_step([p, q], 0.25))
        return {"p": p, "q": q, "data": data.count, "modes": [bool(m) for m in modes]}

    mat = _Once(matrix)
    probe("matrix: p", lambda: _plain(mat()["p"]),
          "a parameter that is a matrix is not updated to p - lr * p.grad")
    probe("matrix: q", lambda: _plain(mat()["q"]),
          "a parameter whose .grad is None must not change")
    probe("matrix: rules", lambda: [mat()["data"] == 0, bool(mat()["modes"]),
                                    not any(mat()["modes"])],
          "for other parameters, sgd_step must change them in place under torch.no_grad(), "
          "without .data")
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


def l07_ex3_tests(answer, probe):
    fixed = answer.fixed

    def run(values):
        a = torch.tensor(values, requires_grad=True)
        value = fixed(a)
        out = {"value": _plain(value), "connected": value.grad_fn is not None}
        torch.set_grad_enabled(True)
        value.backward()
        out["grad"] = _plain(a.grad)
        out["a"] = a.tolist()
        return out

    cases = [("visible", [0.0, 1.0, -2.0], N_("of the visible test")),
             ("other", [[0.5, -0.25], [3.0, -1.5]], N_("for other inputs")),
             ("one", [0.75], N_("for other inputs"))]
    for key, values, where in cases:
        got = _Once(lambda values=values: run(values))
        probe(f"{key}: value", lambda got=got: got()["value"],
              f"the value of fixed(a) {where} is wrong", atol=1e-6)
        probe(f"{key}: connected", lambda got=got: got()["connected"],
              f"the result {where} must be part of the graph (do not detach it)")
        probe(f"{key}: grad", lambda got=got: got()["grad"],
              f"backward() fails or gives a wrong gradient {where}: a tensor saved for the "
              "backward pass must not be changed in place", atol=1e-6)
        probe(f"{key}: a unchanged", lambda got=got: got()["a"],
              f"fixed(a) changed a {where}")


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


# -- Exercise 5 ---------------------------------------------------------------------------------


def l07_ex5_tests(answer, probe):
    train_last_layer = answer.train_last_layer

    def run(seed, n_in, hidden, n, lr, steps):
        torch.manual_seed(seed)
        params = [torch.randn(n_in, hidden, requires_grad=True),
                  (torch.randn(hidden) * 0.1).requires_grad_(),
                  torch.randn(hidden, 1, requires_grad=True),
                  torch.zeros(1, requires_grad=True)]
        W1, b1, W2, b2 = params
        before = [p.detach().clone() for p in params]
        x = torch.randn(n, n_in)
        y = torch.randn(n, 1)
        with spies.calls(torch.optim.SGD, "__init__") as made, \
                spies.calls(torch.optim.Optimizer, "step") as stepped:
            losses = train_last_layer(params, x, y, lr, steps)
        given = ([p for group in made.args[0][0].param_groups for p in group["params"]]
                 if made.count else [])
        return {
            "losses": _plain(losses) if isinstance(losses, list) else "not a list",
            "floats": isinstance(losses, list) and all(isinstance(v, float) for v in losses),
            "frozen grads": [W1.grad is None, b1.grad is None],
            "frozen flags": [bool(W1.requires_grad), bool(b1.requires_grad)],
            "frozen values": [spies.same_values(W1, before[0]), spies.same_values(b1, before[1])],
            "optimizers": made.count,
            "given": [len(given)] + [any(p is q for p in given) for q in params],
            "steps": stepped.count,
            "trained": W2.reshape(-1).tolist() + b2.tolist(),
        }

    cases = [("visible", (0, 2, 3, 6, 0.1, 5), N_("in the visible test")),
             ("other", (7, 3, 4, 10, 0.05, 8), N_("for another model and data")),
             ("bigger", (3, 1, 6, 5, 0.2, 3), N_("for another model and data"))]
    for key, args, where in cases:
        got = _Once(lambda args=args: run(*args))
        probe(f"{key}: frozen grads", lambda got=got: got()["frozen grads"],
              f"{where}, W1.grad and b1.grad must stay None: freeze them with "
              "requires_grad_(False) (do not set their .grad to zeros)")
        probe(f"{key}: frozen flags", lambda got=got: got()["frozen flags"],
              f"{where}, freeze W1 and b1 with requires_grad_(False)")
        probe(f"{key}: frozen values", lambda got=got: got()["frozen values"],
              f"{where}, the frozen parameters W1 and b1 changed")
        probe(f"{key}: one optimizer", lambda got=got: got()["optimizers"],
              f"{where}, create one torch.optim.SGD")
        probe(f"{key}: optimizer params", lambda got=got: got()["given"],
              f"{where}, give the optimizer only the trainable parameters W2 and b2")
        probe(f"{key}: steps", lambda got=got: got()["steps"],
              f"{where}, call optimizer.step() once per training step")
        probe(f"{key}: floats", lambda got=got: got()["floats"],
              "return a list of Python floats (loss.item())")
        probe(f"{key}: losses", lambda got=got: got()["losses"],
              f"{where}, the losses are wrong", rtol=1e-4, atol=1e-6)
        probe(f"{key}: trained", lambda got=got: got()["trained"],
              f"{where}, W2 and b2 after training are wrong", rtol=1e-4, atol=1e-6)
