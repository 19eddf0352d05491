"""viz.explore without a browser: the page's data (payload), its escaping, the layout, and
what the explorer does to the user's gradients before and after backward()."""

from __future__ import annotations

import doctest
import html
import json
import re
import shutil
import warnings

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.functional as F
from tinygrad_edu import explore, explore_layout
from tinygrad_edu.cli import main
from tinygrad_edu.explore import build_payload, demo_loss
from tinygrad_edu.explore_layout import collapse_chains, layered_layout, layout
from tinygrad_edu.explore_page import Explorer, _asset, array_lines, json_for_script

HAS_DOT = shutil.which("dot") is not None


def neuron_on_a_batch():
    """p = sigmoid(X @ w + b) for a batch of 3, binary cross-entropy (the browser test's)."""
    X = tg.Tensor([[0.5, -1.0], [1.5, 2.0], [-0.25, 0.75]], name="X")
    w = tg.Tensor([0.3, -0.6], requires_grad=True, name="w")
    b = tg.Tensor(0.1, requires_grad=True, name="b")
    loss = F.binary_cross_entropy(F.sigmoid(X @ w + b), tg.Tensor([1.0, 0.0, 1.0], name="t"))
    return loss, w, b


def page_data(page_html: str) -> dict:
    """The JSON block of a page, read back as the page's script reads it."""
    found = re.search(r'<script type="application/json" id="payload">(.*?)</script>',
                      page_html, re.DOTALL)
    assert found is not None
    return json.loads(found.group(1))


def backward_steps(payload):
    return [s for s in payload["steps"] if s["kind"] == "backward"]


def test_the_docstring_examples_run():
    result = doctest.testmod(explore)
    assert result.attempted >= 5 and result.failed == 0


# ----- the payload follows trace_backward -----

def test_backward_steps_are_trace_backwards_in_its_order_with_its_numbers():
    loss, _, _ = neuron_on_a_batch()
    payload = build_payload(loss)
    trace = tg.trace_backward(loss, retain_graph=True)
    steps = backward_steps(payload)
    assert [s["op"] for s in steps] == [s.op for s in trace] == [
        "binary_cross_entropy", "sigmoid", "add", "matmul"]
    arrays = payload["arrays"]
    for mine, theirs in zip(steps, trace, strict=True):
        assert mine["rule"] == theirs.rule
        assert mine["axes"] == [list(a) for a in theirs.summed_axes]
        assert arrays[mine["g_out"]]["lines"] == array_lines(theirs.grad_out)
        for k, g in zip(mine["g_in"], theirs.grads_in, strict=True):
            assert (k is None) == (g is None)
            if g is not None:
                assert arrays[k]["lines"] == array_lines(g)
    add = steps[2]
    assert add["axes"] == [[], [0]]  # the bias was broadcast over the batch
    bias_edge = payload["edges"][payload["tensors"][add["t"]]["in_edges"][1]]
    assert bias_edge["summed"] and "Σ axis 0" in bias_edge["label"]


def test_the_full_values_hold_six_significant_digits():
    loss, w, _ = neuron_on_a_batch()
    payload = build_payload(loss)
    tensors = payload["tensors"]
    (wk,) = [k for k, t in enumerate(tensors) if t["label"] == "w"]
    full = payload["arrays"][tensors[wk]["final_grad"]]["full"]
    tg.trace_backward(loss)
    shown = np.array([float(v) for v in re.findall(r"-?[\d.]+(?:e[+-]?\d+)?", full)])
    # six significant digits: each printed value is within 5e-6 of the true one, relatively
    np.testing.assert_allclose(shown, w.grad, rtol=5e-6)


def test_forward_steps_compute_each_op_after_its_inputs():
    loss, _, _ = neuron_on_a_batch()
    payload = build_payload(loss)
    tensors = payload["tensors"]
    ready = {k for k, t in enumerate(tensors) if t["op"] is None}
    forward = [s["t"] for s in payload["steps"] if s["kind"] == "forward"]
    assert len(forward) == sum(t["op"] is not None for t in tensors) == 4
    for k in forward:
        assert set(tensors[k]["parents"]) <= ready
        ready.add(k)
    kinds = [s["kind"] for s in payload["steps"]]
    assert kinds == ["start"] + ["forward"] * 4 + ["backward"] * 4 + ["done"]


