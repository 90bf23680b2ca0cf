"""Probes of lesson 02 (tensors): what the judge checks in each exercise (docs/authoring.md).

Each function is named after an exercise's test cell. It runs in the grading kernel after the
student's cells; every probe's value is compared, in the grader, with the value the same probe
returns on the solution. Messages are shown to the student; the inputs here are not.
"""

import numpy as np

import autograd_lib as torch


def ex2_model_input_tests(answer, probe):
    model_input = answer.model_input

    def describe(array):
        t = model_input(array)
        info = {"tensor": isinstance(t, torch.Tensor), "dtype": str(t.dtype),
                "shape": list(t.shape), "requires_grad": bool(t.requires_grad),
                "values": t.detach().tolist()}
        before = t.detach().tolist()
        array[...] = 7                       # a later change to the array
        info["own memory"] = t.detach().tolist() == before
        return info

    probe("float64 (visible)", lambda: describe(np.array([[0.5, 1.5, 2.5], [3.5, 4.5, 5.5]])),
          "model_input(a float64 array) must be a float32 tensor with the array's values and "
          "shape, on memory of its own")
    probe("float32 (visible)", lambda: describe(np.array([1.0, 2.0, 3.0], dtype=np.float32)),
          "model_input(a float32 array) must not share memory with the array: make a copy")
    probe("uint8 (visible)", lambda: describe(np.array([0, 128, 255], dtype=np.uint8)),
          "model_input(uint8 pixels) must be a float32 tensor with the same values")
    probe("float32 3-d", lambda: describe(
        np.random.default_rng(5).normal(size=(2, 3, 4)).astype(np.float32)),
        "model_input must copy float32 arrays of other shapes too, and keep their shape")
    probe("int64", lambda: describe(np.arange(-3, 3).reshape(3, 2)),
          "model_input must turn integer arrays of other shapes into float32 copies")
    probe("float64 0-d", lambda: describe(np.array(2.25)),
          "model_input must work for a 0-dimensional array too (shape ())")
    probe("float64 precision", lambda: describe(np.array([0.1, 1e-8, 16777217.0])),
          "model_input must give float32 values, as torch.tensor(..., dtype=torch.float32) "
          "rounds them")


def trainable_tests(answer, probe):
    trainable = answer.trainable

    def pick(make):
        tensors = make()
        chosen = trainable(list(tensors))
        return [isinstance(chosen, list)] + [
            next((k for k, t in enumerate(tensors) if t is c), -1) for c in chosen]

    def visible():
        w = torch.tensor([1.0, 2.0], requires_grad=True)
        return [w, w * 3, torch.tensor([5.0, 6.0]), w.detach()]

    def others():
        torch.manual_seed(2)
        a = torch.randn(3, requires_grad=True)
        b = (torch.randn(2) * 0.1).requires_grad_()
        c = torch.randn(2, requires_grad=True) * 0.01
        d = torch.zeros(2, dtype=torch.float64, requires_grad=True)
        return [c, a, torch.arange(3), a.sum(), b, a.detach().clone(), d, d[0]]

    probe("visible", lambda: pick(visible),
          "trainable([w, w * 3, data, w.detach()]) should be [w]")
    probe("others", lambda: pick(others),
          "trainable picks the wrong tensors from other lists (keep the order; only leaves "
          "that require grad)")
    probe("empty", lambda: pick(lambda: []), "trainable([]) should be []")
    probe("none", lambda: pick(lambda: [torch.ones(2), torch.ones(2, requires_grad=True) + 1]),
          "trainable picks the wrong tensors from other lists (keep the order; only leaves "
          "that require grad)")


def ex3_new_parameter_tests(answer, probe):
    new_parameter = answer.new_parameter

    def describe(shape, scale, **kw):
        torch.manual_seed(7)
        p = new_parameter(shape, scale, **kw)
        v = p.detach().numpy()
        p.sum().backward()
        return {
            "tensor": isinstance(p, torch.Tensor), "shape": list(p.shape),
            "dtype": str(p.dtype), "leaf": p.is_leaf, "requires_grad": p.requires_grad,
            "in range": bool(v.min() >= -scale and v.max() < scale),
            "spread": bool(v.size < 10 or (v.min() < -0.8 * scale and v.max() > 0.8 * scale
                                           and abs(v.mean()) < 0.1 * scale)),
            "grad filled": p.grad is not None and list(p.grad.shape) == list(p.shape),
        }

    probe("(3, 4), 0.1", lambda: describe((3, 4), 0.1)["tensor"], "return a tensor")
    probe("default", lambda: describe((3, 4), 0.1),
          "new_parameter((3, 4), 0.1) is not a float32 leaf of shape (3, 4) that requires grad, "
          "with values in [-0.1, 0.1)")
    probe("float64", lambda: describe((1000,), 3.0, dtype=torch.float64),
          "with a dtype and another scale, the parameter has the wrong dtype, or its values "
          "are not uniform on [-scale, scale)")
    probe("3-d", lambda: describe((2, 1, 5), 1.0),
          "new_parameter gives the wrong shape, or not a leaf, for other shapes")


def ex4_snapshot_tests(answer, probe):
    snapshot = answer.snapshot

    def frozen(t, change):
        s = snapshot(t)
        info = [str(s.dtype), list(s.shape), s.requires_grad, s.grad_fn is None]
        with torch.no_grad():
            change(t)
        return info + [s.tolist()]

    probe("leaf", lambda: frozen(torch.tensor([1.0, 2.0, 3.0], requires_grad=True),
                                 lambda t: t.mul_(10)),
          "a snapshot must not require grad nor have a grad_fn, and must keep its values when "
          "the original changes in place")
    probe("non-leaf", lambda: frozen(
        torch.tensor([[0.5, -0.5]], dtype=torch.float64, requires_grad=True) * 4,
        lambda t: t.add_(1)),
        "the snapshot of a tensor in a graph must keep its dtype and shape and be outside the "
        "graph")
    probe("int64", lambda: frozen(torch.arange(4), lambda t: t.add_(1)),
          "the snapshot of an integer tensor must not change when the tensor does")
