"""The nn layers, functionals and utilities of issue 12 against PyTorch 2.13: values, dtypes,
gradients (and gradcheck, gradgradcheck), printed text and error messages."""

import math
import warnings

import numpy as np
import pytest
import torch
from _oracle import (
    ANY,
    DISTINCT,
    FLOAT_DTYPES,
    NO_KINK,
    SETTINGS,
    Const,
    Floats,
    ag,
    any_shape,
    case,
    cases,
    check_against_torch,
    fixed,
    make_inputs,
    same_shape,
)
from hypothesis import given, settings
from hypothesis import strategies as st


class Weights(Floats):
    """Positive floats that do not require grad (torch's BCE weights cannot)."""

    grad = False


PROBS = Floats(0.05, 0.95)
TARGETS = Floats(0.0, 1.0)
F = "m.nn.functional."

# fmt: off
FUNCTIONAL = [
    *cases(F + "gelu(x)", F + "gelu(x, approximate='tanh')", F + "silu(x)",
           F + "softplus(x)", F + "softplus(x, beta=2.0, threshold=1.0)",
           F + "leaky_relu(x)", F + "leaky_relu(x, 0.2)", x=NO_KINK),
    case(F + "softplus(x)", x=Const([-30.0, -5.0, 0.0, 19.0, 21.0, 100.0]), label="tails"),
    case(F + "gelu(x)", x=Const([-8.0, -3.0, 0.0, 3.0, 8.0]), label="tails"),
    case(F + "leaky_relu(x)", x=Const([-1.0, 0.0, 1.0]), kink=True, label="at the kink"),
    # layer_norm's gradient is a small difference, and it is ill-conditioned where a row's
    # values nearly agree (1/sqrt(var + 1e-5)): DISTINCT keeps every row's variance away from 0,
    # or float32's rounding, summed in another order by torch, fails any tolerance now and then
    *cases(F + "layer_norm(x, x.shape[-1:])", F + "layer_norm(x, x.shape[-2:])", x=DISTINCT,
           shapes=any_shape(min_dims=2), tol=30),
    case(F + "layer_norm(x, (3,), w, b)", x=DISTINCT, w=ANY, b=ANY,
         shapes=fixed((2, 3), (3,), (3,)), tol=30),
    case(F + "binary_cross_entropy(p, y)", p=PROBS, y=TARGETS, shapes=same_shape(2)),
    case(F + "binary_cross_entropy(p, y, reduction='none')", p=PROBS, y=TARGETS,
         shapes=same_shape(2)),
    case(F + "binary_cross_entropy(p, y, w, reduction='sum')", p=PROBS, y=TARGETS,
         w=Weights(0.1, 3.0), shapes=same_shape(3)),
    case(F + "binary_cross_entropy(p, y)", p=Const([0.0, 1.0, 0.5]), y=Const([1.0, 0.0, 1.0]),
         kink=True, label="log clamped at -100"),
    case(F + "binary_cross_entropy_with_logits(x, y)", x=ANY, y=TARGETS, shapes=same_shape(2)),
    case(F + "binary_cross_entropy_with_logits(x, y, reduction='none')",
         x=Const([-200.0, -20.0, 0.0, 20.0, 200.0]), y=Const([1.0, 0.0, 0.5, 1.0, 0.0]),
         label="no overflow"),
    case(F + "binary_cross_entropy_with_logits(x, y, w, pos_weight=pw)", x=ANY, y=TARGETS,
         w=Weights(0.1, 3.0), pw=Weights(0.1, 3.0), shapes=fixed((2, 3), (2, 3), (2, 3), (3,))),
    case(F + "embedding(i, w)", i=Const([[0, 2], [2, 1]]), w=ANY, shapes=fixed((3, 2))),
    case(F + "embedding(i, w, padding_idx=2)", i=Const([0, 2, 2, 1]), w=ANY,
         shapes=fixed((3, 4))),
    *cases(F + "dropout(x, 0.3, training=False)", F + "dropout(x, 0.0)", "m.nn.Flatten()(x)",
           "m.nn.Flatten(0, 1)(x)", "m.nn.Unflatten(-1, (2, 2))(x)", "m.nn.Identity(3)(x)",
           shapes=fixed((2, 3, 4)), exact=True),
    *cases(F + "mse_loss(a, b)", F + "mse_loss(a, b, reduction='sum')",
           F + "mse_loss(a, b, reduction='none')", shapes=same_shape(2), a=ANY, b=ANY),
    *cases(F + "nll_loss(x, i)", F + "nll_loss(x, i, reduction='none')",
           F + "cross_entropy(x, i)", F + "cross_entropy(x, i, reduction='sum')",
           x=ANY, i=Const([2, 0, 2]), shapes=fixed((3, 4))),
    *cases(F + "nll_loss(x, i)", F + "cross_entropy(x, i, reduction='none')",
           x=ANY, i=Const(1), shapes=fixed((3,)), label="one sample"),
    case(F + "one_hot(i)", i=Const([0, 3, 1])),
    case(F + "one_hot(i, 5)", i=Const([[0, 3], [1, 4]])),
]
# fmt: on


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("case", FUNCTIONAL, ids=str)
@SETTINGS
@given(data=st.data())
def test_functional_matches_torch(case, dtype, device, data):
    arrays = data.draw(case.arrays(dtype), label="inputs")
    seed = data.draw(st.integers(0, 2**32 - 1), label="seed of the upstream gradient")
    check_against_torch(case, arrays, seed, device)


