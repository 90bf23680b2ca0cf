"""Draw the computation graph behind a tensor, as SVG, in pure Python.

Every tensor made by an operation remembers *how* it was made: ``y.grad_fn`` is the node
that will run the backward pass of that operation, and ``node.next_functions`` points to
the nodes of its inputs. Leaves that require grad show up there as ``AccumulateGrad``
nodes whose ``.variable`` is the leaf tensor itself. Following these links from an output
back to its leaves gives the whole graph::

    >>> import autograd_lib as torch
    >>> from autograd_lib import viz
    >>> x = torch.tensor(2.0, requires_grad=True)
    >>> y = x**2 + 3 * x + 1
    >>> graph = viz.draw(y, names={"x": x, "y": y})  # a cell that ends with graph draws it
    >>> print(graph)                                  # the same graph as text
    computation graph: 6 nodes, inputs first ('<-' = inputs)
    n0   leaf    x | scalar float32 | value = 2.0
    n1   op      PowBackward0 <- n0
    n2   op      MulBackward0 <- n0
    n3   op      AddBackward0 <- n1, n2
    n4   op      AddBackward0 <- n3
    n5   output  y | scalar float32 | value = 11.0 <- n4

The picture is drawn in the *forward* direction: arrows carry data from the leaves (top)
to the output (bottom); ``backward()`` sends gradients the other way. Leaves are rounded
boxes, operations square boxes, the tensors you asked for have a thick border.

How the drawing works (a small "layered" graph layout):

1. *Collect* the nodes breadth-first from the outputs (a loop with a queue, not recursion,
   so a 10,000-op chain is fine). Nodes are keyed by object identity, so a subexpression
   used twice is drawn once.
2. *Layer*: a node's layer is the length of the longest path from it to an output, so
   every arrow points down. Arrows that skip layers get invisible "dummy" points, one per
   layer they cross, so that they can bend around the boxes in between.
3. *Order* each layer by the barycenter (mean position) of its neighbours in the layer
   next to it, sweeping up and down; this removes most edge crossings.
4. *Place*: each box wants to sit above/below the mean of its neighbours; overlapping
   wishes are merged into blocks (least squares), which keeps boxes apart and in order.
5. *Write* the SVG by hand: text width is estimated from the character count (the font
   is monospace), and all styles are inline, so it renders anywhere without Graphviz.

Nothing depends on ``id()`` values, memory addresses, time or randomness in the output:
drawing the same graph twice gives byte-identical SVG, which notebook tests (nbval) need.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

__all__ = ["Graph", "DrawnNode", "draw"]

SMALL = 6  # tensors with at most this many elements show their values

FONT = "ui-monospace, SFMono-Regular, Menlo, Consolas, 'DejaVu Sans Mono', monospace"
FONT_SIZE = 13
CHAR_W = 0.6 * FONT_SIZE  # advance width of one monospace character
LINE_H = 17
PAD_X, PAD_Y = 10, 7  # space between a box's border and its text
GAP_X, GAP_Y = 24, 40  # space between boxes, and between layers
MARGIN = 16
ARROW = 8  # length of an arrowhead
TEXT, EDGE, BACKGROUND = "#111827", "#4b5563", "#ffffff"

# kind -> (fill, stroke, stroke width, corner radius). Shapes differ too, not just colours:
# tensors have round corners, operations square ones, drawn tensors a thick border.
STYLES = {
    "leaf": ("#dbeafe", "#1d4ed8", 1.5, 10),
    "op": ("#f3f4f6", "#374151", 1.5, 0),
    "output": ("#fef3c7", "#b45309", 3.5, 10),
}


@dataclass
class DrawnNode:
    """One box of the picture: a tensor, or an autograd ``Node`` (a ``grad_fn``) drawn.

    ``kind`` is ``"leaf"`` (a tensor not made by an op), ``"op"`` (a ``grad_fn`` node) or
    ``"output"`` (a non-leaf tensor passed to :func:`draw`). ``output`` is true for every
    tensor passed to :func:`draw`. ``inputs`` are indices into ``Graph.nodes``, in the order
    of ``next_functions``; an input used twice (``x * x``) is listed twice.
    """

    kind: str
    title: str | None  # op name, or the tensor's name; drawn bold
    details: list[str]  # further lines of text
    inputs: list[int] = field(default_factory=list)
    output: bool = False

    @property
    def lines(self) -> list[str]:
        return ([self.title] if self.title else []) + self.details


class Graph:
    """A drawn computation graph.

    Jupyter shows it as a picture (``_repr_svg_``); ``print(graph)`` or ``graph.text()``
    lists the nodes in forward order (inputs before the nodes that use them), which is
    handy in tests and for screen readers. ``graph.svg`` is the SVG source.
    """

    def __init__(self, nodes: list[DrawnNode], svg: str):
        self.nodes = tuple(nodes)
        self.svg = svg

    def _repr_svg_(self) -> str:
        return self.svg

    def save(self, path) -> Path:
        """Write the SVG to ``path`` (UTF-8) and return the path."""
        path = Path(path)
        path.write_text(self.svg, encoding="utf-8")
        return path

    def text(self) -> str:
        return _listing(self.nodes)

    def __repr__(self) -> str:
        return self.text()


def draw(*tensors, names=None, show_grad=True, show_values=True) -> Graph:
    """Draw the graph that produced ``tensors``.

    ``names`` maps a name to a tensor, e.g. ``{"x": x, "y": y}``; a named intermediate
    result is written under the operation that made it. Leaves and outputs with at most
    six elements show their values (``show_values``) and, after ``backward()``, their
    gradient (``show_grad``).
    """
    if not tensors:
        raise TypeError("draw() needs at least one tensor")
    for t in tensors:
        if not hasattr(t, "grad_fn"):
            raise TypeError(f"draw() takes tensors, not {type(t).__name__}")
    nodes = _collect(tensors, dict(names or {}), show_values, show_grad)
    layout = _Layout(nodes)
    # List the nodes in forward order: top row first, left to right within a row.
    order = sorted(range(len(nodes)), key=lambda i: (-layout.layer[i], layout.x[i]))
    svg = layout.svg(order)
    return Graph(_renumber(nodes, order), svg)


def _renumber(nodes: list[DrawnNode], order: list[int]) -> list[DrawnNode]:
    """The nodes in the given order, with ``inputs`` pointing at the new positions."""
    new = {old: k for k, old in enumerate(order)}
    return [
        DrawnNode(n.kind, n.title, n.details, [new[j] for j in n.inputs], n.output)
        for n in (nodes[i] for i in order)
    ]


def _listing(nodes) -> str:
    """One line per node: number, kind, label lines joined by " | ", and its inputs."""
    count = f"{len(nodes)} node{'s' if len(nodes) != 1 else ''}"
    lines = [f"computation graph: {count}, inputs first ('<-' = inputs)"]
    for i, node in enumerate(nodes):
        kind = "output" if node.output else node.kind
        line = f"n{i:<3} {kind:<6}  " + " | ".join(node.lines)
        if node.inputs:
            line += " <- " + ", ".join(f"n{j}" for j in node.inputs)
        lines.append(line)
    return "\n".join(lines)


# -- 1. collecting the nodes ---------------------------------------------------------------


def _collect(tensors, names, show_values, show_grad) -> list[DrawnNode]:
    """Walk from the outputs through ``next_functions``, breadth-first, without recursion."""
    tensor_name = {id(t): str(name) for name, t in names.items()}
    outputs = {id(t) for t in tensors}
    # The name of an intermediate result goes under the op that made it (an output is
    # drawn as a box of its own instead).
    made_by = [
        (str(name), t.grad_fn)
        for name, t in names.items()
        if id(t) not in outputs and getattr(t, "grad_fn", None) is not None
    ]
    op_name = {id(fn): name for name, fn in made_by}
    # Keep every object we look at alive: PyTorch creates the Python objects for graph
    # nodes on demand, and a freed object's id() may be reused by the next one.
    keep = [names, made_by]
    nodes, index, todo = [], {}, deque()

    def tensor_node(t):
        key = ("tensor", id(t))
        if key not in index:
            keep.append(t)
            index[key] = len(nodes)
            kind = "leaf" if t.grad_fn is None else "output"
            title = tensor_name.get(id(t), "output" if id(t) in outputs else None)
            nodes.append(DrawnNode(kind, title, _tensor_lines(t, show_values, show_grad)))
        return index[key]

    def fn_node(fn):
        if hasattr(fn, "variable"):  # AccumulateGrad: stands for the leaf tensor itself
            return tensor_node(fn.variable)
        key = ("fn", id(fn))
        if key not in index:
            keep.append(fn)
            index[key] = len(nodes)
            details = [f"\u2192 {op_name[id(fn)]}"] if id(fn) in op_name else []
            nodes.append(DrawnNode("op", _op_name(fn), details))
            todo.append((fn, index[key]))
        return index[key]

    for t in tensors:
        node = nodes[tensor_node(t)]
        node.output = True
        if t.grad_fn is not None and not node.inputs:
            node.inputs.append(fn_node(t.grad_fn))
    while todo:
        fn, i = todo.popleft()
        for next_fn, _ in fn.next_functions:
            if next_fn is not None:  # None: an input that needs no gradient
                nodes[i].inputs.append(fn_node(next_fn))
    return nodes


def _op_name(fn) -> str:
    name = fn.name() if callable(getattr(fn, "name", None)) else type(fn).__name__
    return name.rsplit("::", 1)[-1]  # PyTorch says "torch::autograd::AccumulateGrad"


def _tensor_lines(t, show_values, show_grad) -> list[str]:
    lines = [_describe(t)]
    if show_values and t.numel() <= SMALL:
        lines.append("value = " + _fmt(t.tolist()))
    # Only leaves (or tensors that asked to retain_grad) have a .grad worth looking at.
    if show_grad and (t.is_leaf or getattr(t, "retains_grad", False)):
        g = t.grad
        if g is not None:
            small = g.numel() <= SMALL
            lines.append("grad = " + _fmt(g.tolist()) if small else f"grad: {g.numel()} values")
    return lines


def _describe(t) -> str:
    """Shape and dtype, e.g. ``(2, 3) float32`` or ``scalar float64``."""
    shape = tuple(t.shape)
    dtype = str(t.dtype).rsplit(".", 1)[-1]  # "torch.float32" -> "float32"
    return f"{'scalar' if shape == () else shape} {dtype}"


def _fmt(value) -> str:
    """Format a number or nested list short: 4 significant digits, floats keep a dot."""
    if isinstance(value, list):
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    if isinstance(value, float):
        text = f"{value:.4g}"
        return text if any(c in text for c in ".ein") else text + ".0"  # 7 -> 7.0; inf, nan
    return str(value)


# -- 2.-4. layout --------------------------------------------------------------------------


class _Layout:
    """Layers, order within layers and coordinates of the boxes (and of dummy points)."""

    def __init__(self, nodes: list[DrawnNode]):
        self.nodes = nodes
        n = len(nodes)
        self.w = [max(map(len, node.lines)) * CHAR_W + 2 * PAD_X for node in nodes]
        self.h = [len(node.lines) * LINE_H + 2 * PAD_Y for node in nodes]
        self.layer = self._layers()
        # Items are the boxes 0..n-1 followed by dummy points on edges that skip layers.
        self.above = [[] for _ in range(n)]  # neighbours one layer up (data comes from)
        self.below = [[] for _ in range(n)]  # neighbours one layer down (data goes to)
        self.chains = []  # (consumer, producer, items along the edge from top to bottom)
        for c, node in enumerate(nodes):
            for p in dict.fromkeys(node.inputs):
                chain = [p]
                for layer in range(self.layer[p] - 1, self.layer[c], -1):
                    chain.append(self._add_item(layer, width=4, height=0))
                chain.append(c)
                for a, b in zip(chain, chain[1:]):
                    self.below[a].append(b)
                    self.above[b].append(a)
                self.chains.append((c, p, chain))
        depth = max(self.layer) + 1
        self.rows = [[] for _ in range(depth)]  # rows[0] is the bottom (output) row
        for item, layer in enumerate(self.layer):
            self.rows[layer].append(item)
        self._order()
        self._place()

    def _add_item(self, layer, width, height) -> int:
        self.layer.append(layer)
        self.w.append(width)
        self.h.append(height)
        self.above.append([])
        self.below.append([])
        return len(self.layer) - 1

    def _layers(self) -> list[int]:
        """Longest path to an output, by visiting a node after all of its consumers."""
        nodes = self.nodes
        waiting = [0] * len(nodes)  # consumers not yet visited
        for node in nodes:
            for p in dict.fromkeys(node.inputs):
                waiting[p] += 1
        layer = [0] * len(nodes)
        ready = deque(i for i, count in enumerate(waiting) if count == 0)
        while ready:
            c = ready.popleft()
            for p in dict.fromkeys(nodes[c].inputs):
                layer[p] = max(layer[p], layer[c] + 1)
                waiting[p] -= 1
                if waiting[p] == 0:
                    ready.append(p)
        for i, node in enumerate(nodes):
            if node.kind == "output":  # sit right below the op that made the tensor
                layer[i] = layer[node.inputs[0]] - 1
        return layer

    def _order(self) -> None:
        """Barycenter heuristic: sort each row by the mean position of its neighbours."""
        position = {item: k for row in self.rows for k, item in enumerate(row)}

        def sweep(layers, neighbours):
            for layer in layers:
                row = self.rows[layer]

                def barycenter(item):
                    near = neighbours[item]
                    return sum(position[j] for j in near) / len(near) if near else position[item]

                row.sort(key=barycenter)  # a stable sort: ties keep their order
                position.update((item, k) for k, item in enumerate(row))

        up, down = range(1, len(self.rows)), range(len(self.rows) - 2, -1, -1)
        sweep(up, self.below)
        sweep(down, self.above)
        sweep(up, self.below)

    def _place(self) -> None:
        """x: pull each item towards its neighbours; y: stack the rows, outputs at the bottom."""
        self.x = [0.0] * len(self.layer)
        for row in self.rows:
            self._pack(row, self.x)
        down, up = list(reversed(self.rows)), self.rows
        for rows, neighbours in ((down, self.above), (up, self.below)) * 2:
            for row in rows:
                want = list(self.x)
                for item in row:
                    near = neighbours[item]
                    if near:
                        want[item] = sum(self.x[j] for j in near) / len(near)
                self._pack(row, want)
        left = min(x - w / 2 for x, w in zip(self.x, self.w))
        right = max(x + w / 2 for x, w in zip(self.x, self.w))
        self.x = [x - left + MARGIN for x in self.x]
        self.width = right - left + 2 * MARGIN
        self.y = [0.0] * len(self.layer)  # centre of each item
        self.row_h = [max([LINE_H] + [self.h[item] for item in row]) for row in self.rows]
        top = MARGIN
        for layer in reversed(range(len(self.rows))):
            for item in self.rows[layer]:
                self.y[item] = top + self.row_h[layer] / 2
            top += self.row_h[layer] + GAP_Y
        self.height = top - GAP_Y + MARGIN

    def _pack(self, row, want) -> None:
        """Put the row's items in order, ``GAP_X`` apart, as near their wish as possible.

        Items that would overlap are merged into a block that sits at the mean of its
        members' wishes (this minimises the squared distance to the wishes).
        """
        blocks = []  # (items, offsets of their centres from the block's left, width, left)
        for item in row:
            items, offsets, width = [item], [self.w[item] / 2], self.w[item]
            while True:
                left = sum(want[i] - o for i, o in zip(items, offsets)) / len(items)
                if not blocks or blocks[-1][3] + blocks[-1][2] + GAP_X <= left:
                    break
                prev_items, prev_offsets, prev_width, _ = blocks.pop()
                offsets = prev_offsets + [o + prev_width + GAP_X for o in offsets]
                items = prev_items + items
                width = prev_width + GAP_X + width
            blocks.append((items, offsets, width, left))
        for items, offsets, _, left in blocks:
            for item, offset in zip(items, offsets):
                self.x[item] = left + offset

    # -- 5. SVG ----------------------------------------------------------------------------

    def svg(self, order) -> str:
        legend_w = 2 * MARGIN + len(LEGEND_TEXT) * 0.6 * 11
        width = max(self.width, legend_w)
        shift = (width - self.width) / 2  # centre the graph when the legend is wider
        height = self.height + 44
        out = [
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{_n(width)}" '
            f'height="{_n(height)}" viewBox="0 0 {_n(width)} {_n(height)}" role="img" '
            f'font-family="{FONT}" font-size="{FONT_SIZE}" '
            f'style="max-width: 100%; height: auto; background: {BACKGROUND}">',
            f"<title>computation graph: {len(self.nodes)} boxes, arrows point forward</title>",
            f"<desc>{escape(_listing(_renumber(self.nodes, order)))}</desc>",
            f'<rect width="{_n(width)}" height="{_n(height)}" fill="{BACKGROUND}"/>',
            f'<g transform="translate({_n(shift)} 0)">',
        ]
        for consumer, producer, chain in self.chains:
            out.append(self._edge(consumer, producer, chain))
        for i in order:
            out.append(self._box(i))
        out.append("</g>")
        out.append(_legend(self.height - MARGIN + 14))
        out.append("</svg>")
        return "\n".join(out) + "\n"

    def _box(self, i) -> str:
        node = self.nodes[i]
        fill, stroke, stroke_w, radius = STYLES["output" if node.output else node.kind]
        x, y, w, h = self.x[i] - self.w[i] / 2, self.y[i] - self.h[i] / 2, self.w[i], self.h[i]
        out = [
            "<g>",
            f'<rect x="{_n(x)}" y="{_n(y)}" width="{_n(w)}" height="{_n(h)}" rx="{radius}" '
            f'fill="{fill}" stroke="{stroke}" stroke-width="{stroke_w}"/>',
        ]
        baseline = y + PAD_Y + 0.75 * LINE_H
        for k, line in enumerate(node.lines):
            bold = ' font-weight="bold"' if k == 0 and node.title else ""
            out.append(
                f'<text x="{_n(self.x[i])}" y="{_n(baseline + k * LINE_H)}" '
                f'text-anchor="middle" fill="{TEXT}"{bold}>{escape(line)}</text>'
            )
        out.append("</g>")
        return "\n".join(out)

    def _edge(self, consumer, producer, chain) -> str:
        """A smooth path from the producer's bottom through the dummies to the consumer."""
        # Spread the arrowheads over the consumer's top edge, ordered like the items they
        # come from, so that they do not cross (the text listing keeps the argument order).
        sources = sorted(self.above[consumer], key=lambda item: self.x[item])
        k = sources.index(chain[-2])
        end_x = self.x[consumer] + self.w[consumer] * ((k + 1) / (len(sources) + 1) - 0.5)
        end_y = self.y[consumer] - self.h[consumer] / 2
        points = [(self.x[producer], self.y[producer] + self.h[producer] / 2)]
        for d in chain[1:-1]:  # a dummy runs straight down through the whole row
            half = self.row_h[self.layer[d]] / 2
            points += [(self.x[d], self.y[d] - half), (self.x[d], self.y[d] + half)]
        points.append((end_x, end_y - ARROW))
        d = f"M{_n(points[0][0])} {_n(points[0][1])}"
        for (x0, y0), (x1, y1) in zip(points, points[1:]):
            mid = (y0 + y1) / 2  # vertical tangents at both ends: a gentle S-curve
            d += f" C{_n(x0)} {_n(mid)} {_n(x1)} {_n(mid)} {_n(x1)} {_n(y1)}"
        head = (
            f"{_n(end_x)},{_n(end_y)} {_n(end_x - 4.5)},{_n(end_y - ARROW)} "
            f"{_n(end_x + 4.5)},{_n(end_y - ARROW)}"
        )
        out = [
            f'<path d="{d}" fill="none" stroke="{EDGE}" stroke-width="1.5"/>',
            f'<polygon points="{head}" fill="{EDGE}"/>',
        ]
        uses = self.nodes[consumer].inputs.count(producer)
        if uses > 1:  # e.g. x * x uses x twice
            out.append(
                f'<text x="{_n(end_x + 7)}" y="{_n(end_y - 3)}" font-size="11" '
                f'fill="{TEXT}">\u00d7{uses}</text>'
            )
        return "\n".join(out)


LEGEND_TEXT = "arrows: forward pass (inputs \u2192 output); backward() sends gradients back"


def _legend(y) -> str:
    """Shape key and arrow direction, at the bottom left."""
    out = ['<g font-size="11">']
    x = MARGIN
    keys = (("leaf", "leaf tensor"), ("op", "op (grad_fn)"), ("output", "drawn tensor"))
    for kind, label in keys:
        fill, stroke, stroke_w, radius = STYLES[kind]
        out.append(
            f'<rect x="{x}" y="{_n(y)}" width="22" height="12" rx="{min(radius, 5)}" '
            f'fill="{fill}" stroke="{stroke}" stroke-width="{min(stroke_w, 2.5)}"/>'
        )
        out.append(f'<text x="{x + 28}" y="{_n(y + 10)}" fill="{TEXT}">{label}</text>')
        x += 28 + len(label) * 0.6 * 11 + 18
    out.append(f'<text x="{MARGIN}" y="{_n(y + 28)}" fill="{TEXT}">{escape(LEGEND_TEXT)}</text>')
    out.append("</g>")
    return "\n".join(out)


def _n(value) -> str:
    """A coordinate with one decimal, without a trailing ``.0``."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text