def test_a_tensor_used_twice_shows_its_gradient_accumulating():
    x = tg.Tensor([1.0, -2.0], requires_grad=True, name="x")
    loss = (x * x + x).sum()  # dL/dx = 2x + 1, arriving from add and from mul (twice)
    payload = build_payload(loss)
    arrays = payload["arrays"]
    sums = [arrays[k]["lines"] for s in backward_steps(payload) for k in s["acc"] if k is not None]
    assert sums[-1] == array_lines(np.array([3.0, -3.0]))
    firsts = [s["acc"][0] for s in backward_steps(payload) if s["op"] == "add"]
    assert firsts == [None]  # the first contribution is not a sum yet
    (xk,) = [k for k, t in enumerate(payload["tensors"]) if t["label"] == "x"]
    assert arrays[payload["tensors"][xk]["final_grad"]]["lines"] == ["[3, -3]"]


def test_array_lines():
    assert array_lines(np.array(0.5)) == ["0.5"]
    assert array_lines(np.array([1.0, 2.0])) == ["[1, 2]"]
    assert array_lines(np.arange(6.0)) == ["[0, 1, 2, 3,", " 4, 5]"]
    assert array_lines(np.array([[1.0, 2.0], [3.0, 4.0]])) == ["[1, 2]", "[3, 4]"]
    assert array_lines(np.arange(17.0)) == ["min 0 mean 8 max 16"]
    assert array_lines(np.zeros((0, 3))) == ["empty (0, 3)"]
    assert array_lines(np.array([np.nan, np.inf, -np.inf])) == ["[nan, inf, -inf]"]


# ----- the user's gradients -----

def test_before_backward_the_users_grad_is_untouched_and_backward_still_works():
    loss, w, b = neuron_on_a_batch()
    payload = build_payload(loss)
    assert payload["status"] == "traced" and payload["notes"] == []
    assert w.grad is None and b.grad is None
    loss.backward()  # the explorer kept the graph (retain_graph=True)
    tensors, arrays = payload["tensors"], payload["arrays"]
    for t in (w, b):
        (k,) = [k for k, x in enumerate(tensors) if x["label"] == t.name]
        assert arrays[tensors[k]["final_grad"]]["lines"] == array_lines(t.grad)


def test_after_backward_with_retain_graph_the_grad_arrays_are_the_same_objects():
    loss, w, _ = neuron_on_a_batch()
    loss.backward(retain_graph=True)
    loss.backward(retain_graph=True)  # accumulated twice: the page shows one pass
    before = w.grad
    kept = w.grad.copy()
    payload = build_payload(loss)
    assert w.grad is before
    np.testing.assert_array_equal(w.grad, kept)
    (k,) = [k for k, x in enumerate(payload["tensors"]) if x["label"] == "w"]
    one_pass = payload["arrays"][payload["tensors"][k]["final_grad"]]["lines"]
    assert one_pass == array_lines(kept / 2)


def test_exploring_warns_nothing():
    loss, _, _ = neuron_on_a_batch()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. reading an inner tensor's .grad warns
        build_payload(loss)
        loss.backward()
        build_payload(loss)  # freed: the .grad that backward left


def test_retained_gradients_of_inner_tensors_are_restored():
    x = tg.Tensor([1.0, 2.0], requires_grad=True)
    h = x.exp()
    h.retain_grad()
    build_payload(h.sum())
    assert h.grad is None and x.grad is None


def test_after_a_freeing_backward_the_page_shows_forward_and_the_grad_left():
    loss, w, _ = neuron_on_a_batch()
    loss.backward()  # frees the saved values
    kept = w.grad.copy()
    payload = build_payload(loss)
    assert payload["status"] == "freed"
    assert "retain_graph=True" in payload["notes"][0]
    assert {s["kind"] for s in payload["steps"]} == {"start", "forward", "done"}
    np.testing.assert_array_equal(w.grad, kept)
    (k,) = [k for k, x in enumerate(payload["tensors"]) if x["label"] == "w"]
    assert payload["arrays"][payload["tensors"][k]["final_grad"]]["lines"] == array_lines(kept)


def test_a_tensor_without_grad_has_no_graph_and_says_so():
    x = tg.Tensor([1.0, 2.0], name="x")
    payload = build_payload((x * 3.0).sum())  # nothing required grad: nothing was recorded
    assert payload["status"] == "no_grad" and "requires_grad=True" in payload["notes"][0]
    assert [s["kind"] for s in payload["steps"]] == ["start", "done"]


