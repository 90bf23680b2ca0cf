"""Tests for ``autograd_lib.viz``: the text listing, the SVG, and the awkward graphs.

The listing (``graph.text()``) names every node and its inputs, so most tests read it
instead of picking through SVG coordinates; the SVG is checked by parsing it as XML.
"""

import xml.etree.ElementTree as ET

import pytest

import autograd_lib as torch
from autograd_lib import viz

SVG = "{http://www.w3.org/2000/svg}"


def polynomial():
    """``y = x**2 + 3x + 1`` at ``x = 2``: ``y = 11`` and ``dy/dx = 2x + 3 = 7``."""
    x = torch.tensor(2.0, requires_grad=True)
    return x, x**2 + 3 * x + 1


def dtype(t):
    return str(t.dtype).rsplit(".", 1)[-1]


def drawn_text(graph):
    """Every piece of text in the picture, with entities such as ``&lt;`` decoded."""
    return [el.text for el in ET.fromstring(graph.svg).iter(SVG + "text")]


def op_names(tensor):
    """The names of the ops behind ``tensor``, found by walking ``next_functions`` here."""
    seen, todo = [], [tensor.grad_fn]
    while todo:
        fn = todo.pop()
        if fn is None or hasattr(fn, "variable") or any(fn is s for s in seen):
            continue
        seen.append(fn)
        todo.extend(next_fn for next_fn, _ in fn.next_functions)
    return sorted(fn.name() for fn in seen)


def test_listing_of_polynomial_follows_grad_fn():
    x, y = polynomial()
    graph = viz.draw(y, names={"x": x, "y": y})
    dt = dtype(x)
    assert graph.text() == "\n".join(
        [
            "computation graph: 6 nodes, inputs first ('<-' = inputs)",
            f"n0   leaf    x | scalar {dt} | value = 2.0",
            "n1   op      PowBackward0 <- n0",
            "n2   op      MulBackward0 <- n0",
            "n3   op      AddBackward0 <- n1, n2",
            "n4   op      AddBackward0 <- n3",
            f"n5   output  y | scalar {dt} | value = 11.0 <- n4",
        ]
    )
    assert repr(graph) == graph.text()
    drawn_ops = sorted(node.title for node in graph.nodes if node.kind == "op")
    assert drawn_ops == op_names(y)


def test_svg_is_xml_with_size_labels_and_values():
    x, y = polynomial()
    graph = viz.draw(y, names={"x": x, "y": y})
    root = ET.fromstring(graph.svg)
    assert root.tag == SVG + "svg"
    assert root.get("viewBox") == f"0 0 {root.get('width')} {root.get('height')}"
    assert 100 < float(root.get("width")) < 2000 and 100 < float(root.get("height")) < 2000
    text = drawn_text(graph)
    for label in ["PowBackward0", "MulBackward0", "AddBackward0", "x", "y", "value = 2.0"]:
        assert label in text
    assert "value = 11.0" in text
    assert not any(t.startswith("grad") for t in text)  # no backward yet
    assert graph._repr_svg_() == graph.svg
    assert 'rx="0"' in graph.svg and 'rx="10"' in graph.svg  # ops square, tensors round


def test_grads_appear_after_backward():
    x, y = polynomial()
    y.backward()
    graph = viz.draw(y, names={"x": x, "y": y})
    assert "grad = 7.0" in drawn_text(graph)
    assert graph.text().splitlines()[1].endswith("value = 2.0 | grad = 7.0")
    assert not any(t.startswith("grad") for t in drawn_text(viz.draw(y, show_grad=False)))


def test_same_graph_gives_identical_svg(tmp_path):
    x, y = polynomial()
    first = viz.draw(y, names={"x": x, "y": y})
    assert viz.draw(y, names={"x": x, "y": y}).svg == first.svg
    x2, y2 = polynomial()  # new objects at new addresses: still the same picture
    assert viz.draw(y2, names={"x": x2, "y": y2}).svg == first.svg
    path = first.save(tmp_path / "graph.svg")
    assert path.read_text(encoding="utf-8") == first.svg


def test_chain_deeper_than_the_recursion_limit():
    depth = 1200  # Python's default recursion limit is 1000
    x = torch.tensor(1.0, requires_grad=True)
    h = x
    for _ in range(depth):
        h = h * 1.001
    graph = viz.draw(h)
    kinds = [node.kind for node in graph.nodes]
    assert kinds == ["leaf"] + ["op"] * depth + ["output"]
    assert all(node.inputs == [i - 1] for i, node in enumerate(graph.nodes) if i)
    ET.fromstring(graph.svg)


def test_shared_subexpression_is_drawn_once():
    a = torch.tensor(3.0, requires_grad=True)
    c = a * a  # uses a twice
    d = c + c * 3  # uses c twice, along two paths
    graph = viz.draw(d, names={"a": a})
    lines = graph.text().splitlines()[1:]
    assert [line.split(" | ")[0].split(" <- ")[0] for line in lines] == [
        "n0   leaf    a",
        "n1   op      MulBackward0",
        "n2   op      MulBackward0",
        "n3   op      AddBackward0",
        "n4   output  output",
    ]
    assert [node.inputs for node in graph.nodes] == [[], [0, 0], [1], [1, 2], [3]]
    assert "\u00d72" in drawn_text(graph)  # the arrow from a to a*a is marked "x2"


def test_single_leaf_and_tensor_without_grad():
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (node,) = viz.draw(x, names={"x": x}).nodes
    assert (node.kind, node.output, node.inputs) == ("leaf", True, [])
    assert node.lines == ["x", f"(3,) {dtype(x)}", "value = [1.0, 2.0, 3.0]"]

    const = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    graph = viz.draw(const)
    assert len(graph.nodes) == 1
    assert "value = [[1.0, 2.0], [3.0, 4.0]]" in drawn_text(graph)


def test_none_in_next_functions_is_skipped():
    x = torch.tensor(2.0, requires_grad=True)
    y = x * torch.tensor(3.0)  # the constant needs no gradient: its slot is None
    assert any(fn is None for fn, _ in y.grad_fn.next_functions)
    graph = viz.draw(y)
    assert [(node.kind, node.inputs) for node in graph.nodes] == [
        ("leaf", []),
        ("op", [0]),
        ("output", [1]),
    ]


def test_labels_are_escaped():
    x = torch.tensor(1.0, requires_grad=True)
    graph = viz.draw(x * 2, names={"a<b & c>": x})
    assert "a<b & c>" in drawn_text(graph)
    assert "a&lt;b &amp; c&gt;" in graph.svg


def test_values_short_small_only_and_optional():
    small = torch.tensor([3.14159265, 12345.678, 0.5])
    assert "value = [3.142, 1.235e+04, 0.5]" in drawn_text(viz.draw(small))
    big = torch.tensor([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0])
    assert not any(t.startswith("value") for t in drawn_text(viz.draw(big)))
    assert not any(t.startswith("value") for t in drawn_text(viz.draw(small, show_values=False)))


def test_named_intermediate_and_several_outputs():
    x = torch.tensor(2.0, requires_grad=True)
    h = x * x
    y = h + 1
    graph = viz.draw(y, x, names={"x": x, "h": h, "y": y})
    assert "MulBackward0 | \u2192 h <- n0, n0" in graph.text()
    assert [node.title for node in graph.nodes if node.output] == ["x", "y"]  # x drawn once


def test_draw_rejects_non_tensors():
    with pytest.raises(TypeError):
        viz.draw()
    with pytest.raises(TypeError):
        viz.draw(3.0)
