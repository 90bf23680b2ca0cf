"""autograd semantics, compared with PyTorch 2.13: accumulation, retain_grad, errors and their
messages, grad modes, hooks, version counters, devices and dtypes, deep graphs."""

import re
import threading
import warnings

import numpy as np
import pytest
import torch

import autograd_lib as ag

LIBS = pytest.mark.parametrize("m", [ag, torch], ids=["autograd_lib", "torch"])


def error_of(fn):
    """The (type, message) an action raises, with the module name made neutral."""
    try:
        fn()
    except Exception as exc:  # noqa: BLE001
        text = str(exc).replace("autograd_lib.", "torch.")
        return type(exc).__name__, text
    return None


def same_error(make_action, prefix_only=False):
    ours, theirs = error_of(lambda: make_action(ag)), error_of(lambda: make_action(torch))
    assert theirs is not None and ours is not None, (ours, theirs)
    assert ours[0] == theirs[0]
    if prefix_only:  # the part before PyTorch's hint, which names its own debugging tools
        cut = theirs[1].index("Hint:")
        assert ours[1][:cut] == theirs[1][:cut]
    else:
        assert ours[1] == theirs[1]


# -- accumulation, leaves and non-leaves -------------------------------------------------------


@LIBS
def test_gradients_accumulate_in_leaves(m):
    x = m.tensor(2.0, requires_grad=True)
    for _ in range(3):
        (x * x).backward()
    assert x.grad.item() == 12.0
    x.grad.zero_()
    (3 * x).backward()
    assert x.grad.item() == 3.0


@LIBS
def test_leaf_used_twice_gets_the_sum(m):
    x = m.tensor([1.0, 2.0], requires_grad=True)
    (x * x + x).sum().backward()
    assert x.grad.tolist() == [3.0, 5.0]


def test_add_hands_separate_gradients_to_each_leaf():
    a = ag.ones(3, requires_grad=True)
    b = ag.ones(3, requires_grad=True)
    (a + b).sum().backward()
    a.grad.zero_()
    assert b.grad.tolist() == [1.0, 1.0, 1.0]  # a.grad and b.grad are not the same array


@LIBS
def test_non_leaf_grad_is_none_with_the_pytorch_warning(m):
    x = m.tensor(1.0, requires_grad=True)
    y = x * 2
    y.backward()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert y.grad is None
    assert "is not a leaf Tensor is being accessed" in str(caught[0].message)
    assert "retain_grad()" in str(caught[0].message)


@LIBS
def test_retain_grad(m):
    x = m.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y.retain_grad()
    (y * y).sum().backward()
    assert y.grad.tolist() == [6.0, 12.0]
    assert x.grad.tolist() == [18.0, 36.0]
    assert y.retains_grad and not y.is_leaf and x.is_leaf


@LIBS
@pytest.mark.parametrize("retain_first", [True, False])
def test_retain_grad_sees_the_gradient_after_every_hook(m, retain_first):
    # PyTorch 2: .grad of a tensor that retains grad is the gradient after all of its hooks,
    # whether retain_grad() came before or after register_hook
    x = m.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    if retain_first:
        h.retain_grad()
    h.register_hook(lambda g: g * 10)
    h.register_hook(lambda g: g + 1)
    if not retain_first:
        h.retain_grad()
    (h * h).sum().backward()
    assert h.grad.tolist() == [41.0, 81.0]
    assert x.grad.tolist() == [82.0, 162.0]


@LIBS
def test_is_leaf_and_requires_grad_flags(m):
    a = m.tensor([1.0])
    b = m.tensor([1.0], requires_grad=True)
    c = a * b
    d = a * 2
    assert a.is_leaf and b.is_leaf and not c.is_leaf and d.is_leaf
    assert not d.requires_grad and c.requires_grad
    with m.no_grad():
        e = b * 2
    assert e.is_leaf and not e.requires_grad and e.grad_fn is None


# -- errors, in PyTorch's words ----------------------------------------------------------------


def test_backward_of_non_scalar_needs_a_gradient():
    same_error(lambda m: (m.ones(3, requires_grad=True) * 2).backward())


def test_backward_twice_through_a_freed_graph():
    def action(m):
        x = m.tensor(2.0, requires_grad=True)
        y = x**2
        y.backward()
        y.backward()

    same_error(action)


@LIBS
def test_retain_graph_allows_a_second_backward(m):
    x = m.tensor(2.0, requires_grad=True)
    y = x**2
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.item() == 8.0


@LIBS
def test_graph_without_saved_tensors_can_run_twice(m):
    x = m.tensor([1.0, 2.0], requires_grad=True)
    y = (x + 1).sum()
    y.backward()
    y.backward()
    assert x.grad.tolist() == [2.0, 2.0]


