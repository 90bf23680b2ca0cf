"""Probes of lesson 02 (tensors): what the judge checks in each exercise (docs/authoring.md).

Each function is named after an exercise's test cell. It runs in the grading kernel after the
student's cells; every probe's value is compared, in the grader, with the value the same probe
returns on the solution. Messages are shown to the student; the inputs here are not.
"""

import numpy as np

import autograd_lib as torch


def ex1_predict_dtype_tests(answer, probe):
    predict_dtype = answer.predict_dtype
    visible = [
        (torch.ones(3), 2.0),
        (torch.ones(3), torch.tensor(1.0, dtype=torch.float64)),
        (torch.tensor([1, 2]), 2.5),
        (torch.tensor([1, 2], dtype=torch.int32), torch.tensor([1, 2])),
        (torch.tensor([True]), 1),
    ]
    for k, (a, b) in enumerate(visible):
        probe(f"visible {k}", lambda: str(predict_dtype(a, b)),
              "predict_dtype is wrong on one of the cases of the visible tests")

    def operand(kind):
        if kind in ("bool", "int", "float"):
            return {"bool": True, "int": 3, "float": 0.5}[kind]
        dtype, ndim = kind
        t = torch.tensor([1, 0] if dtype == torch.bool else [1, 2], dtype=dtype)
        return t if ndim else t[0]

    dtypes = [torch.bool, torch.int32, torch.int64, torch.float32, torch.float64]
    kinds = [(d, n) for d in dtypes for n in (0, 1)] + ["bool", "int", "float"]
    for ka in kinds:
        for kb in kinds:
            if isinstance(ka, str) and isinstance(kb, str):
                continue
            a, b = operand(ka), operand(kb)
            scalar = isinstance(ka, str) or isinstance(kb, str)
            both_0d = not scalar and ka[1] == 0 and kb[1] == 0
            mixed = not scalar and ka[1] != kb[1]
            what = ("a tensor and a Python number" if scalar else
                    "two tensors of different dimensions" if mixed else
                    "two 0-d tensors" if both_0d else "two tensors of the same dimension")
            probe(f"{ka} + {kb}", lambda: str(predict_dtype(a, b)),
                  f"predict_dtype is wrong for some pairs of {what}")


def ex2_numpy_bridge_tests(answer, probe):
    tensor_from_array, array_from_tensor = answer.tensor_from_array, answer.array_from_tensor

    def shares(array_dtype):
        arr = np.arange(6.0).reshape(2, 3).astype(array_dtype)
        t = tensor_from_array(arr)
        arr[1, 2] = -1
        return [isinstance(t, torch.Tensor), str(t.dtype), list(t.shape), t[1, 2].item()]

    probe("from float64", lambda: shares(np.float64),
          "tensor_from_array must return a tensor on the array's memory (a change to the array "
          "shows in the tensor), with the array's dtype and shape")
    probe("from int32", lambda: shares(np.int32),
          "tensor_from_array must keep the array's dtype and share its memory for integer "
          "arrays too")

    def back(t):
        a = array_from_tensor(t)
        kind = [isinstance(a, np.ndarray), str(a.dtype), list(a.shape)]
        a[-1] = 42
        return kind + [t.detach()[-1].item()]

    probe("leaf requiring grad", lambda: back(torch.tensor([1.0, 2.0], requires_grad=True)),
          "array_from_tensor must return a NumPy array on the tensor's memory, also when the "
          "tensor requires grad")
    probe("float64", lambda: back(torch.zeros(4, dtype=torch.float64)),
          "array_from_tensor must keep the tensor's dtype and shape and share its memory")
    probe("non-leaf", lambda: array_from_tensor(torch.ones(3, requires_grad=True) * 2).tolist(),
          "array_from_tensor must work on a tensor that is part of a graph")


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