GRADCHECKED = [c for c in FUNCTIONAL if not c.kink and any(c.grad_flags())
               and "one_hot" not in c.expr and "Const" not in repr(c.inputs)]
# Piecewise-linear in x: their second derivative is zero, and autograd_lib's gradgradcheck
# cannot check a backward that does not depend on x (it stops on "does not require grad").
LINEAR = ("leaky_relu", "embedding", "dropout", "Flatten", "Unflatten", "Identity")


@pytest.mark.parametrize("case", GRADCHECKED, ids=str)
@settings(SETTINGS, max_examples=2)
@given(data=st.data())
def test_gradcheck_and_gradgradcheck(case, device, data):
    arrays = data.draw(case.arrays("float64"), label="inputs")
    tensors = make_inputs(ag, arrays, case.grad_flags(), device)
    wrt = [i for i, t in enumerate(tensors) if t.requires_grad]

    def fn(*diff_inputs):
        args = list(tensors)
        for i, t in zip(wrt, diff_inputs):
            args[i] = t
        return case.fn(ag, *args)

    inputs = tuple(tensors[i] for i in wrt)
    assert ag.autograd.gradcheck(fn, inputs) is True
    if not any(name in case.expr for name in LINEAR):
        # Twice with respect to the first input only (a bias's gradient does not depend on
        # the inputs at all, which autograd_lib's gradgradcheck cannot take yet), and on the
        # CPU (its gradgradcheck starts from a CPU gradient, refused for a CUDA output).
        cpu = [t.detach().cpu().requires_grad_(t.requires_grad) for t in tensors]
        rest = [t for i, t in enumerate(cpu) if i != wrt[0]]

        def first_only(x):
            args = list(rest)
            args.insert(wrt[0], x)
            return case.fn(ag, *args)

        assert ag.autograd.gradgradcheck(first_only, (cpu[wrt[0]],)) is True


def test_dropout_in_training_zeroes_and_scales():
    ag.manual_seed(0)
    x = ag.ones(1000, requires_grad=True)
    y = ag.nn.functional.dropout(x, p=0.25)
    kept = y.detach().numpy() != 0
    assert set(np.unique(y.detach().numpy())) == {0.0, np.float32(1 / 0.75)}
    assert 0.65 < kept.mean() < 0.85
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.where(kept, np.float32(1 / 0.75), 0))
    assert (ag.nn.functional.dropout(x, p=1.0).detach().numpy() == 0).all()


