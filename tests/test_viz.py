"""tg.viz (API.md §7): DOT text with one node per tensor and per op, that Graphviz parses;
render to a file of the asked format, or the .dot text and a message without Graphviz."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_edu as tg
import tinygrad_edu.functional as F
from tinygrad_edu import Tensor, graph, viz
from tinygrad_edu.testing import broadcastable_tensors

DOT = shutil.which("dot")
needs_dot = pytest.mark.skipif(DOT is None, reason="Graphviz's dot is not installed "
                               "(.ci/run installs it; the fallback is tested without it)")
NODE = re.compile(r"^\s+(t\d+|f\d+) \[label=\"((?:[^\"\\]|\\.)*)\"(.*)\];$")
EDGE = re.compile(r"^\s+(t\d+|f\d+) -> (t\d+|f\d+)(?: \[(.*)\])?;$")


def neuron() -> Tensor:
    w = Tensor([0.5, -0.25], requires_grad=True, name="w")
    x = Tensor([1.0, 2.0], name="x")
    b = Tensor(0.1, requires_grad=True, name="b")
    return F.squared_error(F.sigmoid(w.dot(x) + b), 1.0)


def layer_graph() -> Tensor:
    rng = np.random.default_rng(0)
    X = Tensor(rng.standard_normal((8, 3)), name="X")
    W = Tensor(rng.standard_normal((2, 3)), requires_grad=True, name="W")
    bias = Tensor(np.zeros(2), requires_grad=True, name="bias")
    h = (X @ W.T + bias).sigmoid()
    return F.mse(h * h + h, np.ones((8, 2)))  # h used three times


def parse(text: str) -> tuple[dict[str, tuple[str, str]], list[tuple[str, str, str]]]:
    """Nodes {id: (label, attributes)} and edges [(from, to, attributes)] of our DOT text."""
    nodes, edges = {}, []
    for line in text.splitlines():
        if (m := NODE.match(line)) is not None:
            assert m.group(1) not in nodes, f"node {m.group(1)} twice"
            nodes[m.group(1)] = (m.group(2).replace("\\n", "\n"), m.group(3))
        elif (m := EDGE.match(line)) is not None:
            edges.append((m.group(1), m.group(2), m.group(3) or ""))
    return nodes, edges


def graphviz_json(text: str) -> dict:
    done = subprocess.run([DOT, "-Tjson"], input=text.encode(), capture_output=True, check=True)
    return json.loads(done.stdout)


@pytest.mark.parametrize("make", [neuron, layer_graph])
def test_one_node_per_tensor_and_per_op(make):
    root = make()
    text = viz.to_dot(root)
    tensors = list(graph.iter_graph(root))
    ops = [t for t in tensors if not t.is_leaf]
    nodes, edges = parse(text)
    assert sum(k.startswith("t") for k in nodes) == len(tensors)
    assert sum(k.startswith("f") for k in nodes) == len(ops)
    # an edge from each input to its op and one from each op to its output
    assert len(edges) == sum(len(t.parents) for t in ops) + len(ops)
    assert all(a in nodes and b in nodes for a, b, _ in edges)
    assert text.startswith("digraph") and text.rstrip().endswith("}")


@needs_dot
@pytest.mark.parametrize("make", [neuron, layer_graph])
def test_graphviz_parses_it_with_the_same_nodes_and_edges(make):
    root = make()
    text = viz.to_dot(root)
    nodes, edges = parse(text)
    parsed = graphviz_json(text)
    assert sorted(o["name"] for o in parsed["objects"]) == sorted(nodes)
    assert len(parsed["edges"]) == len(edges)


def test_roles_values_and_gradients_in_the_labels():
    root = neuron()
    nodes, _ = parse(viz.to_dot(root))
    by_first_line = {label.split("\n")[0]: (label, attrs)
                     for k, (label, attrs) in nodes.items() if k.startswith("t")}
    w_label, w_attrs = by_first_line["w"]
    assert w_label == "w\nshape (2,)\nvalue [0.5, -0.25]"  # no grad before backward
    assert "#b7e4c7" in w_attrs  # a trainable parameter: green
    assert "dashed" in by_first_line["x"][1]  # an input: grey, dashed
    assert "doubleoctagon" in by_first_line["squared_error"][1]  # the final loss
    sig = [a for label, a in nodes.values() if label == "sigmoid"]
    assert len(sig) == 1 and "ellipse" in sig[0]  # the op node
    root.backward()
    w = next(t for t in graph.iter_graph(root) if t.name == "w")
    nodes, _ = parse(viz.to_dot(root))
    w_label = next(label for label, _ in nodes.values() if label.startswith("w\n"))
    assert w_label == f"w\nshape (2,)\nvalue [0.5, -0.25]\ngrad {tg.trace.summarize(w.grad)}"


def test_a_trace_shows_every_gradient():
    root = neuron()
    trace = tg.trace_backward(root, retain_graph=True)
    nodes, _ = parse(viz.to_dot(root, trace=trace))
    tensor_labels = [label for k, (label, _) in nodes.items() if k.startswith("t")]
    with_grad = [label for label in tensor_labels if "\ngrad " in label]
    # every tensor but the constants x and the target 1 has a gradient
    assert len(with_grad) == len(tensor_labels) - 2
    sig = next(label for label in tensor_labels if label.startswith("sigmoid\n"))
    assert sig.endswith("grad " + tg.trace.summarize(trace[0].grads_in[0]))


def test_a_loss_target_is_labelled_by_its_name_and_small_value():
    nodes, _ = parse(viz.to_dot(neuron()))
    labels = [label for k, (label, _) in nodes.items() if k.startswith("t")]
    # the number 1 given as squared_error's target t: "t = 1", the value not said twice
    assert "t = 1\nscalar" in labels and not any(label.startswith("1\n") for label in labels)
    nodes, _ = parse(viz.to_dot(F.mse(Tensor([0.2, 0.7], requires_grad=True), [0.0, 1.0])))
    assert "t\nshape (2,)\nvalue [0, 1]" in [label for label, _ in nodes.values()]


def test_large_values_are_summarised():
    a = Tensor(np.arange(100.0).reshape(10, 10), requires_grad=True, name="a")
    nodes, _ = parse(viz.to_dot(a.sum()))
    label = next(label for label, _ in nodes.values() if label.startswith("a\n"))
    assert label == "a\nshape (10, 10)\nmin 0 mean 49.5 max 99"


def edge_labels(root: Tensor, **kw) -> list[str]:
    _, edges = parse(viz.to_dot(root, **kw))
    return [attrs for _, _, attrs in edges if "summed" in attrs]


def test_broadcast_edges_name_the_summed_axes():
    x = Tensor(np.ones((4, 3)), name="x")
    b = Tensor(np.ones(3), requires_grad=True, name="b")
    (edge,) = edge_labels((x + b).sum())
    assert "in 1: grad summed over axis 0" in edge
    col = Tensor(np.ones((4, 1)), requires_grad=True)
    row = Tensor(np.ones((1, 3)), requires_grad=True)
    labels = edge_labels((col * row).sum())
    assert len(labels) == 2 and "axis 1" in labels[0] and "axis 0" in labels[1]
    s = Tensor(2.0, requires_grad=True)
    (edge,) = edge_labels((Tensor(np.ones((2, 3, 4))) * s).sum())
    assert "axes 0, 1, 2" in edge
    assert len(edge_labels((b * np.ones((5, 3))).sum())) == 1
    # a constant that broadcasts gets no gradient, so its edge says nothing
    assert edge_labels((Tensor(np.ones((5, 3)), requires_grad=True) * np.ones(3)).sum()) == []


@given(tensors=broadcastable_tensors(3), ops=st.lists(st.sampled_from(["add", "sub", "mul", "div"]),
                                                  min_size=2, max_size=2))
def test_elementwise_edges_agree_with_the_trace(tensors, ops):
    a, b, c = tensors
    apply = {"add": lambda x, y: x + y, "sub": lambda x, y: x - y,
             "mul": lambda x, y: x * y, "div": lambda x, y: x / (y * y + 1.0)}
    root = apply[ops[1]](apply[ops[0]](a, b), c).sum()
    nodes, _ = parse(viz.to_dot(root))
    assert len(nodes) == sum(1 for _ in graph.iter_graph(root)) + sum(
        1 for t in graph.iter_graph(root) if not t.is_leaf)
    from_shapes = edge_labels(root)
    assert from_shapes == edge_labels(root, trace=tg.trace_backward(root, retain_graph=True))


@pytest.mark.parametrize("shapes", [((5, 3, 4), (4, 2)), ((3, 4), (6, 4, 2)), ((4,), (6, 4, 2)),
                                    ((6, 1, 3, 4), (5, 4, 2)), ((3, 4), (4,)), ((4,), (4,))])
def test_matmul_edges_agree_with_the_trace(shapes):
    a = Tensor(np.ones(shapes[0]), requires_grad=True)
    b = Tensor(np.ones(shapes[1]), requires_grad=True)
    root = (a @ b).sum()
    from_shapes = edge_labels(root)
    trace = tg.trace_backward(root, retain_graph=True)
    assert from_shapes == edge_labels(root, trace=trace)


def test_deep_chain_needs_no_recursion():
    x = Tensor([1.0], requires_grad=True)
    y = x
    for _ in range(3000):
        y = y * 1.0
    nodes, _ = parse(viz.to_dot(y))
    assert len(nodes) == 1 + 3000 + 3000 + 3000  # x, 3000 constants, 3000 outputs, 3000 ops


def test_names_with_quotes_are_escaped():
    a = Tensor([1.0], requires_grad=True, name='say "hi" \\ bye')
    text = viz.to_dot((a * 2.0).sum())
    assert '\\"hi\\"' in text and "\\\\ bye" in text
    if DOT is not None:  # Graphviz read the quotes back; it keeps a backslash escaped
        labels = [o["label"] for o in graphviz_json(text)["objects"]]
        assert any(label.startswith('say "hi" \\\\ bye\\n') for label in labels)


# ---------------------------------------------------------------------------
# render and notebook display
# ---------------------------------------------------------------------------

MAGIC = {"svg": b"<svg", "png": b"\x89PNG", "pdf": b"%PDF"}


@needs_dot
@pytest.mark.parametrize("fmt", ["svg", "png", "pdf"])
def test_render_writes_the_asked_format(tmp_path, fmt):
    out = viz.render(layer_graph(), tmp_path / f"graph.{fmt}")
    assert out == tmp_path / f"graph.{fmt}"
    data = out.read_bytes()
    assert len(data) > 100 and MAGIC[fmt] in data[:400]


def test_render_without_graphviz_writes_dot_text_and_says_how(tmp_path, monkeypatch):
    monkeypatch.setattr(viz.shutil, "which", lambda name: None)
    with pytest.warns(viz.GraphvizMissingWarning, match="apt-get install graphviz") as rec:
        out = viz.render(neuron(), tmp_path / "graph.svg")
    assert out == tmp_path / "graph.dot" and not (tmp_path / "graph.svg").exists()
    assert out.read_text(encoding="utf-8").startswith("digraph")
    assert f"dot -Tsvg {out} -o {tmp_path / 'graph.svg'}" in str(rec[0].message)
    assert viz.to_dot(neuron())._repr_svg_() is None  # the notebook shows the text instead


def test_render_dot_suffix_and_bad_suffix(tmp_path):
    out = viz.render(neuron(), tmp_path / "g.gv")
    assert out.read_text(encoding="utf-8") == viz.to_dot(neuron())
    with pytest.raises(ValueError, match=r"\.svg, \.png, \.pdf"):
        viz.render(neuron(), tmp_path / "g.txt")


def test_a_bad_suffix_is_refused_before_any_directory_is_made(tmp_path):
    with pytest.raises(ValueError, match=r"cannot tell the picture format from '.*g.xyz'"):
        viz.render(neuron(), tmp_path / "a" / "b" / "g.xyz")
    assert not (tmp_path / "a").exists()


def test_a_failing_dot_is_reported(tmp_path, monkeypatch):
    fake = tmp_path / "dot"
    fake.write_text("#!/bin/sh\necho 'syntax error in line 1' >&2\nexit 3\n")
    fake.chmod(0o755)
    monkeypatch.setattr(viz.shutil, "which", lambda name: str(fake))
    with pytest.raises(RuntimeError, match=r"dot failed writing .*syntax error in line 1"):
        viz.render(neuron(), tmp_path / "g.png")


def test_dot_graph_is_text_that_draws_itself(tmp_path):
    g = viz.to_dot(neuron())
    assert isinstance(g, str) and repr(g) == str(g)
    if DOT is not None:
        svg = g._repr_svg_()
        assert svg is not None and "<svg" in svg
        assert g.render(tmp_path / "g.svg").read_text().lstrip().startswith("<?xml")