def test_backward_on_tensor_without_grad():
    same_error(lambda m: m.tensor(1.0).backward())


def test_gradient_of_wrong_shape():
    same_error(lambda m: (m.ones(3, requires_grad=True) * 2).backward(m.ones(2)))


def test_inplace_on_leaf_requiring_grad():
    same_error(lambda m: m.ones(3, requires_grad=True).add_(1))
    same_error(lambda m: m.ones(3, requires_grad=True).__isub__(1))


@LIBS
def test_inplace_on_leaf_is_fine_under_no_grad(m):
    w = m.ones(2, requires_grad=True)
    with m.no_grad():
        w -= 0.5 * m.ones(2)
        w.mul_(2)
    assert w.tolist() == [1.0, 1.0] and w.requires_grad and w.is_leaf


def test_version_counter_catches_a_modified_saved_input():
    def action(m):
        a = m.ones(3, requires_grad=True)
        b = a * 2
        c = b * b
        b.add_(1)
        c.sum().backward()

    same_error(action, prefix_only=True)


def test_version_counter_catches_a_modified_saved_output():
    def action(m):
        a = m.ones(3, requires_grad=True)
        c = a.exp()
        c.add_(1)
        c.sum().backward()

    same_error(action, prefix_only=True)


def test_version_counter_catches_a_modified_leaf_under_no_grad():
    def action(m):
        a = m.ones(3, requires_grad=True)
        w = m.ones(3)
        c = a * w
        with m.no_grad():
            w.add_(1)
        c.sum().backward()

    same_error(action, prefix_only=True)


@LIBS
def test_inplace_on_non_leaf_is_recorded(m):
    a = m.tensor([1.0, 2.0], requires_grad=True)
    b = a * 2
    b.add_(1)
    b.mul_(3)
    assert b.grad_fn.name() == "MulBackward0"
    b.sum().backward()
    assert a.grad.tolist() == [6.0, 6.0]


def test_requires_grad_only_for_floats():
    same_error(lambda m: m.tensor([1, 2], requires_grad=True))
    same_error(lambda m: m.tensor([1, 2]).requires_grad_())


def test_changing_requires_grad_of_non_leaf():
    same_error(lambda m: setattr(m.ones(1, requires_grad=True) * 2, "requires_grad", False))


def test_numpy_of_tensor_requiring_grad():
    same_error(lambda m: m.ones(1, requires_grad=True).numpy())


def test_item_of_many_elements():
    same_error(lambda m: m.ones(2).item())


def test_bool_of_many_elements():
    same_error(lambda m: bool(m.ones(2)))


def test_mm_shape_and_dtype_errors():
    same_error(lambda m: m.ones(2, 3).mm(m.ones(2, 3)))
    same_error(lambda m: m.ones(2, 2).mm(m.ones(2, 2, dtype=m.float64)))
    same_error(lambda m: m.ones(2, 2) @ m.ones(2, 2, dtype=m.float64))
    same_error(lambda m: m.ones(2).dot(m.ones(2, dtype=m.float64)))


def test_reshape_error():
    same_error(lambda m: m.ones(6).reshape(4, 2))


def test_dimension_out_of_range():
    same_error(lambda m: m.ones(2, 3).sum(dim=2))


def test_autograd_grad_errors():
    same_error(lambda m: m.autograd.grad(m.ones(1, requires_grad=True).sum(), m.ones(1)))

    def unused(m):
        x, y = m.ones(1, requires_grad=True), m.ones(1, requires_grad=True)
        m.autograd.grad((x * 2).sum(), [x, y])

    same_error(unused)


def test_cuda_without_a_gpu_says_what_to_do():
    if ag.cuda.is_available():
        pytest.skip("a GPU is present")
    with pytest.raises(RuntimeError, match="CUDA is not available"):
        ag.ones(2, device="cuda")
    with pytest.raises(RuntimeError, match="CUDA is not available"):
        ag.ones(2).cuda()
    assert ag.cuda.device_count() == 0


def test_mixing_devices_is_refused_with_a_clear_message():
    from autograd_lib.ops._common import _common_device

    cpu = ag.ones(2)
    fake = ag.ones(2)
    fake._dev = ag.device("cuda", 0)  # no GPU needed: the check runs before any computation
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device"):
        _common_device(cpu, fake)


# -- autograd.grad, hooks, higher order ---------------------------------------------------------


@LIBS
def test_autograd_grad_leaves_dot_grad_alone(m):
    x = m.tensor([1.0, 2.0], requires_grad=True)
    y = (x**3).sum()
    (g,) = m.autograd.grad(y, x, create_graph=True)
    assert g.tolist() == [3.0, 12.0] and x.grad is None
    (g2,) = m.autograd.grad(g.sum(), x)
    assert g2.tolist() == [6.0, 12.0]