def test_dropout_module_follows_train_and_eval():
    drop = ag.nn.Dropout(0.5)
    x = ag.ones(100)
    assert drop.eval()(x) is x
    assert (drop.train()(x).numpy() == 0).any()


def test_embedding_module_init_and_padding_row():
    ag.manual_seed(0)
    emb = ag.nn.Embedding(5, 3, padding_idx=-1)
    assert emb.padding_idx == torch.nn.Embedding(5, 3, padding_idx=-1).padding_idx == 4
    assert (emb.weight[4].detach().numpy() == 0).all()
    out = emb(ag.tensor([[4, 1], [0, 4]]))
    assert out.shape == (2, 2, 3) and out.grad_fn is not None
    out.sum().backward()
    np.testing.assert_array_equal(emb.weight.grad.numpy()[[0, 1, 4]], [[1] * 3, [1] * 3, [0] * 3])


def test_layer_norm_module_matches_torch():
    theirs = torch.nn.LayerNorm((2, 3))
    ours = ag.nn.LayerNorm((2, 3))
    assert [n for n, _ in ours.named_parameters()] == ["weight", "bias"]
    with torch.no_grad():
        theirs.weight.uniform_()
        theirs.bias.uniform_()
    with ag.no_grad():
        ours.weight.copy_(ag.tensor(theirs.weight.detach().numpy()))
        ours.bias.copy_(ag.tensor(theirs.bias.detach().numpy()))
    x = np.random.default_rng(0).standard_normal((4, 2, 3)).astype(np.float32)
    np.testing.assert_allclose(ours(ag.tensor(x)).detach().numpy(),
                               theirs(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6)
    assert list(ag.nn.LayerNorm(3, elementwise_affine=False).state_dict()) == []


def both(expr):
    """``expr`` evaluated with m = torch and m = autograd_lib."""
    return eval(expr, {"m": torch}), eval(expr, {"m": ag})


@pytest.mark.parametrize("expr", [
    "m.nn.Flatten()", "m.nn.Unflatten(1, (2, 5))", "m.nn.Dropout()", "m.nn.Dropout(0.2, True)",
    "m.nn.LayerNorm(10)", "m.nn.LayerNorm((3, 4), elementwise_affine=False)",
    "m.nn.LayerNorm(3, bias=False)", "m.nn.Embedding(10, 3)", "m.nn.Embedding(10, 3, 0)",
    "m.nn.GELU()", "m.nn.GELU('tanh')", "m.nn.LeakyReLU()", "m.nn.LeakyReLU(0.2, True)",
    "m.nn.SiLU()", "m.nn.SiLU(True)", "m.nn.Softplus()", "m.nn.Softplus(2, 5)", "m.nn.Identity()",
    "m.nn.BCELoss()", "m.nn.BCEWithLogitsLoss(pos_weight=m.ones(2))", "m.nn.LazyLinear(4)",
    "m.nn.LazyLinear(4).weight", "m.nn.ModuleList()", "m.nn.ModuleDict()",
    "m.nn.ModuleList([m.nn.Linear(2, 2) for _ in range(3)] + [m.nn.ReLU(), m.nn.Tanh()])",
    "m.nn.ModuleList([m.nn.Sequential(m.nn.Linear(2, 2), m.nn.ReLU())] * 2)",
    "m.nn.ModuleDict({'act': m.nn.ReLU(), 'out': m.nn.Linear(1, 1)})",
    "m.nn.Sequential(m.nn.Flatten(), m.nn.LazyLinear(3), m.nn.GELU(), m.nn.Dropout(0.1))",
])
def test_repr_matches_torch(expr):
    theirs, ours = both(expr)
    assert repr(ours) == repr(theirs)


def test_state_dict_keys_match_torch():
    for expr in ["m.nn.BCELoss(m.ones(2))", "m.nn.BCEWithLogitsLoss(pos_weight=m.ones(2))",
                 "m.nn.Embedding(3, 2)", "m.nn.LayerNorm(3)",
                 "m.nn.ModuleDict({'a': m.nn.Linear(1, 2), "
                 "'b': m.nn.ModuleList([m.nn.Linear(2, 1)])})"]:
        theirs, ours = both(expr)
        assert list(ours.state_dict()) == list(theirs.state_dict())


def test_lazy_linear_first_call():
    ag.manual_seed(0)
    layer = ag.nn.LazyLinear(4)
    assert repr(layer.state_dict()["weight"]) == "<UninitializedParameter>"
    with pytest.raises(RuntimeError, match="Can't access the shape of an uninitialized"):
        _ = layer.weight.shape
    weight = layer.weight
    out = layer(ag.ones(2, 3))
    assert out.shape == (2, 4)
    assert type(layer) is ag.nn.Linear and type(layer.weight) is ag.nn.Parameter
    assert layer.weight is weight and layer.weight.shape == (4, 3)
    assert repr(layer) == "Linear(in_features=3, out_features=4, bias=True)"
    bound = 1 / math.sqrt(3)
    assert float(layer.weight.detach().abs().max()) <= bound
    assert float(layer.bias.detach().abs().max()) <= bound
    assert ag.nn.LazyLinear(2, bias=False)(ag.ones(1, 5)).shape == (1, 2)


def test_module_list_and_dict_behave_like_torch():
    for lib in (torch, ag):
        layers = lib.nn.ModuleList([lib.nn.Linear(2, 2), lib.nn.ReLU()])
        layers.append(lib.nn.Tanh())
        layers.extend([lib.nn.Sigmoid()])
        layers.insert(1, lib.nn.Identity())
        layers += [lib.nn.ReLU()]
        assert [type(x).__name__ for x in layers] == [
            "Linear", "Identity", "ReLU", "Tanh", "Sigmoid", "ReLU"]
        assert type(layers[1:3]).__name__ == "ModuleList" and len(layers[1:3]) == 2
        del layers[0]
        assert list(layers._modules) == ["0", "1", "2", "3", "4"]
        holder = lib.nn.Module()
        holder.blocks = lib.nn.ModuleList([lib.nn.Linear(2, 3), lib.nn.Linear(3, 1)])
        holder.named = lib.nn.ModuleDict([("a", lib.nn.Linear(1, 1))])
        holder.named["b"] = lib.nn.Linear(1, 2)
        assert [n for n, _ in holder.named_parameters()] == [
            "blocks.0.weight", "blocks.0.bias", "blocks.1.weight", "blocks.1.bias",
            "named.a.weight", "named.a.bias", "named.b.weight", "named.b.bias"]
        assert list(holder.named.keys()) == ["a", "b"] and "a" in holder.named
        assert type(holder.named.pop("a")).__name__ == "Linear" and len(holder.named) == 1
        with pytest.raises(TypeError, match="int is not a Module subclass"):
            lib.nn.ModuleList([1])


def raised(fn):
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        return type(e).__name__, str(e).replace("torch.", "autograd_lib.")
    raise AssertionError("no error")


@pytest.mark.parametrize("expr", [
    "m.nn.functional.one_hot(m.tensor([1.0]))",
    "m.nn.functional.one_hot(m.tensor([3]), 3)",
    "m.nn.functional.one_hot(m.tensor([-1]))",
    "m.nn.functional.gelu(m.ones(2), approximate='x')",
    "m.nn.functional.dropout(m.ones(2), 1.5)",
    "m.nn.Dropout(-0.1)",
    "m.nn.functional.binary_cross_entropy(m.rand(3), m.rand(3, 1))",
    "m.nn.functional.binary_cross_entropy_with_logits(m.rand(3), m.rand(3, 1))",
    "m.nn.functional.binary_cross_entropy(m.tensor([2.0]), m.tensor([1.0]))",
    "m.nn.functional.layer_norm(m.ones(2, 3), (4,))",
    "m.nn.functional.embedding(m.tensor([5]), m.ones(3, 2))",
])
def test_errors_match_torch(expr):
    assert raised(lambda: eval(expr, {"m": ag})) == raised(lambda: eval(expr, {"m": torch}))


@pytest.mark.parametrize("norm_type", [2.0, 1, "inf", 3.0])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    rng = np.random.default_rng(1)
    grads = [rng.standard_normal(s).astype(np.float32) for s in [(3, 2), (4,)]]
    results = []
    for lib in (torch, ag):
        params = [lib.nn.Parameter(lib.zeros(*g.shape)) for g in grads]
        for p, g in zip(params, grads):
            p.grad = lib.tensor(g)
        total = lib.nn.utils.clip_grad_norm_(params, max_norm, norm_type=norm_type)
        results.append((total.numpy(), [p.grad.numpy() for p in params]))
    (t_total, t_grads), (a_total, a_grads) = results
    assert a_total.dtype == t_total.dtype and a_total.shape == t_total.shape
    np.testing.assert_allclose(a_total, t_total, rtol=1e-6)
    for a, t in zip(a_grads, t_grads):
        np.testing.assert_allclose(a, t, rtol=1e-6)


def test_clip_grad_norm_nonfinite_and_empty():
    for lib in (torch, ag):
        p = lib.nn.Parameter(lib.ones(2))
        p.grad = lib.tensor([1.0, float("nan")])
        name, message = raised(lambda lib=lib, p=p: lib.nn.utils.clip_grad_norm_(
            [p], 1.0, error_if_nonfinite=True))
        assert name == "RuntimeError" and message.startswith("The total norm of order 2.0")
        assert repr(lib.nn.utils.clip_grad_norm_([], 1.0)) == "tensor(0.)"


def test_clip_grad_value_matches_torch():
    out = []
    for lib in (torch, ag):
        p = lib.nn.Parameter(lib.zeros(4))
        p.grad = lib.tensor([-3.0, -0.5, 0.2, 7.0])
        assert lib.nn.utils.clip_grad_value_(p, 1.0) is None
        out.append(p.grad.tolist())
    assert out[0] == out[1]


def test_new_layers_train_in_a_model():
    """A small model from every new layer learns: the loss goes down."""
    ag.manual_seed(0)
    model = ag.nn.Sequential(
        ag.nn.Embedding(6, 4), ag.nn.Flatten(), ag.nn.LazyLinear(8), ag.nn.LayerNorm(8),
        ag.nn.GELU(), ag.nn.Dropout(0.1), ag.nn.Linear(8, 8), ag.nn.SiLU(), ag.nn.Linear(8, 1))
    x = ag.tensor([[0, 1], [2, 3], [4, 5], [1, 0]])
    y = ag.tensor([[1.0], [0.0], [1.0], [0.0]])
    model(x)
    opt = ag.optim.Adam(model.parameters(), lr=0.02)
    losses = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(60):
            opt.zero_grad()
            loss = ag.nn.BCEWithLogitsLoss()(model(x), y)
            loss.backward()
            ag.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            losses.append(loss.item())
    assert losses[-1] < losses[0] / 2


@pytest.mark.parametrize("name", ["binary_cross_entropy", "binary_cross_entropy_with_logits"])
def test_weight_that_requires_grad_is_refused_like_torch(name):
    def call(lib):
        p = lib.tensor([0.3, 0.6], requires_grad=True)
        getattr(lib.nn.functional, name)(p, lib.tensor([0.0, 1.0]),
                                         weight=lib.ones(2, requires_grad=True))
    assert raised(lambda: call(ag)) == raised(lambda: call(torch))


def test_activation_arguments_like_torch():
    for expr in ["m.nn.LeakyReLU(0.2, True)", "m.nn.Softplus(beta=3)", "m.nn.Softmax(1)",
                 "m.nn.ReLU(inplace=True)", "m.nn.Sigmoid()"]:
        theirs, ours = both(expr)
        assert repr(ours) == repr(theirs)
    assert ag.nn.LeakyReLU(0.2).negative_slope == 0.2
    with pytest.raises(TypeError, match="unexpected keyword argument 'slope'"):
        ag.nn.LeakyReLU(slope=0.2)
    with pytest.raises(TypeError):
        ag.nn.ReLU(True, 1)


@pytest.mark.parametrize("expr", [
    "F.mse_loss(x, y)", "F.mse_loss(x, y, reduction='none')", "F.cross_entropy(x, i)",
    "F.nll_loss(x.log_softmax(1), i)", "F.binary_cross_entropy(x.sigmoid(), y)",
    "F.binary_cross_entropy_with_logits(x, y)", "m.nn.BCEWithLogitsLoss()(x, y)",
    "F.gelu(x)", "F.gelu(x, approximate='tanh')", "F.silu(x)", "F.softplus(x)",
    "F.leaky_relu(x, 0.2)", "F.layer_norm(x, (3,))", "F.embedding(i // 2, x)",
])
def test_grad_fn_is_named_as_in_torch(expr):
    """``print(loss)`` and ``loss.grad_fn`` show PyTorch's node names (and values)."""
    def run(m):
        x = m.tensor([[0.5, -1.0, 2.0], [0.1, 0.2, -0.3]], requires_grad=True)
        y = m.tensor([[1.0, 0.0, 1.0], [0.0, 0.0, 1.0]])
        i = m.tensor([2, 0])
        loss = eval(expr, {"m": m, "F": m.nn.functional, "x": x, "y": y, "i": i})
        return str(loss).replace("autograd_lib", "torch"), type(loss.grad_fn).__name__
    assert run(ag) == run(torch)


def test_embedding_from_pretrained_like_torch():
    vectors = np.arange(6, dtype=np.float32).reshape(3, 2)
    for kwargs in [{}, {"freeze": False, "padding_idx": 0}]:
        out = []
        for m in (torch, ag):
            emb = m.nn.Embedding.from_pretrained(m.tensor(vectors), **kwargs)
            looked_up = emb(m.tensor([2, 0]))
            out.append((repr(emb), emb.weight.requires_grad, repr(emb.weight).replace(
                "autograd_lib", "torch"), looked_up.tolist()))
        assert out[1] == out[0]
    for m in (torch, ag):
        with pytest.raises(AssertionError, match="expected to be 2-dimensional"):
            m.nn.Embedding.from_pretrained(m.ones(3))


@pytest.mark.parametrize("option", [dict(max_norm=1.0), dict(scale_grad_by_freq=True),
                                    dict(sparse=True)])
def test_embedding_options_it_lacks_are_refused(option):
    with pytest.raises(NotImplementedError, match=f"does not support {next(iter(option))}="):
        ag.nn.Embedding(3, 2, **option)
    with pytest.raises(NotImplementedError):
        ag.nn.functional.embedding(ag.tensor([0]), ag.ones(3, 2), **option)


def test_lazy_linear_materializes_where_to_put_it(device):
    """Moved or cast before its first call, a lazy layer gets its numbers there (as torch's)."""
    for m in (torch, ag):
        layer = m.nn.LazyLinear(3).double()
        assert layer(m.ones(2, 4, dtype=m.float64)).dtype == m.float64
        assert layer.weight.dtype == layer.bias.dtype == m.float64
    layer = ag.nn.LazyLinear(3, bias=False).to(device)
    out = layer(ag.ones(2, 4, device=device))
    assert out.device == layer.weight.device == ag.device(device) and layer.bias is None
