"""Jacobians two ways, the pieces ``gradcheck`` and ``locate`` share.

The Jacobian of ``out = f(x)`` has one row per output element and one column per input
element: ``J[o, i] = d out.flat[o] / d x.flat[i]``.

- *Numerically*, column i is a central difference: ``(f(x + eps eᵢ) - f(x - eps eᵢ)) / 2 eps``.
  Its error is O(eps²) from the Taylor series plus O(ε_machine · |f| / eps) from rounding;
  with float64 (ε ≈ 2e-16) and eps = 1e-6 both are near 1e-10, so a rule that is wrong by
  more than about 1e-6 relative shows clearly. float32 (ε ≈ 1e-7) would drown it in noise.
- *Analytically*, row o is one backward pass seeded with the one-hot gradient ``eₒ``: a
  backward pass computes ``uᵀ J`` for any seed ``u`` (a vector-Jacobian product).

>>> import numpy as np
>>> from tinygrad_edu import Tensor
>>> x = np.array([1.0, 2.0])
>>> numerical_jacobian(lambda x: x * x, [x], x, 1e-6).round(6)
array([[2., 0.],
       [0., 4.]])
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .modes import enable_grad, no_grad
from .tensor import Tensor

Func = Callable[..., Any]


def checked_inputs(caller: str, inputs: Sequence[Any]) -> list[Tensor]:
    """The inputs as float64 Tensors (arrays and numbers become constants), or a TypeError."""
    out = []
    for i, x in enumerate(inputs):
        if not isinstance(x, Tensor):
            arr = np.asarray(x)
            if arr.dtype.kind != "f":
                raise TypeError(
                    f"{caller}: input {i} has dtype {arr.dtype}; give float64 values (numerical "
                    "differences need real numbers; close over integer constants such as class "
                    "indices with a lambda instead of passing them)"
                )
            x = Tensor(arr)
        _check_float64(caller, f"input {i}", x)
        out.append(x)
    return out


def checked_wrt(caller: str, wrt: Sequence[Any]) -> list[Tensor]:
    """Extra tensors ``f`` reads by itself (a model's parameters): float64, requiring grad."""
    params = list(wrt)
    for j, p in enumerate(params):
        if not isinstance(p, Tensor) or not p.requires_grad:
            raise TypeError(
                f"{caller}: wrt[{j}] must be a Tensor with requires_grad=True (e.g. one of "
                f"model.parameters()), got {type(p).__name__}"
                + ("" if not isinstance(p, Tensor) else " with requires_grad=False")
            )
        _check_float64(caller, f"wrt[{j}]", p)
    return params


def _check_float64(caller: str, label: str, t: Tensor) -> None:
    if t.dtype != np.float64:
        raise TypeError(
            f"{caller}: {label} is {t.dtype}; use float64 (dtype=np.float64). Central "
            "differences subtract two nearly equal values of f: float32 keeps ~7 digits, so "
            "with eps = 1e-6 the difference is mostly rounding noise, and a larger eps makes "
            "the Taylor error large; no tolerance separates right from wrong rules"
        )


def evaluate(f: Func, arrays: Sequence[np.ndarray]) -> np.ndarray:
    """``f`` on constant tensors made from ``arrays`` (no graph), as a float64 array."""
    with no_grad():
        out = f(*[Tensor(a) for a in arrays])
    return np.array(out.data if isinstance(out, Tensor) else out, dtype=np.float64)


def numerical_jacobian(f: Func, arrays: Sequence[np.ndarray], target: np.ndarray,
                       eps: float) -> np.ndarray:
    """J (n_out, target.size) by central differences in each element of ``target``.

    ``target`` is one of ``arrays`` or an array ``f`` reads by itself (a parameter's data); it
    is changed in place one element at a time and restored exactly.
    """
    columns = []
    for i in range(target.size):
        orig = target.flat[i]
        try:
            target.flat[i] = orig + eps
            plus = evaluate(f, arrays)
            target.flat[i] = orig - eps
            minus = evaluate(f, arrays)
        finally:
            target.flat[i] = orig
        # subtract elementwise first: outputs that do not move cancel exactly
        columns.append(((plus - minus) / (2 * eps)).ravel())
    if not columns:
        return np.zeros((evaluate(f, arrays).size, 0))
    return np.stack(columns, axis=1)


def directional_derivative(f: Func, arrays: Sequence[np.ndarray], target: np.ndarray,
                           v: np.ndarray, u: np.ndarray, eps: float) -> float:
    """``uᵀ J v`` by one central difference along ``v``: two evaluations of f, any size."""
    orig = target.copy()
    try:
        target[...] = orig + eps * v
        plus = evaluate(f, arrays)
        target[...] = orig - eps * v
        minus = evaluate(f, arrays)
    finally:
        target[...] = orig
    return float(np.sum(u * (plus - minus))) / (2 * eps)


class Backward:
    """The graph of ``f`` built once; ``self(seed)`` runs one backward pass seeded with ``seed``
    and returns ``seedᵀ J`` for every checked tensor (inputs with requires_grad, then wrt).

    Use it as a context manager: the ``.grad`` of the ``wrt`` tensors is restored on exit.
    """

    def __init__(self, f: Func, inputs: Sequence[Tensor], wrt: Sequence[Tensor]) -> None:
        # fresh leaves sharing the data: the caller's tensors get no graph and no .grad
        leaves = [Tensor(t.data, t.requires_grad) for t in inputs]
        self.checked = [t for t in leaves if t.requires_grad] + list(wrt)
        self._wrt, self._saved = list(wrt), [p.grad for p in wrt]
        with enable_grad():
            out = f(*leaves)
        self.recorded = isinstance(out, Tensor) and out.requires_grad
        self._out = out if isinstance(out, Tensor) else None
        self.out = np.array(out.data if isinstance(out, Tensor) else out, dtype=np.float64)

    def __enter__(self) -> Backward:
        return self

    def __exit__(self, *exc: object) -> None:
        for p, g in zip(self._wrt, self._saved, strict=True):
            p.grad = g

    def __call__(self, seed: np.ndarray) -> list[np.ndarray]:
        for t in self.checked:
            t.grad = None
        if self.recorded and self._out is not None:
            self._out.backward(seed.astype(self._out.dtype), retain_graph=True)
        # a tensor no gradient reached (or an unrecorded output) has gradient zero
        return [np.zeros(t.shape) if t.grad is None else np.array(t.grad, dtype=np.float64)
                for t in self.checked]

    def jacobians(self) -> list[np.ndarray]:
        """The full analytic Jacobian (n_out, size) of every checked tensor, row by row."""
        rows: list[list[np.ndarray]] = [[] for _ in self.checked]
        for o in range(self.out.size):
            seed = np.zeros(self.out.shape)
            seed.flat[o] = 1.0
            for k, g in enumerate(self(seed)):
                rows[k].append(g.ravel())
        return [np.stack(r) if r else np.zeros((0, t.size))
                for r, t in zip(rows, self.checked, strict=True)]