@LIBS
def test_autograd_grad_of_intermediate(m):
    x = m.tensor([1.0, 2.0], requires_grad=True)
    h = x * 2
    y = (h * h).sum()
    gh, gx = m.autograd.grad(y, [h, x])
    assert gh.tolist() == [4.0, 8.0] and gx.tolist() == [8.0, 16.0]


@LIBS
def test_backward_create_graph_gives_second_derivative(m):
    x = m.tensor(3.0, requires_grad=True)
    y = x**3
    y.backward(create_graph=True)
    g = x.grad
    assert g.item() == 27.0 and g.requires_grad
    x.grad = None
    g.backward()
    assert x.grad.item() == 18.0


@LIBS
def test_hooks_see_and_replace_gradients(m):
    x = m.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    x.register_hook(lambda g: seen.append(g.tolist()))
    y = x * 2
    handle = y.register_hook(lambda g: g * 10)
    y.sum().backward()
    assert seen == [[20.0, 20.0]] and x.grad.tolist() == [20.0, 20.0]
    handle.remove()
    x.grad = None
    (x * 2).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]


@LIBS
def test_next_functions_and_names(m):
    x = m.tensor(2.0, requires_grad=True)
    y = x**2 + 3 * x + 1
    assert type(y.grad_fn).__name__ == "AddBackward0"
    add, none = y.grad_fn.next_functions
    assert none == (None, 0) and add[0].name() == "AddBackward0"
    pow_, mul = (f for f, _ in add[0].next_functions)
    assert pow_.name() == "PowBackward0" and mul.name() == "MulBackward0"
    acc = pow_.next_functions[0][0]
    assert type(acc).__name__ == "AccumulateGrad" and acc.variable is x
    assert re.fullmatch(r"<PowBackward0 object at 0x[0-9a-f]+>", repr(pow_))
    assert repr(y) == "tensor(11., grad_fn=<AddBackward0>)"


def test_grad_fn_names_match_pytorch():
    def names(m):
        x = m.ones(2, 2, requires_grad=True)
        v = m.ones(2, requires_grad=True)
        outs = [
            x + 1, 1 + x, x - 1, 1 - x, x * 2, x / 2, 2 / x, x**2, 2**x, x**x, -x, x.mm(x), x @ v,
            v.dot(v), x.sum(), x.sum(0), x.mean(), x.mean(1), x.max(), x.max(0).values, x.min(),
            x.prod(), x.prod(0), v.norm(), x.exp(), x.log(), x.sqrt(), x.abs(), x.sin(), x.cos(),
            x.tanh(), x.sigmoid(), x.relu(), x.clamp(0, 1), m.where(x > 0, x, 0 * x), x.view(4),
            x.reshape(4), x.flatten(), x.transpose(0, 1), x.t(), x.permute(1, 0), x.T,
            x.unsqueeze(0), x[None], x.unsqueeze(0).squeeze(0), x.unsqueeze(0).squeeze(),
            v.expand(3, 2), x[0], x[:, 1:], x[[0, 1]], x[x > 0], m.cat([x, x]), m.stack([x, x]),
            x.softmax(1), x.log_softmax(1), x.to(m.float64), x.clone(),
        ]
        return [o.grad_fn.name() for o in outs]

    assert names(ag) == names(torch)


# -- grad modes ---------------------------------------------------------------------------------


@LIBS
def test_grad_modes_as_context_managers_and_decorators(m):
    x = m.ones(1, requires_grad=True)
    with m.no_grad():
        assert not m.is_grad_enabled() and not (x * 2).requires_grad
        with m.enable_grad():
            assert (x * 2).requires_grad
    with m.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert m.is_grad_enabled()

    @m.no_grad()
    def f():
        return x * 2

    @m.no_grad
    def g():
        return x * 2

    @m.inference_mode()
    def h():
        return x * 2

    assert not f().requires_grad and not g().requires_grad and not h().requires_grad
    assert m.is_grad_enabled()
    m.set_grad_enabled(False)
    assert not m.is_grad_enabled()
    m.set_grad_enabled(True)
    assert (x * 2).requires_grad


@LIBS
def test_grad_mode_is_thread_local(m):
    seen = {}

    def other():
        seen["other"] = m.is_grad_enabled()

    with m.no_grad():
        t = threading.Thread(target=other)
        t.start()
        t.join()
        assert not m.is_grad_enabled()
    assert seen["other"] is True


@LIBS
def test_detach_shares_data(m):
    x = m.tensor([1.0, 2.0], requires_grad=True)
    d = x.detach()
    assert not d.requires_grad and d.grad_fn is None
    d[0] = 5.0
    assert x.tolist() == [5.0, 2.0]


