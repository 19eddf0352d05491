"""The graph's visiting orders (graph.py): topological_order, the order backward visits the
nodes in, and iter_graph, every tensor of a graph once."""

from __future__ import annotations

import sys

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu import Tensor
from tinygrad_edu.graph import iter_graph, topological_order


def combine(op: str, a: Tensor, b: Tensor) -> Tensor:
    if op == "add":
        return a + b
    if op == "mul":
        return a * b
    return a.tanh() if op == "tanh" else a * 2.0  # "const": a constant operand


@st.composite
def random_graphs(draw: st.DrawFn) -> tuple[Tensor, list[Tensor]]:
    """A random DAG: a few leaves (some constant), then ops that each combine one or two
    earlier tensors (so shared nodes and diamonds are common). Returns the root (the sum of
    the last node) and every tensor made, leaves included."""
    n_leaves = draw(st.integers(1, 4))
    grads = draw(st.lists(st.booleans(), min_size=n_leaves, max_size=n_leaves))
    nodes = [Tensor([1.0 + k, 0.5], requires_grad=g) for k, g in enumerate(grads)]
    for _ in range(draw(st.integers(0, 12))):
        i = draw(st.integers(0, len(nodes) - 1))
        j = draw(st.integers(0, len(nodes) - 1))
        op = draw(st.sampled_from(["add", "mul", "tanh", "const"]))
        nodes.append(combine(op, nodes[i], nodes[j]))
    return nodes[-1].sum(), nodes


def reachable(root: Tensor) -> dict[int, Tensor]:
    """Every tensor root was computed from, by plain recursion (the graphs here are small)."""
    found: dict[int, Tensor] = {}

    def visit(t: Tensor) -> None:
        if id(t) not in found:
            found[id(t)] = t
            for p in t.parents:
                visit(p)

    visit(root)
    return found


@given(random_graphs())
def test_topological_order_visits_each_user_before_what_it_used(case):
    root, _ = case
    if not root.requires_grad:
        return  # built from constants only: nothing for backward to visit
    order = topological_order(root)
    position = {id(t): k for k, t in enumerate(order)}
    assert order[0] is root
    assert len(position) == len(order)  # each node once
    assert all(t.requires_grad for t in order)
    for t in order:
        for p in t.parents:
            if p.requires_grad:
                assert position[id(t)] < position[id(p)]


@given(random_graphs())
def test_topological_order_holds_exactly_the_nodes_that_require_grad(case):
    root, _ = case
    if not root.requires_grad:
        return
    expected = {k for k, t in reachable(root).items() if t.requires_grad}
    assert {id(t) for t in topological_order(root)} == expected


@given(random_graphs())
def test_iter_graph_yields_every_tensor_of_the_graph_once(case):
    root, _ = case
    seen = list(iter_graph(root))
    assert len({id(t) for t in seen}) == len(seen)
    assert {id(t) for t in seen} == set(reachable(root))  # constants and leaves included


def test_a_long_chain_is_ordered_without_recursion():
    limit = sys.getrecursionlimit()
    x = Tensor([1.0], requires_grad=True)
    y = x
    for _ in range(5 * limit):
        y = y * 1.0
    order = topological_order(y)
    assert len(order) == 5 * limit + 1 and order[0] is y and order[-1] is x
    assert sum(1 for _ in iter_graph(y)) == 2 * (5 * limit) + 1  # plus one constant per op


def test_a_diamond_is_ordered_so_the_shared_node_comes_after_both_users():
    x = Tensor([2.0], requires_grad=True)
    h = x * 3.0
    left, right = h.tanh(), h * h
    root = (left + right).sum()
    position = {id(t): k for k, t in enumerate(topological_order(root))}
    assert position[id(h)] > position[id(left)] and position[id(h)] > position[id(right)]
    order = topological_order(root)
    assert order[-1] is x
    root.backward()
    t = np.tanh(6.0)
    np.testing.assert_allclose(x.grad, [3.0 * (1 - t * t) + 2 * 6.0 * 3.0])


def test_nodes_made_under_no_grad_are_not_in_the_order():
    w = Tensor([1.0], requires_grad=True)
    with tg.no_grad():
        frozen = w * 5.0
    root = (frozen * w).sum()
    assert [t.op for t in topological_order(root)] == ["sum", "mul", None]
    assert any(t is frozen for t in iter_graph(root))
