"""``Recorder``: keep, per training step, the loss, the parameters, their gradients and updates.

Use it as a callback of ``tg.fit`` or call it from a hand-written loop. For each step it keeps

- ``losses[k]``: the loss (a float) at step ``steps[k]``;
- ``params[name][k]``: the parameter's values when its gradient was taken (before the update);
- ``grads[name][k]``: dL/dparameter at those values;
- ``updates[name][k]``: what the step changed, new − old (``-lr · grad`` for plain SGD), and
  ``update_sizes[name][k]``: its Euclidean norm ‖new − old‖.

>>> import tinygrad_edu as tg
>>> import tinygrad_edu.functional as F
>>> w = tg.Tensor([1.0, -1.0], requires_grad=True, name="w")
>>> x, t = tg.Tensor([0.5, 2.0]), 1.0
>>> rec = tg.Recorder()
>>> for _ in range(3):
...     w.zero_grad()
...     E = F.squared_error(w.dot(x), t)
...     E.backward()
...     rec.on_backward([w], E)          # gradients present, not yet applied
...     w.data -= 0.1 * w.grad
...     rec.on_step_end([w])             # the update is measured here
>>> len(rec), rec.grads["w"][0]          # E = (w·x − t)², dE/dw = 2(w·x − t)·x
(3, array([ -2.5, -10. ]))
>>> rec.updates["w"][0]                  # −0.1 · grad
array([0.25, 1.  ])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .arguments import as_float, whole_number
from .tensor import Tensor

__all__ = ["Recorder", "named_parameters"]


def named_parameters(params: Any) -> dict[str, Tensor]:
    """``name -> Tensor`` for a Module (its ``named_parameters()``), a dict of Tensors, a list
    of Tensors (named by ``.name``, else ``p0``, ``p1``, ...) or a single Tensor."""
    if hasattr(params, "named_parameters"):
        return dict(params.named_parameters())
    if isinstance(params, Tensor):
        return {params.name or "p0": params}
    if isinstance(params, Mapping):
        items = [(str(k), v) for k, v in params.items()]
    elif isinstance(params, Sequence) and not isinstance(params, (str, bytes)):
        items = []
        for i, t in enumerate(params):
            name = getattr(t, "name", None) or f"p{i}"
            taken = {n for n, _ in items}
            items.append((name if name not in taken else f"{name}#{i}", t))
    else:
        raise TypeError(f"Recorder: expected a Module, a list or dict of Tensors, or a Tensor; "
                        f"got {type(params).__name__}")
    for name, t in items:
        if not isinstance(t, Tensor):
            raise TypeError(f"Recorder: parameter {name!r} is a {type(t).__name__}, not a Tensor")
    return dict(items)


class Recorder:
    """Records losses, parameters, gradients and updates step by step (see the module doc).

    ``every``: record only steps whose number is a multiple of it (long runs);
    ``keep_values=False``: keep only the loss and the norms, not whole arrays per step.

    As a ``tg.fit`` callback: ``fit(..., callbacks=[rec])``. In a hand-written loop call
    ``rec.on_backward(model, loss)`` after ``backward()`` and, after the update,
    ``rec.on_step_end(model)``. Without ``on_step_end`` a step's update is measured at the
    next ``on_backward`` (so the last step has none yet); ``rec.record`` is ``on_backward``.
    """

    def __init__(self, *, every: int = 1, keep_values: bool = True) -> None:
        self.every = whole_number(every, "every", "Recorder")
        self.keep_values = keep_values
        self.steps: list[int] = []
        self.losses: list[float] = []
        self.params: dict[str, list[np.ndarray]] = {}
        self.grads: dict[str, list[np.ndarray]] = {}
        self.grad_norms: dict[str, list[float]] = {}
        self.updates: dict[str, list[np.ndarray]] = {}
        self.update_sizes: dict[str, list[float]] = {}
        self.epoch_ends: list[int] = []  # number of steps recorded when each epoch ended
        self.epoch_losses: list[float] = []
        self._before: dict[str, np.ndarray] | None = None  # values of the step not yet closed
        self._next_step = 0

    # ----- the callback interface of tg.fit -----
    def on_backward(self, model: Any, loss: Any, step: int | None = None) -> None:
        """Record the loss, the values and the gradients (call after backward, before update)."""
        step = self._next_step if step is None else int(step)
        self._next_step = step + 1
        named = named_parameters(model)
        if self._before is not None:  # the previous step had no on_step_end: close it now
            self._close(named)
        if step % self.every:
            return
        self.steps.append(step)
        self.losses.append(as_float(loss, "loss", "Recorder"))
        self._before = {}
        for name, p in named.items():
            value = p.data.copy()
            # no gradient reached this parameter: it would not move, so its gradient is 0
            grad = np.zeros_like(value) if p.grad is None else np.array(p.grad, copy=True)
            self._before[name] = value
            self.grad_norms.setdefault(name, []).append(float(np.linalg.norm(grad)))
            if self.keep_values:
                self.params.setdefault(name, []).append(value)
                self.grads.setdefault(name, []).append(grad)

    record = on_backward

    def on_step_end(self, model: Any, loss: Any = None, step: int | None = None) -> None:
        """Measure the update the optimizer just made (call after the parameters changed)."""
        if self._before is not None:
            self._close(named_parameters(model))

    def on_epoch_end(self, epoch: int, history: Any = None) -> None:
        """Mark the end of an epoch; keep its mean loss from ``history.loss`` when given."""
        self.epoch_ends.append(len(self.steps))
        losses = getattr(history, "loss", None)
        if losses:
            self.epoch_losses.append(as_float(losses[-1], "history.loss", "Recorder"))

    # ----- reading it back -----
    def _close(self, named: dict[str, Tensor]) -> None:
        assert self._before is not None
        for name, before in self._before.items():
            p = named.get(name)
            delta = (p.data - before) if p is not None else np.zeros_like(before)
            self.update_sizes.setdefault(name, []).append(float(np.linalg.norm(delta)))
            if self.keep_values:
                self.updates.setdefault(name, []).append(delta)
        self._before = None

    def __len__(self) -> int:
        return len(self.steps)

    def series(self, kind: str, name: str) -> np.ndarray:
        """One parameter's record stacked into an array of shape (steps, *param.shape):
        ``kind`` is ``"params"``, ``"grads"`` or ``"updates"``; ``"grad_norms"`` and
        ``"update_sizes"`` give shape (steps,)."""
        kinds = ("params", "grads", "updates", "grad_norms", "update_sizes")
        if kind not in kinds:
            raise ValueError(f"Recorder.series: kind must be one of {kinds}, got {kind!r}")
        table: dict[str, list[Any]] = getattr(self, kind)
        if name not in table:
            known = ", ".join(self.grad_norms) or "none recorded yet"
            hint = " (keep_values=False keeps only the norms)" if not self.keep_values else ""
            raise KeyError(f"Recorder.series: no {kind} for {name!r}; parameters: {known}{hint}")
        return np.array(table[name])

    def names(self) -> list[str]:
        """The names of the recorded parameters."""
        return list(self.grad_norms)

    def __repr__(self) -> str:
        shapes = ", ".join(f"{n} {v[0].shape}" if v else n for n, v in self.params.items())
        last = f", last loss {self.losses[-1]:.4g}" if self.losses else ""
        return f"Recorder({len(self)} steps{last}; {shapes or ', '.join(self.names())})"