@LIBS
def test_from_numpy_shares_memory(m):
    a = np.zeros(3, dtype=np.float32)
    t = m.from_numpy(a)
    a[0] = 1
    assert t.tolist() == [1.0, 0.0, 0.0]
    t.add_(1)
    assert a.tolist() == [2.0, 1.0, 1.0]


# -- dtypes, sizes, conversion ------------------------------------------------------------------


def test_default_dtypes_and_promotion_match_pytorch():
    def dtypes(m):
        f, d, i, b = m.ones(2), m.ones(2, dtype=m.float64), m.ones(2, dtype=m.int64), m.ones(
            2, dtype=m.bool)
        zd = m.tensor(1.0, dtype=m.float64)
        cases = [m.tensor(1.0), m.tensor(1), m.tensor(True), m.tensor([1, 2.5]), f + d, f + zd,
                 i + 2.5, i / 2, i * 2, b + 1, b + b, i + f, zd + 1, m.tensor(np.ones(2)),
                 m.arange(3), m.arange(3.0), m.zeros(2, dtype=m.int32) + i, f.sum(), i.sum()]
        return [str(c.dtype).split(".")[1] for c in cases]

    assert dtypes(ag) == dtypes(torch)


@LIBS
def test_size_and_shape(m):
    x = m.zeros(2, 3)
    assert x.shape == (2, 3) and x.size() == (2, 3) and x.size(1) == 3 and x.size(-1) == 3
    assert x.ndim == 2 and x.dim() == 2 and x.numel() == 6 and len(x) == 2
    assert repr(x.shape).endswith("Size([2, 3])")
    assert [t.tolist() for t in x] == [[0.0] * 3] * 2


@LIBS
def test_conversions(m):
    x = m.tensor([1.5, 2.5], requires_grad=True)
    y = x.double()
    assert y.dtype == m.float64 and y.grad_fn.name() == "ToCopyBackward0"
    y.sum().backward()
    assert x.grad.dtype == m.float32
    assert x.float() is x and x.to(m.float32) is x and x.cpu() is x
    assert x.detach().long().tolist() == [1, 2]
    assert x.clone().tolist() == [1.5, 2.5]
    assert float(m.tensor(2.5)) == 2.5 and int(m.tensor(3)) == 3 and bool(m.tensor([1.0]))
    assert str(x.device) == "cpu" and not x.is_cuda


def test_deep_graph_runs_without_recursion_error():
    x = ag.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y * 1.0
    y.backward()
    assert x.grad.item() == 1.0
    del y  # freeing a 100,000-node chain must not overflow the C stack either


@LIBS
def test_backward_with_inputs_only_fills_those(m):
    a = m.tensor(1.0, requires_grad=True)
    b = m.tensor(2.0, requires_grad=True)
    (a * b).backward(inputs=[a])
    assert a.grad.item() == 2.0 and b.grad is None


@LIBS
def test_setitem_records_copy_slices(m):
    x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
    v = m.tensor(10.0, requires_grad=True)
    y = x * 1
    y[1] = v * 2
    y.sum().backward()
    assert x.grad.tolist() == [1.0, 0.0, 1.0] and v.grad.item() == 2.0


@LIBS
def test_integer_and_boolean_indexing_gradients(m):
    x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
    idx = m.tensor([0, 0, 2])
    (x[idx].sum() + x[x > 1.5].sum()).backward()
    assert x.grad.tolist() == [2.0, 1.0, 2.0]


def test_leaf_gradients_never_alias_each_other_or_the_graph():
    """.grad arrays are the leaves' own, however the gradient got there (pass-through of +,
    reshape views, clone, the gradient given to backward)."""
    a = ag.ones(2, 3, requires_grad=True)
    b = ag.ones(2, 3, requires_grad=True)
    c = ag.ones(6, requires_grad=True)
    d = ag.ones(2, 3, requires_grad=True)
    g = ag.full((2, 3), 2.0)
    out = a + b + c.reshape(2, 3) + d.clone()
    out.backward(g)
    grads = [a.grad, b.grad, c.grad, d.grad]
    for i, t in enumerate(grads):
        t.zero_()
        others = [u for j, u in enumerate(grads) if j != i]
        assert all(u.sum().item() == 12.0 for u in others), i
        t.fill_(2.0)
    assert g.sum().item() == 12.0  # the gradient passed in is untouched

    x = ag.ones(3, requires_grad=True)
    y = ag.ones(3, requires_grad=True)
    (x * y).sum().backward()  # fresh arrays: kept as they are, still separate
    x.grad.zero_()
    assert y.grad.tolist() == [1.0, 1.0, 1.0]


def test_assigning_a_number_to_grad_says_what_it_got():
    def assign(m):
        x = m.ones(2, requires_grad=True)
        x.grad = 1.0

    same_error(assign)
