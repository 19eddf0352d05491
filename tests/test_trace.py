"""trace_backward (API.md §7): one step per op in a valid order, the same gradients as
backward(), readable printing."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_edu as tg
import tinygrad_edu.functional as F
from tinygrad_edu import Tensor, graph
from tinygrad_edu.broadcasting import summed_axes
from tinygrad_edu.testing import broadcastable_tensors
from tinygrad_edu.trace import Trace, summarize, trace_backward


def neuron(t: float = 1.0) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """E = (σ(w·x + b) − t)², the neuron of the tutorials, with named tensors."""
    w = Tensor([0.5, -0.25, 0.1], requires_grad=True, name="w")
    x = Tensor([1.0, 2.0, -1.0], name="x")
    b = Tensor(0.1, requires_grad=True, name="b")
    E = F.squared_error(F.sigmoid(w.dot(x) + b), t)
    return E, w, x, b


def messy_graph(rng_seed: int = 0) -> tuple[Tensor, list[Tensor]]:
    """Broadcasting, a reused intermediate (a diamond), matmul, reductions and a loss."""
    rng = np.random.default_rng(rng_seed)
    X = Tensor(rng.standard_normal((5, 3)), name="X")
    W = Tensor(rng.standard_normal((2, 3)), requires_grad=True, name="W")
    bias = Tensor(rng.standard_normal(2), requires_grad=True, name="bias")
    scale = Tensor(rng.standard_normal((5, 1)), requires_grad=True, name="scale")
    h = (X @ W.T + bias).tanh()
    z = h * scale + h.sigmoid()  # h is used twice
    loss = F.mse(z, np.zeros((5, 2))) + (W * W).sum() * 0.01
    return loss, [W, bias, scale]


# ---------------------------------------------------------------------------
# the neuron, line by line
# ---------------------------------------------------------------------------


def test_neuron_trace_matches_the_hand_derivation():
    E, w, x, b = neuron(t=1.0)
    trace = trace_backward(E)
    assert [s.op for s in trace] == ["squared_error", "sigmoid", "add", "dot"]
    assert len(trace) == 4
    # by hand: y = σ(u), u = w·x + b;  dE/dy = 2(y − t), dy/du = y(1 − y), du/dw = x, du/db = 1
    u = w.data @ x.data + 0.1
    y = 1.0 / (1.0 + np.exp(-u))
    dE_dy = 2.0 * (y - 1.0)
    dE_du = dE_dy * y * (1.0 - y)
    se, sig, add, dot = trace
    np.testing.assert_allclose(se.grad_out, 1.0)
    np.testing.assert_allclose(se.grads_in[0], dE_dy, rtol=1e-12)
    assert se.grads_in[1] is None  # the target needs no gradient
    np.testing.assert_allclose(sig.grad_out, dE_dy, rtol=1e-12)
    np.testing.assert_allclose(sig.grads_in[0], dE_du, rtol=1e-12)
    np.testing.assert_allclose(add.grads_in, [dE_du, dE_du], rtol=1e-12)
    np.testing.assert_allclose(dot.grads_in[0], dE_du * x.data, rtol=1e-12)
    assert dot.grads_in[1] is None
    assert sig.rule == "dσ/dx = σ·(1−σ)"
    assert dot.input_shapes == ((3,), (3,)) and dot.output_shape == ()
    # the leaves got exactly these gradients
    np.testing.assert_allclose(w.grad, dE_du * x.data, rtol=1e-12)
    np.testing.assert_allclose(b.grad, dE_du, rtol=1e-12)


def test_neuron_table_is_short_and_shows_the_numbers():
    E, w, _, _ = neuron()
    text = str(trace_backward(E))
    lines = text.splitlines()
    # a title, the header, a rule, and one line per (step, input): 2 + 1 + 2 + 2 inputs
    assert len(lines) == 3 + 2 + 1 + 2 + 2
    assert lines[1].split()[:3] == ["step", "op", "output"]
    for op in ("squared_error", "sigmoid", "add", "dot"):
        assert op in text
    assert "dσ/dx = σ·(1−σ)" in text and "dE/dy = 2(y − t)" in text
    w_line = next(line for line in lines if " w (3,) " in line)
    assert summarize(w.grad) in w_line
    # columns are aligned: every "input" cell starts at the same offset
    col = lines[1].index("input  ")
    for line in lines[3:]:
        assert line[col - 2: col] == "  " and line[col] != " "
    assert repr(trace_backward(neuron()[0])) == text  # the REPL shows the table too


def test_print_and_html(capsys):
    E, *_ = neuron()
    trace = trace_backward(E)
    print(trace)
    out = capsys.readouterr().out
    assert out.strip() == str(trace).strip()
    html = trace._repr_html_()
    assert html.startswith("<table>") and html.count("<tr>") == 1 + len(trace.rows())
    assert "σ·(1−σ)" in html


def test_large_values_are_summarised():
    a = Tensor(np.arange(200.0).reshape(20, 10), requires_grad=True, name="a")
    trace = trace_backward((a * 2.0).mean())
    text = str(trace)
    assert "min 0.01 mean 0.01 max 0.01" in text  # the gradient 2/200 sent to a
    assert max(len(line) for line in text.splitlines()) < 200


# ---------------------------------------------------------------------------
# structure: one step per op, topological order, gradients equal backward()
# ---------------------------------------------------------------------------


def check_trace_against_backward(make: object) -> Trace:
    """Trace one copy of the graph, backward() another: every number must agree."""
    loss, params = make()  # type: ignore[operator]
    ops = [t for t in graph.iter_graph(loss) if not t.is_leaf]
    trace = trace_backward(loss)
    # one step per op, each op once
    assert len(trace) == len(ops)
    assert {id(s.output) for s in trace} == {id(t) for t in ops}
    # topological: a tensor's step runs after the steps of every op that used it
    position = {id(s.output): k for k, s in enumerate(trace)}
    for k, s in enumerate(trace):
        for p in s.inputs:
            if not p.is_leaf:
                assert position[id(p)] > k
    # shapes and grads
    for s in trace:
        assert s.output_shape == s.output.shape and s.grad_out.shape == s.output.shape
        for inp, g in zip(s.inputs, s.grads_in, strict=True):
            assert g is None or g.shape == inp.shape
    loss2, params2 = make()  # type: ignore[operator]
    for t in graph.iter_graph(loss2):
        if not t.is_leaf:
            t.retain_grad()
    loss2.backward()
    for p, p2 in zip(params, params2, strict=True):
        np.testing.assert_array_equal(p.grad, p2.grad)
        np.testing.assert_array_equal(trace.grad_of(p), p2.grad)
    # every intermediate's gradient, as grad_out of its step
    inner2 = [t for t in graph.iter_graph(loss2) if not t.is_leaf]
    for t, t2 in zip(ops, inner2, strict=True):
        assert t.op == t2.op
        np.testing.assert_array_equal(trace.grad_of(t), t2.grad)
    return trace


def test_messy_graph_one_step_per_op_and_same_gradients():
    trace = check_trace_against_backward(messy_graph)
    adds = [s for s in trace if s.op == "add" and s.input_shapes == ((5, 2), (2,))]
    assert len(adds) == 1 and adds[0].summed_axes == ((), (0,))
    muls = [s for s in trace if s.op == "mul" and s.input_shapes == ((5, 2), (5, 1))]
    assert muls[0].summed_axes == ((), (1,))


@given(pair=broadcastable_tensors(2), seed=st.integers(0, 2**16))
def test_broadcast_sums_match_the_shapes(pair, seed):
    a, b = pair
    G = np.random.default_rng(seed).standard_normal(np.broadcast_shapes(a.shape, b.shape))
    out = a * b
    trace = trace_backward(out, grad=G)
    (step,) = trace.steps
    assert step.summed_axes == tuple(summed_axes(out.shape, t.shape) for t in (a, b))
    np.testing.assert_allclose(step.grads_in[0], a.grad, rtol=0, atol=0)
    np.testing.assert_allclose(step.grads_in[1], b.grad, rtol=0, atol=0)
    expected_a = (G * b.data).sum(axis=summed_axes(out.shape, a.shape)).reshape(a.shape)
    np.testing.assert_allclose(a.grad, expected_a, rtol=1e-12, atol=1e-12)


def test_a_trace_accumulates_into_grad_like_backward():
    E, w, _, _ = neuron()
    E.backward(retain_graph=True)
    first = w.grad.copy()
    trace_backward(E)
    np.testing.assert_allclose(w.grad, 2 * first, rtol=1e-12)


def test_non_scalar_needs_grad_and_grad_must_match():
    a = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"shape \(2,\).*\.sum\(\)"):
        trace_backward(a * 2.0)
    with pytest.raises(tg.ShapeError, match=r"grad has shape \(3,\)"):
        trace_backward(a * 2.0, grad=np.ones(3))
    trace = trace_backward(a * 2.0, grad=[1.0, -1.0])
    np.testing.assert_allclose(a.grad, [2.0, -2.0])
    np.testing.assert_allclose(trace[0].grad_out, [1.0, -1.0])


def test_no_grad_tensor_and_freed_graph():
    with pytest.raises(RuntimeError, match="does not require grad"):
        trace_backward(Tensor([1.0]).sum())
    E, *_ = neuron()
    trace_backward(E)
    with pytest.raises(RuntimeError, match="retain_graph"):
        trace_backward(E)
    E, *_ = neuron()
    first = trace_backward(E, retain_graph=True)
    second = trace_backward(E)
    assert [s.op for s in first] == [s.op for s in second]


def test_rule_falls_back_to_the_docstring_for_a_user_op():
    class Cube(tg.Function):
        """out = x³;  dL/dx = 3x² G"""

        def forward(self, x):
            self.x = x
            return x**3

        def vjp(self, g):
            return (3 * self.x**2 * g,)

    x = Tensor([1.0, 2.0], requires_grad=True)
    trace = trace_backward(tg.apply(Cube, x).sum())
    assert trace[1].op == "cube" and trace[1].rule == "out = x³;  dL/dx = 3x² G"
    np.testing.assert_allclose(trace[1].grads_in[0], [3.0, 12.0])


def test_labels_for_unnamed_tensors():
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = Tensor([3.0, 4.0], requires_grad=True)
    text = str(trace_backward(((a + b) + (a * b)).sum()))
    # the two adds are told apart in forward order; unnamed leaves numbered as first used
    assert "add#1 (2,)" in text and "leaf#1 (2,)" in text and "leaf#2 (2,)" in text


def test_lazy_name_and_summaries():
    assert tg.trace_backward is trace_backward
    assert summarize(np.array(3.14159)) == "3.142"
    assert summarize(np.array([[1.0, 2.0], [3.0, 4.0]])) == "[[1, 2], [3, 4]]"
    assert summarize(np.zeros((0, 3))) == "empty (0, 3)"
    assert summarize(np.array([np.inf, -np.inf, 0, 0, 0, 0, 0])) == "min -inf mean nan max inf"
