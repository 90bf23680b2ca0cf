"""Probes of lesson 06 (zero_grad): what the judge checks in each exercise (docs/authoring.md).

Each function is named after an exercise's test cell. It runs in the grading kernel after the
student's cells; every probe's value is compared, in the grader, with the value the same probe
returns on the solution. Messages are shown to the student; the inputs here are not.
"""


import autograd_lib as torch
from autograd_course import spies
from autograd_course.probing import numbers as _plain


def _after(out, fn, failed=None):
    """A thunk that reads the result of an earlier call, kept in the dict `out`. When that call
    failed, its own probe already reports the error: the thunk then returns `failed` (True for a
    requirement that a failed call cannot be said to break, so its message does not show)."""
    return lambda: fn() if out else failed


# -- Exercise 1 ---------------------------------------------------------------------------------


def l06_ex1_tests(answer, probe):
    clear_grads = answer.clear_grads

    def case(shapes, used, set_to_none):
        """Tensors of these shapes; those in `used` get a gradient from one backward(). Returns
        what clear_grads did to each: None, the same gradient object (and its values), or a new
        tensor."""
        torch.manual_seed(len(shapes))
        params = [torch.randn(*s).requires_grad_() for s in shapes]
        before = [p.detach().clone() for p in params]
        if used:
            sum((params[i] ** 2).sum() * (i + 1) for i in used).backward()
        grads = [p.grad for p in params]
        result = clear_grads(params, set_to_none=set_to_none)
        seen = []
        for p, g in zip(params, grads):
            if p.grad is None:
                seen.append("None")
            elif p.grad is g:
                seen.append(["same object", _plain(p.grad)])
            else:
                seen.append(["new tensor", _plain(p.grad)])
        unchanged = all(spies.same_values(b, p.detach()) for b, p in zip(before, params))
        return {"returns": result is None, "grads": seen, "values kept": unchanged}

    probe("visible: zeros", lambda: case([(), (2,), ()], [0, 1], False),
          "clear_grads(..., set_to_none=False) is wrong in the visible test: fill existing "
          "gradients with zeros in place, leave None as None, return nothing")
    probe("visible: none", lambda: case([(), (2,), ()], [0, 1], True),
          "clear_grads(...) with set_to_none=True (the default) must set every .grad to None")
    probe("hidden: zeros", lambda: case([(3, 2), (4,), (), (2, 2)], [0, 2, 3], False),
          "clear_grads(..., set_to_none=False) is wrong for other tensors: fill each existing "
          "gradient with zeros in place (the same tensor object), skip tensors whose .grad is "
          "None, do not change the values")
    probe("hidden: none", lambda: case([(3, 2), (4,), (), (2, 2)], [1, 3], True),
          "clear_grads with set_to_none=True is wrong for other tensors: every .grad must "
          "become None")
    probe("hidden: all none", lambda: case([(2,), (3,)], [], False),
          "clear_grads must work when no tensor has a gradient yet (all .grad are None)")


# -- Exercise 2 ---------------------------------------------------------------------------------


def _full_gradient(w, x, y):
    w2 = w.detach().clone().requires_grad_()
    ((x @ w2 - y) ** 2).mean().backward()
    return w2.grad


def l06_ex2_tests(answer, probe):
    accumulated_gradient = answer.accumulated_gradient

    def case(tag, w, x, y, m, hidden=False):
        old = None if w.grad is None else w.grad.detach().clone()
        result = {}

        def call():
            calls = []
            handle = w.register_hook(lambda g: calls.append(1))
            try:
                g = accumulated_gradient(w, x, y, m)
            finally:
                handle.remove()
            result["g"] = g
            result["is w.grad"] = g is w.grad
            result["kept old"] = bool(
                old is not None and g is not None and torch.allclose(
                    g, _full_gradient(w, x, y) + old))
            result["gradient"] = _plain(g)
            return len(calls)

        # whole sentences (not a suffix put in at run time): each has its translation
        if hidden:
            probe(f"{tag}: backward calls", call,
                  "backward() must run once per micro-batch of micro_batch_size rows (the last "
                  "one may be smaller), not more, not less, for other data and micro-batch sizes")
        else:
            probe(f"{tag}: backward calls", call,
                  "backward() must run once per micro-batch of micro_batch_size rows (the last "
                  "one may be smaller), not more, not less (in one of the visible test's cases)")
        probe(f"{tag}: kept old", lambda: result.get("kept old", False),
              "w.grad still contains the gradient w had before the call: clear it first")
        probe(f"{tag}: returns w.grad", lambda: result.get("is w.grad", True),
              "return w.grad")
        if hidden:
            probe(f"{tag}: gradient", lambda: result.get("gradient"),
                  "the accumulated gradient is not the full-batch gradient of the mean squared "
                  "error (weight each micro-batch's mean loss by its size / N), for other data "
                  "and micro-batch sizes", rtol=1e-5, atol=1e-6)
        else:
            probe(f"{tag}: gradient", lambda: result.get("gradient"),
                  "the accumulated gradient is not the full-batch gradient of the mean squared "
                  "error (weight each micro-batch's mean loss by its size / N), in one of the "
                  "visible test's cases", rtol=1e-5, atol=1e-6)

    torch.manual_seed(1)
    x = torch.randn(8, 3)
    y = torch.randn(8)
    w = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
    case("visible m=4", w, x, y, 4)  # 8 rows
    case("visible m=8", w, x, y, 8)  # called again on the same w
    w.grad = torch.full((3,), 100.0)
    case("visible m=2", w, x, y, 2)  # w.grad set before
    case("visible m=3", w, x, y, 3)  # 8 rows in micro-batches of 3: 3 + 3 + 2

    torch.manual_seed(7)
    x = torch.randn(11, 2)
    y = torch.randn(11)
    w = torch.tensor([1.5, 0.25], requires_grad=True)
    w.grad = torch.tensor([3.0, -3.0])
    for m in (1, 4, 5, 11, 20):
        case(f"hidden m={m}", w, x, y, m, hidden=True)


