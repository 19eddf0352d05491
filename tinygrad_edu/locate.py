"""Find the operation whose gradient rule is wrong.

``gradcheck`` says *that* the gradient of f is wrong; ``locate`` says *where*. It builds the
graph of f once and then checks every operation in it on its own. For an op with inputs
``a₀, a₁, ...`` and output ``out``, and a random upstream gradient ``G`` of out's shape:

    analytic:   vjp(G)[k]                     (summed over broadcast axes, as backward does)
    numerical:  Σ G · (op(aₖ + eps eᵢ) - op(aₖ - eps eᵢ)) / 2 eps,   for each element i of aₖ

where ``op(...)`` is a fresh instance of the op's class, run forward on the recorded input
values with the recorded parameters (``Function.params``). Each op is judged by its own
forward only, so whatever locate reports is wrong in itself, not because of its neighbours.
Ops are visited in forward order (closest to the inputs first) and the first wrong one is
returned: reading f from the top, the first mistake.

>>> import numpy as np
>>> import tinygrad_edu as tg
>>> class Square(tg.Function):
...     def forward(self, x):
...         self.x = x
...         return x * x
...     def vjp(self, g):
...         return (g * self.x,)          # wrong on purpose: should be 2·x·g
>>> x = tg.randn(3, rng=0, requires_grad=True)
>>> found = locate(lambda x: Square.apply(x.tanh()).sum(), x)
>>> found.op, found.position, found.input_shapes
('square', 2, ((3,),))
>>> locate(lambda x: (x.tanh() * 2).sum(), x) is None
True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .broadcasting import unbroadcast
from .function import Function, inherited_rule, rule_of
from .graph import topological_order
from .jacobian import Func, checked_inputs
from .modes import enable_grad
from .report import Checked, allowed_error, magnitude, rounding_floor
from .tensor import Tensor

__all__ = ["WrongGradient", "locate"]


@dataclass
class WrongGradient:
    """The first op of a graph whose vjp disagrees with its own forward.

    ``position`` counts from 1 in forward order, of ``len(forward_order)`` ops; ``input`` is
    which input of the op has the wrong gradient; ``index`` the worst element of it, with the
    ``analytic`` (vjp) and ``numerical`` values there; ``node`` the op's output tensor.
    """

    op: str
    position: int
    forward_order: tuple[str, ...]
    input_shapes: tuple[tuple[int, ...], ...]
    output_shape: tuple[int, ...]
    input: int
    problem: str
    index: tuple[int, ...] | None = None
    analytic: float | None = None
    numerical: float | None = None
    n_wrong: int = 0
    rule: str = ""
    rule_note: str = ""
    params: dict[str, Any] = field(default_factory=dict)
    node: Tensor | None = field(default=None, repr=False, compare=False)

    def __str__(self) -> str:
        shapes = ", ".join(str(s) for s in self.input_shapes)
        args = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        lines = [
            (f"locate: op {self.position} of {len(self.forward_order)} in forward order, "
             f"'{self.op}'{f' ({args})' if args else ''}, inputs {shapes} -> output "
             f"{self.output_shape}, has a wrong gradient for its input {self.input}:"),
            f"  {self.problem}",
        ]
        if self.rule:
            lines.append(f"  its rule says: {self.rule}")
        if self.rule_note:
            lines.append(f"  {self.rule_note}")
        names = [f"[{n}]" if k + 1 == self.position else n
                 for k, n in enumerate(self.forward_order)]
        lo = max(0, self.position - 4)
        shown = names[lo:self.position + 3]
        lines.append("  forward order: " + ("... " if lo else "") + " -> ".join(shown)
                     + (" ..." if self.position + 3 < len(names) else ""))
        return "\n".join(lines)

    __repr__ = __str__  # `assert locate(f, x) is None` then shows the whole story


def locate(f: Func, *inputs: Any, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
           seed: int | np.random.Generator = 0) -> WrongGradient | None:
    """Check every op of the graph ``f(*inputs)`` builds; return the first wrong one, or None.

    Inputs are as for ``gradcheck`` (float64; tensors a model holds are found through the
    graph, no ``wrt`` needed). An entry is wrong when
    ``|analytic - numerical| > atol' + rtol · |numerical|``, with atol scaled by the size of
    the gradient checked, as in ``gradcheck``. ``None`` means every op's rule
    agrees with its forward; if ``gradcheck`` fails anyway, the mistake is outside the ops:
    a step computed with ``.data`` or numpy (no gradient flows through it) or a hook.
    Cost: two runs of an op's forward per element of each of its inputs, so small inputs.
    """
    tensors = checked_inputs("locate", inputs)
    leaves = [Tensor(t.data, t.requires_grad) for t in tensors]
    with enable_grad():
        out = Checked("locate", f)(*leaves)
    if out._fn is None:
        raise ValueError(
            "locate: f recorded no operation, so there is nothing to check; give at least one "
            "input requires_grad=True (or let f use tensors that require grad)"
        )
    nodes = forward_order(out)
    names = tuple(n._fn.name for n in nodes if n._fn is not None)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    for position, node in enumerate(nodes, start=1):
        found = _check_node(node, rng, eps, atol, rtol, position)
        if found is not None:
            found.position, found.forward_order, found.node = position, names, node
            return found
    return None


def forward_order(root: Tensor) -> list[Tensor]:
    """The op outputs of root's graph, parents before children, shallowest first.

    Depth = 1 + the deepest parent (leaves are 0): sorting by it is a valid forward order
    and puts ops fed directly by the inputs first.
    """
    nodes = [n for n in topological_order(root)[::-1] if n._fn is not None]  # parents first
    depth: dict[int, int] = {}
    for n in nodes:
        depth[id(n)] = 1 + max((depth.get(id(p), 0) for p in n._parents), default=0)
    return [n for _, n in sorted(enumerate(nodes), key=lambda kn: (depth[id(kn[1])], kn[0]))]


def _rule_note(op: type[Function]) -> str:
    """Why no rule is shown when the one the class inherits was written for another vjp."""
    owner = inherited_rule(op)
    if owner is None:
        return ""
    return (f"no rule of its own: the text {owner.rule!r} it inherits was written for the vjp "
            f"of {owner.__name__}, which {op.__name__} overrides")


def _check_node(node: Tensor, rng: np.random.Generator, eps: float, atol: float, rtol: float,
                position: int) -> WrongGradient | None:
    fn = node._fn
    assert fn is not None
    op, params = type(fn), dict(fn.params)
    arrays = [p.data.copy() for p in node._parents]
    shapes = tuple(a.shape for a in arrays)

    def found(i: int, problem: str, **values: Any) -> WrongGradient:
        return WrongGradient(fn.name, position, (), shapes, node.shape, i, problem,
                             rule=rule_of(op), rule_note=_rule_note(op), params=params,
                             **values)

    def run(arrs: Sequence[np.ndarray], i: int, j: int) -> np.ndarray:
        try:
            out = op().forward(*arrs, **params)
        except Exception as e:
            raise ValueError(
                f"locate: the forward of '{fn.name}' (op {position}) failed when element "
                f"{j} of its input {i} was moved by ±{eps:g}: {e}. Keep the inputs at least "
                "eps away from the edges of its domain"
            ) from e
        # a copy: a forward may return a view of its input (reshape), which we perturb next
        return np.array(out, dtype=np.float64)

    fresh = op()
    again = np.asarray(fresh.forward(*[a.copy() for a in arrays], **params))
    if again.shape != node.shape or not np.allclose(again, node.data, equal_nan=True):
        return found(0, "running its forward again on the same inputs gives other values: "
                        "it must depend only on its inputs and parameters to be checked")
    fresh.needs_input_grad = tuple(p.requires_grad for p in node._parents)
    g_out = rng.standard_normal(node.shape)
    given = g_out.copy()
    try:
        grads = tuple(fresh.vjp(given))
    except Exception as e:  # noqa: BLE001 - any error of a user rule is the finding
        return found(0, f"its vjp raised {type(e).__name__}: {e}")
    if not np.array_equal(given, g_out):
        return found(0, "its vjp changed grad_out in place; other ops still need it: "
                        "compute a new array instead (g * x, not g *= x)")
    for i, parent in enumerate(node._parents):
        if not parent.requires_grad:
            continue
        g = grads[i] if i < len(grads) else None
        analytic = np.zeros(parent.shape) if g is None else np.asarray(g, dtype=np.float64)
        returned = analytic.shape
        if returned != parent.shape:
            try:
                analytic = unbroadcast(analytic, parent.shape)
            except (ValueError, IndexError):
                pass
            if analytic.shape != parent.shape:
                return found(i, f"its vjp returned shape {returned} for an input of shape "
                                f"{parent.shape}; it must be that shape or broadcast from it")
        numerical = np.empty(parent.shape)
        largest = magnitude(node.data)
        work = list(arrays)
        work[i] = target = arrays[i].copy()
        for j in range(target.size):
            orig = target.flat[j]
            target.flat[j] = orig + eps
            plus = run(work, i, j)
            target.flat[j] = orig - eps
            minus = run(work, i, j)
            target.flat[j] = orig
            largest = max(largest, magnitude(plus), magnitude(minus))
            numerical.flat[j] = np.sum(g_out * (plus - minus)) / (2 * eps)
        # what is differenced is Σ G·out, whose rounding grows with Σ|G|·|out|
        floor = rounding_floor(float(np.abs(g_out).sum()) * largest, eps)
        with np.errstate(invalid="ignore"):
            err = np.abs(analytic - numerical)
            bad = ~(err <= allowed_error(numerical, atol, rtol, floor))
        if bad.any():
            worst = np.unravel_index(int(np.argmax(np.where(bad, np.nan_to_num(err, nan=np.inf),
                                                             -1.0))), parent.shape)
            a, n = float(analytic[worst]), float(numerical[worst])
            idx = tuple(int(v) for v in worst)
            summed = (f" (its vjp's {returned} gradient summed over the broadcast axes)"
                      if returned != parent.shape else "")
            return found(i, f"at index {idx}, for a random upstream gradient G: vjp(G) gives "
                            f"{a:.8g}{summed}, central differences of its forward {n:.8g} "
                            f"(abs err {abs(a - n):.3g}); {int(bad.sum())} of {bad.size} "
                            "entries wrong",
                         index=idx, analytic=a, numerical=n, n_wrong=int(bad.sum()))
    return None
