"""Probes of lesson 06 (zero_grad): what the judge checks in each exercise (docs/authoring.md).

Each function is named after an exercise's test cell. It runs in the grading kernel after the
student's cells; every probe's value is compared, in the grader, with the value the same probe
returns on the solution. Messages are shown to the student; the inputs here are not.
"""


import autograd_lib as torch
from autograd_course.probing import numbers as _plain


def _after(out, fn, failed=None):
    """A thunk that reads the result of an earlier call, kept in the dict `out`. When that call
    failed, its own probe already reports the error: the thunk then returns `failed` (True for a
    requirement that a failed call cannot be said to break, so its message does not show)."""
    return lambda: fn() if out else failed


# -- Exercise 1 ---------------------------------------------------------------------------------


def l06_ex1_tests(answer, probe):
    grad_after_backwards = answer.grad_after_backwards

    def f(x):
        return x ** 2 + 3 * x + 1

    probe("k=1 not None", lambda: grad_after_backwards(f, 2.0, 1) is not None,
          "after one backward() call, x.grad should hold dy/dx, not None")
    probe("k=1", lambda: _plain(grad_after_backwards(f, 2.0, 1)),
          "x.grad after 1 call is not dy/dx = 2x + 3 at x = 2 (visible test)")
    probe("k=3", lambda: _plain(grad_after_backwards(f, 2.0, 3)),
          "x.grad after 3 calls is not 3 * 7 = 21: backward() adds 7 each time (visible test)")
    probe("k=0", lambda: grad_after_backwards(lambda x: x ** 3, 1.5, 0) is None,
          "with k = 0 there is no backward() call: x.grad stays None, return it as it is")
    probe("sin", lambda: _plain(grad_after_backwards(lambda x: torch.sin(x) * x, 0.5, 4)),
          "x.grad is wrong for other functions, starting points and numbers of calls k")
    probe("vector",
          lambda: _plain(grad_after_backwards(lambda x: (x * x).sum(), [1.0, -2.0], 2)),
          "x.grad is wrong (or has the wrong shape) when x0 is a list, i.e. x is a vector")


# -- Exercise 2 ---------------------------------------------------------------------------------


def _full_gradient(w, x, y):
    w2 = w.detach().clone().requires_grad_()
    ((x @ w2 - y) ** 2).mean().backward()
    return w2.grad


def l06_ex2_tests(answer, probe):
    accumulated_gradient = answer.accumulated_gradient

    def case(tag, w, x, y, m, where):
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

        probe(f"{tag}: backward calls", call,
              f"backward() must run once per micro-batch of micro_batch_size rows (the last one "
              f"may be smaller), not more, not less{where}")
        probe(f"{tag}: kept old", lambda: result.get("kept old", False),
              "w.grad still contains the gradient w had before the call: clear it first")
        probe(f"{tag}: returns w.grad", lambda: result.get("is w.grad", True),
              "return w.grad")
        probe(f"{tag}: gradient", lambda: result.get("gradient"),
              f"the accumulated gradient is not the full-batch gradient of the mean squared "
              f"error (weight each micro-batch's mean loss by its size / N){where}",
              rtol=1e-5, atol=1e-6)

    torch.manual_seed(1)
    x = torch.randn(8, 3)
    y = torch.randn(8)
    w = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
    case("visible m=4", w, x, y, 4, " (visible test: 8 rows, micro_batch_size=4)")
    case("visible m=8", w, x, y, 8, " (visible test: 8 rows, micro_batch_size=8, called again "
         "on the same w)")
    w.grad = torch.full((3,), 100.0)
    case("visible m=2", w, x, y, 2, " (visible test: micro_batch_size=2, w.grad set before)")
    case("visible m=3", w, x, y, 3, " (visible test: 8 rows in micro-batches of 3: 3 + 3 + 2)")

    torch.manual_seed(7)
    x = torch.randn(11, 2)
    y = torch.randn(11)
    w = torch.tensor([1.5, 0.25], requires_grad=True)
    w.grad = torch.tensor([3.0, -3.0])
    for m in (1, 4, 5, 11, 20):
        case(f"hidden m={m}", w, x, y, m, ", for other data and micro-batch sizes")


# -- Exercise 3 ---------------------------------------------------------------------------------


def l06_ex3_tests(answer, probe):
    train_fixed = answer.train_fixed

    x = torch.linspace(-1, 1, 20)
    y = 3 * x - 1 + 0.2 * torch.sin(5 * x)
    out = {}

    def run():
        out["w"], out["b"], out["losses"] = train_fixed(x, y, 0.1, 60)
        losses = out["losses"]
        return [isinstance(losses, list), len(losses)]

    probe("visible: losses list", run, "return one loss per epoch, in a list")
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
            res["w"], res["b"], losses = train_fixed(x, y, lr, epochs)
            return len(losses)

        probe(f"hidden {k}: epochs", run_case,
              "return one loss per epoch, for any number of epochs")
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