# -- Exercise 3 ---------------------------------------------------------------------------------


def l06_ex3_tests(answer, probe):
    train_fixed = answer.train_fixed

    x = torch.linspace(-1, 1, 20)
    y = 3 * x - 1 + 0.2 * torch.sin(5 * x)
    out = {}

    def run():
        with spies.calls(torch.optim.Optimizer, "step") as steps, spies.data_uses() as uses:
            out["w"], out["b"], out["losses"] = train_fixed(x, y, 0.1, 60)
        out["steps"], out["uses"] = steps.count, uses.count
        losses = out["losses"]
        return [isinstance(losses, list), len(losses)]

    probe("visible: losses list", run, "return one loss per epoch, in a list")
    probe("visible: no .data", _after(out, lambda: out["uses"] == 0, True),
          "do not use .data: let optimizer.step() update w and b")
    probe("visible: steps", _after(out, lambda: out["steps"], 60),
          "use torch.optim.SGD and call its step() once per epoch")
    probe("visible: float", _after(out, lambda: isinstance(out["losses"][0], float), True),
          "store each loss as a Python float (loss.item())")
    probe("visible: leaves",
          _after(out, lambda: [out["w"].is_leaf, out["b"].is_leaf], [True, True]),
          "w and b should be the leaf tensors that the optimizer updated")
    probe("visible: loss 0", _after(out, lambda: float(out["losses"][0])),
          "the loss of epoch 0 (at w = b = 0) is wrong (visible test)", rtol=1e-4)
    probe("visible: w, b", _after(out, lambda: [out["w"].item(), out["b"].item()]),
          "the final [w, b] of the visible test are wrong (is the gradient cleared before every "
          "backward()?)", rtol=1e-4, atol=1e-5)
    probe("visible: decreasing", _after(out, lambda: bool(
        out["losses"][-1] < out["losses"][-2] < out["losses"][-3]), True),
        "with cleared gradients the loss keeps decreasing: the last three losses of the visible "
        "test do not")

    cases = [
        (torch.linspace(0, 2, 15), -1.5 * torch.linspace(0, 2, 15) + 4, 0.05, 80),
        (torch.linspace(-3, 3, 31), 0.5 * torch.linspace(-3, 3, 31) ** 2, 0.02, 40),
        (torch.tensor([1.0, 2.0, 3.0]), torch.tensor([2.0, 3.0, 4.0]), 0.01, 100),
    ]
    for k, (x, y, lr, epochs) in enumerate(cases):
        res = {}

        def run_case(x=x, y=y, lr=lr, epochs=epochs, res=res):
            with spies.calls(torch.optim.Optimizer, "step") as steps, spies.data_uses() as uses:
                res["w"], res["b"], losses = train_fixed(x, y, lr, epochs)
            res["rule"] = [steps.count, uses.count]
            return len(losses)

        probe(f"hidden {k}: epochs", run_case,
              "return one loss per epoch, for any number of epochs")
        probe(f"hidden {k}: optimizer", _after(res, lambda res=res: res["rule"], [epochs, 0]),
              "for other data and numbers of epochs, optimizer.step() must run once per epoch "
              "and .data must not be used")
        probe(f"hidden {k}: w, b",
              _after(res, lambda res=res: [res["w"].item(), res["b"].item()]),
              "the final [w, b] differ from plain gradient descent for other data, learning "
              "rates or numbers of epochs (clear the gradient before every backward(), one "
              "step per epoch on the whole data)", rtol=1e-4, atol=1e-5)


# -- Exercise 4 ---------------------------------------------------------------------------------


def l06_ex4_tests(answer, probe):
    train_with_accumulation = answer.train_with_accumulation

    x = torch.linspace(0, 1, 12)
    y = 2 * x + 0.5 + 0.1 * torch.cos(7 * x)
    out = {}

    def run():
        out["result"] = result = train_with_accumulation(x, y, 0.5, 2, 3, 20)
        return isinstance(result, tuple) and len(result) == 2

    probe("visible: tuple", run, "return a tuple (w, b)")
    probe("visible: floats",
          _after(out, lambda: all(isinstance(v, float) for v in out["result"]), True),
          "return w and b as Python floats (.item())")
    probe("visible: w, b", _after(out, lambda: _plain(list(out["result"]))),
          "the final [w, b] of the visible test (micro-batches of 2, a step every 3) are wrong",
          rtol=1e-4, atol=1e-5)

    torch.manual_seed(3)
    x = torch.rand(24) * 2 - 1
    y = -1.0 * x + 0.3 + 0.05 * torch.randn(24)
    for lr, mbs, accum, epochs in [(0.3, 4, 2, 10), (0.1, 1, 6, 15), (0.2, 3, 1, 5),
                                   (0.4, 2, 12, 30)]:
        probe(f"hidden lr={lr} mbs={mbs} accum={accum} epochs={epochs}",
              lambda lr=lr, mbs=mbs, accum=accum, epochs=epochs: _plain(list(
                  train_with_accumulation(x, y, lr, mbs, accum, epochs))),
              "the final [w, b] are wrong for other data, learning rates, micro-batch sizes "
              "or accumulation steps (divide each micro-batch's loss by accum_steps, step and "
              "clear after every accum_steps micro-batches)", rtol=1e-4, atol=1e-5)