def test_other_errors_are_not_hidden():
    w = tg.Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="pass grad="):
        build_payload(w * 2.0)  # not a scalar, no grad given
    payload = build_payload(w * 2.0, grad=np.array([1.0, -1.0]))
    assert payload["status"] == "traced"
    with pytest.raises(TypeError, match="explore: expected a Tensor"):
        tg.viz.explore(np.ones(3))


def test_a_leaf_and_float32_work():
    w = tg.Tensor([1.0, 2.0], requires_grad=True, dtype=np.float32, name="w")
    payload = build_payload((w * w).sum())
    assert backward_steps(payload)[0]["op"] == "sum"
    leaf = tg.Tensor(3.0, requires_grad=True)
    assert [s["kind"] for s in build_payload(leaf)["steps"]] == ["start", "done"]


# ----- the page and its safety -----

EVIL = '</script><script>alert("x")</script> & {{JS}} \u2028'


def test_names_are_escaped_and_the_page_holds_only_its_own_script():
    x = tg.Tensor([1.0, 2.0], requires_grad=True, name=EVIL)
    page = Explorer(build_payload((x * x).sum())).html
    assert page.count("<script") == 2  # the JSON block and the explorer's script
    assert "</script><script>" not in page and EVIL not in page
    labels = [t["label"] for t in page_data(page)["tensors"]]
    assert EVIL in labels  # read back by JSON.parse, the name is exact (shown as text)
    assert page.count(_asset("explore.js")) == 1  # "{{JS}}" in a name fills no slot


def test_json_for_script_escapes_what_could_close_the_block():
    text = json_for_script({"a": "</script><!-- & \u2028"})
    assert not re.search(r"[<>&\u2028]", text)
    assert json.loads(text) == {"a": "</script><!-- & \u2028"}


def test_the_page_needs_no_network_and_allows_only_its_own_script_and_style():
    page = Explorer(build_payload(demo_loss())).html
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1)
    assert "default-src 'none'" in csp and "unsafe" not in csp
    assert len(re.findall(r"'sha256-[A-Za-z0-9+/=]+'", csp)) == 2
    # the only URL is the SVG namespace, a name that is never fetched
    assert set(re.findall(r"https?://[^\s\"')]+", page)) == {"http://www.w3.org/2000/svg"}
    assert not re.search(r"\s(src|href)=", page)


def test_repr_html_is_the_page_in_an_iframe():
    explorer = tg.viz.explore(demo_loss())
    assert isinstance(explorer, Explorer)
    shown = explorer._repr_html_()
    srcdoc = re.search(r'srcdoc="([^"]*)"', shown).group(1)
    assert html.unescape(srcdoc) == explorer.html
    assert 'sandbox="allow-scripts"' in shown
    assert repr(explorer).startswith("<Explorer of 'binary_cross_entropy': 8 tensors, 10 steps")


def test_explore_with_a_path_writes_the_page(tmp_path):
    out = tg.viz.explore(demo_loss(), tmp_path / "new" / "page.html")
    assert out == tmp_path / "new" / "page.html"
    text = out.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and "binary_cross_entropy" in text
    assert [p.name for p in out.parent.iterdir()] == ["page.html"]  # no temporary file left


def test_the_command_line_writes_the_demo_page(tmp_path, capsys):
    assert main(["explore", "--output", str(tmp_path / "demo.html")]) == 0
    printed = capsys.readouterr().out.strip()
    assert printed == str((tmp_path / "demo.html").resolve())
    ops = [s["op"] for s in backward_steps(page_data((tmp_path / "demo.html").read_text()))]
    assert ops == ["binary_cross_entropy", "sigmoid", "add", "matmul"]


# ----- layout -----

def _check_left_to_right(drawing, edges):
    for a, b in edges:
        xa, _, wa, _ = drawing.boxes[a]
        assert xa + wa < drawing.boxes[b][0], (a, b)
    for i, (x, y, w, h) in enumerate(drawing.boxes):
        assert 0 <= x and x + w <= drawing.width + 1e-6 and 0 <= y and y + h <= drawing.height
        for j in range(i):  # no two boxes overlap
            x2, y2, w2, h2 = drawing.boxes[j]
            assert x + w <= x2 or x2 + w2 <= x or y + h <= y2 or y2 + h2 <= y, (i, j)


