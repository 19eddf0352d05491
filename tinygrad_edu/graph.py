"""The graph: what a node is, and the orders in which to visit the nodes.

Every tensor is a node. One made by an op keeps that op (``_fn``: its ``vjp`` is the gradient
rule) and the op's inputs (``_parents``); a leaf has neither. ``Node`` names exactly what the
engine reads of a tensor, so this module (and the engine) need not import ``Tensor``.

Why a topological order? A tensor's gradient is complete only when every op that *used* it
has sent its share back (a tensor used twice gets the sum of both shares). Visiting the
nodes in reverse topological order guarantees that. An explicit stack instead of recursion
lets a chain of 100,000 ops work under Python's default recursion limit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Protocol, TypeVar

import numpy as np

from .function import Function

if TYPE_CHECKING:
    from typing_extensions import Self  # typing.Self from Python 3.11

Hook = Callable[[np.ndarray], "np.ndarray | None"]


class Node(Protocol):
    """A tensor as the engine sees it (``Tensor`` is the only implementation)."""

    requires_grad: bool
    name: str | None
    _data: np.ndarray
    _grad: np.ndarray | None
    _fn: Function | None
    _hooks: tuple[Hook, ...]
    _retain_grad: bool
    _changed_at: int

    @property
    def _parents(self) -> tuple[Self, ...]: ...

    @property
    def shape(self) -> tuple[int, ...]: ...


N = TypeVar("N", bound=Node)


def topological_order(root: N) -> list[N]:
    """Every node ``root`` depends on that requires grad, ``root`` first and each node before
    the nodes it was computed from: the order backward visits them.

    Depth-first search with an explicit stack: a node is appended once all its parents are
    done, which gives parents-before-children; reversed, that is children-before-parents.
    """
    order: list[N] = []
    visited: set[N] = set()  # tensors hash by identity
    stack: list[tuple[N, bool]] = [(root, False)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)
        elif node not in visited:
            visited.add(node)
            stack.append((node, True))
            for p in node._parents:
                if p.requires_grad and p not in visited:
                    stack.append((p, False))
    order.reverse()
    return order


def iter_graph(root: N) -> Iterator[N]:
    """Every tensor of root's graph, leaves and constants included, each once (no recursion)."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        t = stack.pop()
        if id(t) in seen:
            continue
        seen.add(id(t))
        yield t
        stack.extend(t._parents)


def add_hook(t: Node, fn: Hook) -> Callable[[], None]:
    """Add ``fn`` to t's hooks (``Tensor.register_hook``); returns a function that removes it."""
    if not callable(fn):
        raise TypeError(f"register_hook: expected a function of the gradient, got "
                        f"{type(fn).__name__} {fn!r}")
    if not t.requires_grad:
        raise RuntimeError("register_hook: this tensor does not require grad, so no "
                           "gradient will ever reach the hook; hook a tensor that does")
    t._hooks = (*t._hooks, fn)

    def remove() -> None:
        hooks = list(t._hooks)
        hooks.remove(fn)  # ValueError if it was removed already
        t._hooks = tuple(hooks)

    return remove
