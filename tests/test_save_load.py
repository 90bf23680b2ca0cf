"""autograd_lib.save / load: round trips of tensors, state_dicts and checkpoints, compared with
what torch.save / torch.load give back in PyTorch 2.13 (the printed objects)."""

import collections
import io
import zipfile

import numpy as np
import pytest
import torch

import autograd_lib as ag


def round_trip(lib, obj, **load_kwargs):
    buffer = io.BytesIO()
    lib.save(obj, buffer)
    buffer.seek(0)
    return lib.load(buffer, **load_kwargs)


def text(obj):
    """repr, with PyTorch's names for autograd_lib's."""
    return repr(obj).replace("autograd_lib", "torch")


def both(make):
    """make(m) built with m = torch and m = autograd_lib, on the same NumPy data."""
    return make(torch), make(ag)


DATA = np.random.default_rng(0).standard_normal((3, 4)).astype(np.float32)


@pytest.mark.parametrize("expr", [
    "m.tensor(DATA)",
    "m.tensor(DATA, dtype=m.float64)[0]",
    "m.tensor(2.5)",
    "m.tensor(7)",
    "m.tensor([1, 2, 3])",
    "m.tensor([True, False])",
    "m.zeros(0, 3)",
    "m.tensor(DATA, requires_grad=True)",
    "m.tensor(DATA, requires_grad=True) * 2",
    "m.nn.Parameter(m.tensor(DATA[0]))",
    "m.nn.Parameter(m.tensor(DATA[0]), requires_grad=False)",
    "[m.tensor(DATA[0]), (m.tensor(1), 'a', None, 2.5, True), {'k': [m.ones(2)]}]",
    "{0: {'step': m.tensor(3.0)}, 'lr': 0.1, 'betas': (0.9, 0.999), 'foreach': None}",
    "collections.OrderedDict([('b', m.ones(1)), ('a', m.zeros(1))])",
    "(m.float64, m.int64, m.Size([2, 3]), m.device('cpu'))",
    "{(1, 2): 'tuple key', 3.5: 'float key', None: 'none key'}",
])
def test_round_trip_prints_what_torch_prints(expr):
    def make(m):
        return eval(expr, {"m": m, "DATA": DATA, "collections": collections})

    theirs, ours = both(make)
    loaded_t, loaded = round_trip(torch, theirs), round_trip(ag, ours)
    assert text(loaded) == repr(loaded_t).replace("grad_fn=<MulBackward0>", "")
    assert type(loaded).__name__ == type(loaded_t).__name__


def test_shared_tensor_stays_shared_and_values_are_exact():
    x = ag.tensor(DATA)
    loaded = round_trip(ag, {"a": x, "b": x, "c": ag.tensor(DATA)})
    assert loaded["a"] is loaded["b"] and loaded["a"] is not loaded["c"]
    np.testing.assert_array_equal(loaded["a"].numpy(), DATA)
    assert loaded["a"].numpy().dtype == np.float32


def models(lib):
    lib.manual_seed(0)
    return lib.nn.Sequential(lib.nn.Linear(4, 8), lib.nn.GELU(), lib.nn.LayerNorm(8),
                             lib.nn.Linear(8, 2))


def test_checkpoint_round_trip_resumes_training(tmp_path):
    """The usual checkpoint: model, optimizer, scheduler, epoch; training resumes exactly."""
    x, y = ag.tensor(DATA), ag.tensor(DATA[:, :2])

    def train(model, opt, scheduler, steps):
        for _ in range(steps):
            opt.zero_grad()
            ag.nn.functional.mse_loss(model(x), y).backward()
            opt.step()
            scheduler.step()

    model = models(ag)
    opt = ag.optim.AdamW(model.parameters(), lr=0.01)
    scheduler = ag.optim.lr_scheduler.StepLR(opt, 2, 0.5)
    train(model, opt, scheduler, 3)
    path = tmp_path / "checkpoint.pt"
    ag.save({"model": model.state_dict(), "optimizer": opt.state_dict(),
             "scheduler": scheduler.state_dict(), "epoch": 3}, path)
    train(model, opt, scheduler, 3)

    model2 = models(ag)
    opt2 = ag.optim.AdamW(model2.parameters(), lr=0.01)
    scheduler2 = ag.optim.lr_scheduler.StepLR(opt2, 2, 0.5)
    checkpoint = ag.load(str(path), weights_only=True)
    model2.load_state_dict(checkpoint["model"])
    opt2.load_state_dict(checkpoint["optimizer"])
    scheduler2.load_state_dict(checkpoint["scheduler"])
    assert checkpoint["epoch"] == 3
    train(model2, opt2, scheduler2, 3)
    for p, p2 in zip(model.parameters(), model2.parameters()):
        np.testing.assert_array_equal(p.detach().numpy(), p2.detach().numpy())
    assert scheduler2.get_last_lr() == scheduler.get_last_lr()


def test_state_dicts_print_as_torchs_after_a_round_trip():
    theirs, ours = both(models)
    with ag.no_grad():
        for p, p_t in zip(ours.parameters(), theirs.parameters()):
            p.copy_(ag.tensor(p_t.detach().numpy()))
    for lib, model in ((torch, theirs), (ag, ours)):
        opt = lib.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
        model(lib.tensor(DATA)).sum().backward()
        opt.step()
        model.saved = round_trip(lib, {"model": model.state_dict(), "opt": opt.state_dict()})
    assert text(ours.saved["model"]) == repr(theirs.saved["model"])
    assert ours.saved["opt"]["param_groups"] == theirs.saved["opt"]["param_groups"]
    for i, state in theirs.saved["opt"]["state"].items():
        np.testing.assert_allclose(ours.saved["opt"]["state"][i]["momentum_buffer"].numpy(),
                                   state["momentum_buffer"].numpy(), rtol=1e-5, atol=1e-6)


def test_devices_and_map_location(device):
    x = ag.tensor(DATA, device=device)
    assert round_trip(ag, x).device == x.device
    assert round_trip(ag, x, map_location="cpu").device == ag.device("cpu")
    assert round_trip(ag, ag.tensor(DATA), map_location=device).device == x.device


def test_saving_an_arbitrary_object_is_refused_and_says_what_to_do():
    with pytest.raises(TypeError, match=r"not autograd_lib.nn.container.Sequential: .*"
                                        r"model.state_dict\(\)"):
        ag.save(models(ag), io.BytesIO())
    with pytest.raises(TypeError, match="not set: "):
        ag.save({"a": {1, 2}}, io.BytesIO())


def test_foreign_files_are_refused(tmp_path):
    with pytest.raises(RuntimeError, match="not a zip archive"):
        ag.load(io.BytesIO(b"hello"))
    torch_file = tmp_path / "torch.pt"
    torch.save({"w": torch.ones(2)}, torch_file)
    with pytest.raises(RuntimeError, match="a file written by torch.save cannot be read"):
        ag.load(torch_file)


def test_the_file_holds_npy_arrays_and_json_only():
    buffer = io.BytesIO()
    ag.save({"w": ag.ones(2, 3), "n": 1}, buffer)
    with zipfile.ZipFile(buffer) as archive:
        assert sorted(archive.namelist()) == ["data.json", "tensors/0.npy"]
        array = np.lib.format.read_array(io.BytesIO(archive.read("tensors/0.npy")),
                                         allow_pickle=False)
    np.testing.assert_array_equal(array, np.ones((2, 3), dtype=np.float32))