DIAMOND = [(0, 2), (1, 2), (2, 3), (2, 4), (3, 5), (4, 5), (5, 6)]


def test_the_layered_layout_runs_left_to_right_without_overlaps():
    sizes = [(80.0, 40.0)] * 7
    drawing = layered_layout(sizes, DIAMOND)
    assert drawing.engine == "layered"
    _check_left_to_right(drawing, DIAMOND)
    assert len(drawing.edges) == len(DIAMOND)
    assert drawing.edges[0]["d"].startswith("M")


def test_the_layered_layout_puts_a_leaf_next_to_its_user():
    # leaf 3 feeds only the last op: it sits one column left of it, not in column 0
    drawing = layered_layout([(50.0, 30.0)] * 5, [(0, 1), (1, 2), (2, 4), (3, 4)])
    assert drawing.boxes[3][0] == drawing.boxes[2][0]


@pytest.mark.skipif(not HAS_DOT, reason="Graphviz's dot is not installed")
def test_the_graphviz_layout_runs_left_to_right_without_overlaps():
    drawing = layout([(80.0, 40.0)] * 7, DIAMOND)
    assert drawing.engine == "graphviz"
    _check_left_to_right(drawing, DIAMOND)


def test_without_graphviz_the_built_in_layout_is_used(monkeypatch):
    monkeypatch.setattr(explore_layout.shutil, "which", lambda name: None)
    assert build_payload(demo_loss())["layout"] == "layered"
    with pytest.raises(RuntimeError, match="layered"):
        layout([(10.0, 10.0)], [], "graphviz")
    with pytest.raises(ValueError, match="'auto', 'graphviz' or 'layered'"):
        layout([(10.0, 10.0)], [], "circle")


def test_graphviz_plain_output_is_read_with_y_pointing_down():
    plain = ("graph 1 2 1\nnode n0 0.5 0.75 0.5 0.25 \"\" solid box black lightgrey\n"
             "node n1 1.5 0.25 0.5 0.25 \"\" solid box black lightgrey\n"
             "edge n0 n1 4 0.75 0.75 1 0.75 1 0.25 1.25 0.25 solid black\nstop\n")
    drawing = explore_layout._parse_plain(plain, [(36.0, 18.0)] * 2, [(0, 1)])
    m = explore_layout._MARGIN
    assert drawing.boxes[0][:2] == [36 - 18 + m, 72 - 54 - 9 + m]  # centre (36, 18) from the top
    assert drawing.edges[0]["d"].startswith(f"M{54 + m:.1f},{18 + m:.1f} C")


def test_long_chains_collapse_to_their_ends():
    # x -> 20 one-input ops; each op also takes a private constant (like h * 0.5)
    parents: list[list[int]] = [[]]  # node 0: x
    prev = 0
    for _ in range(20):
        parents.append([])  # a constant only this op uses
        parents.append([prev, len(parents) - 1])
        prev = len(parents) - 1
    ops = [k for k, p in enumerate(parents) if p]
    boxes = collapse_chains(parents)
    kept = [k for k in ops if boxes.count(boxes[k]) == 1]
    assert kept == ops[:3] + ops[-3:]
    middle = {boxes[k] for k in ops[3:-3]}
    assert len(middle) == 1
    assert boxes.count(middle.pop()) == 2 * 14  # 14 ops and their constants
    assert collapse_chains(parents, longest=30) == list(range(len(parents)))


def test_a_tensor_with_two_users_ends_a_chain():
    assert collapse_chains([[], [0], [1], [2]], longest=3, keep=0) == [0, 1, 1, 1]
    # 0 -> 1 -> 2 and 1 -> 3 -> 4: node 1 has two users, so no run is 3 long
    assert collapse_chains([[], [0], [1], [1], [3]], longest=3, keep=0) == [0, 1, 2, 3, 4]


def test_a_big_graph_collapses_its_chains_and_keeps_every_step():
    x = tg.Tensor([0.5, -0.5], requires_grad=True, name="x")
    h = x
    for _ in range(450):
        h = h.tanh()
    payload = build_payload(h.sum(), layout_engine="layered")
    assert len(payload["tensors"]) == 452
    # x, the first 3 tanh, one box for the middle, the last 2 tanh and the sum
    assert len(payload["boxes"]) == 1 + 3 + 1 + 3
    assert "collapsed" in payload["notes"][0]
    assert len(backward_steps(payload)) == 451
