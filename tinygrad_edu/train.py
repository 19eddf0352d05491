"""``fit``: the training loop every example writes by hand, packaged once.

    for each epoch:  shuffle the rows, then for each batch:
        predict   y = model(X_batch)
        compare   E = loss(y, t_batch)
        adjust    optimizer.zero_grad(); E.backward(); optimizer.step()
    repeat

``fit`` returns a ``History`` of the loss and accuracy per epoch.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import functional as F
from .arguments import RngLike, as_float, as_generator, data_array, whole_number
from .compiler import fit_step
from .metrics import Accuracy, accuracy_for, binary_accuracy, multiclass_accuracy
from .modes import no_grad
from .progress import Progress
from .tensor import Tensor

__all__ = ["History", "binary_accuracy", "diverged", "fit", "multiclass_accuracy", "predict"]

LOSSES: dict[str, Callable[[Any, Any], Tensor]] = {
    "squared_error": F.squared_error,
    "mse": F.mse,
    "binary_cross_entropy": F.binary_cross_entropy,
    "binary_cross_entropy_with_logits": F.binary_cross_entropy_with_logits,
    "cross_entropy": F.cross_entropy,
    "softmax_cross_entropy": F.softmax_cross_entropy,
}


@dataclass
class History:
    """Per-epoch results of ``fit``: ``loss[k]`` and ``accuracy[k]`` for epoch k.

    Both are averages over the epoch's batches, each measured before that batch's update,
    kept as plain Python floats (never Tensors, which would keep every batch's graph alive).
    ``accuracy`` stays empty when no accuracy is measured (e.g. for regression).
    """

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)

    @property
    def epochs(self) -> int:
        return len(self.loss)

    def __str__(self) -> str:
        if not self.loss:
            return "History(no epochs)"
        acc = f", accuracy {self.accuracy[-1]:.1%}" if self.accuracy else ""
        return f"History({self.epochs} epochs: loss {self.loss[0]:.4g} -> {self.loss[-1]:.4g}{acc})"


def diverged(loss: float, first_loss: float) -> bool:
    """True when a training loss is NaN or infinite, or has grown past a million times the
    first one (taken as at least 1): gradient descent is running away, most often because
    the learning rate is too large.

    >>> diverged(0.3, 0.7), diverged(float("nan"), 0.7), diverged(2e6, 0.7)
    (False, True, True)
    """
    return not math.isfinite(loss) or loss > 1e6 * max(first_loss, 1.0)


def fit(model: Callable[[Any], Tensor], X: Any, t: Any, *,
        loss: str | Callable[[Any, Any], Tensor], optimizer: Any, epochs: int,
        batch_size: int | None = None, shuffle: bool = True, rng: RngLike = None,
        accuracy: Accuracy | str | None = "auto", callbacks: Iterable[Any] = (),
        progress: bool | str | None = None, compile: bool = False) -> History:
    """Train ``model`` on (X, t) for ``epochs`` passes; returns a ``History``.

    - X (N, ...) and t (N, ...): arrays or Tensors, one row per sample.
    - ``loss``: a function ``loss(y, t) -> scalar Tensor`` or the name of one in
      ``tg.functional`` (``"mse"``, ``"binary_cross_entropy"``, ``"softmax_cross_entropy"``...).
    - ``optimizer``: anything with ``zero_grad()`` and ``step()``, e.g. ``tg.optim.SGD``.
    - ``batch_size``: rows per update (None: all N rows, full-batch gradient descent).
    - ``shuffle``: a new order of the rows each epoch, drawn from ``rng`` (int seed,
      Generator or None), so the same seed gives the same training run.
    - ``accuracy``: ``"auto"`` picks it from the loss (threshold 0.5 for binary cross-entropy,
      0 for its logits version, argmax for the cross-entropies, none for mse);
      a function ``accuracy(y, t) -> float`` on arrays; or None.
    - ``progress``: None: a tqdm bar in a terminal; True: always (lines without tqdm);
      ``"text"``: about ten lines, and one at least every few seconds; False: nothing.
    - ``compile``: True replays one ``tg.compile`` recording per batch: the same numbers, faster.

    Everything is checked before the first step: the optimizer must hold every parameter of
    the model (set ``requires_grad=False`` on those you mean to freeze), and X and t must be
    real numbers without NaN or infinity.

    Callbacks: objects with any of these methods (missing ones are skipped). For each batch,
    at global step s = 0, 1, 2, ... (counting batches over all epochs):

        forward, loss, optimizer.zero_grad(), loss.backward(),
        cb.on_backward(model, loss_value: float, s)   # gradients present, not yet applied
        optimizer.step(),
        cb.on_step_end(model, loss_value: float, s)   # parameters updated

    and after epoch e = 0, 1, ... is recorded in the history: ``cb.on_epoch_end(e, history)``.

    >>> import tinygrad_edu as tg
    >>> X, t = tg.datasets.or_gate()
    >>> neuron = tg.nn.Neuron(2, "sigmoid", rng=0)
    >>> opt = tg.optim.SGD(neuron.parameters(), lr=2.0)
    >>> h = tg.fit(neuron, X, t, loss="binary_cross_entropy", optimizer=opt, epochs=200,
    ...            rng=0, progress=False)
    >>> h.accuracy[-1], h.loss[-1] < h.loss[0]
    (1.0, True)
    """
    loss_fn = _resolve_loss(loss)
    _check_optimizer(model, optimizer)
    X = data_array(X.data if isinstance(X, Tensor) else X, "X", "fit")
    t = data_array(t.data if isinstance(t, Tensor) else t, "t", "fit")
    n = X.shape[0]
    if t.shape[0] != n:
        raise ValueError(f"fit: X has {n} rows but t has {t.shape[0]}; give one target per row")
    epochs = whole_number(epochs, "epochs", "fit")
    batch_size = n if batch_size is None else whole_number(batch_size, "batch_size", "fit")
    if not (accuracy == "auto" or accuracy is None or callable(accuracy)):
        raise TypeError(f"fit: accuracy must be 'auto', a function or None, got {accuracy!r}")
    acc_fn = accuracy_for(loss_fn) if isinstance(accuracy, str) else accuracy
    gen = as_generator(rng, "fit")
    callbacks = list(callbacks)
    history = History()
    shown = Progress(progress, epochs)
    step, first = 0, math.nan
    compiled = fit_step(model, loss_fn, optimizer) if compile else None
    try:
        for epoch in range(epochs):
            order = gen.permutation(n) if shuffle else np.arange(n)
            total_loss = total_acc = 0.0
            for start in range(0, n, batch_size):
                idx = order[start:start + batch_size]
                xb, tb = Tensor(X[idx]), Tensor(t[idx])
                if compiled:  # zero_grad, predict, compare and backward, replayed
                    E, y = compiled(xb, tb)
                else:
                    y = model(xb)                            # predict
                    E = loss_fn(y, tb)                       # compare
                value = E.item()
                first = value if step == 0 else first
                if diverged(value, first):  # stop before NaNs spread into the weights
                    raise FloatingPointError(
                        f"fit: the loss became {value:.4g} at epoch {epoch}, step {step} (first "
                        f"step: {first:.4g}): training diverged; lower the learning rate (or "
                        "standardise the inputs)")
                if not compiled:
                    optimizer.zero_grad()                    # adjust ...
                    E.backward()
                _call(callbacks, "on_backward", model, value, step)
                optimizer.step()
                _call(callbacks, "on_step_end", model, value, step)
                total_loss += value * len(idx)
                if acc_fn is not None:
                    total_acc += as_float(acc_fn(y.data, tb.data), "accuracy", "fit") * len(idx)
                step += 1
            history.loss.append(total_loss / n)
            if acc_fn is not None:
                history.accuracy.append(total_acc / n)
            _call(callbacks, "on_epoch_end", epoch, history)
            shown.epoch_end(epoch, history.loss[-1],
                            history.accuracy[-1] if history.accuracy else None)
    finally:
        shown.close()
    return history


def predict(model: Callable[[Any], Tensor], X: Any) -> np.ndarray:
    """``model(X)`` as a numpy array, computed without recording a graph."""
    with no_grad():
        return model(X if isinstance(X, Tensor) else Tensor(X)).numpy()


def _resolve_loss(loss: str | Callable[[Any, Any], Tensor]) -> Callable[[Any, Any], Tensor]:
    if isinstance(loss, str):
        if loss not in LOSSES:
            raise ValueError(f"fit: unknown loss {loss!r}; known: {', '.join(LOSSES)}")
        return LOSSES[loss]
    if not callable(loss):
        raise TypeError(f"fit: loss must be a function or a name, got {type(loss).__name__}")
    return loss


def _call(callbacks: Sequence[Any], method: str, *args: Any) -> None:
    for cb in callbacks:
        hook = getattr(cb, method, None)
        if hook is not None:
            hook(*args)


def _check_optimizer(model: Any, optimizer: Any) -> None:
    """The optimizer can step, and holds every trainable parameter of the model."""
    if not (callable(getattr(optimizer, "zero_grad", None))
            and callable(getattr(optimizer, "step", None))):
        raise TypeError(f"fit: optimizer must have zero_grad() and step(), such as "
                        f"tg.optim.SGD(model.parameters(), lr=0.1); got "
                        f"{type(optimizer).__name__} {optimizer!r}")
    held, named = getattr(optimizer, "params", None), getattr(model, "named_parameters", None)
    if held is None or not callable(named):
        return  # an optimizer or model of the user's own making: nothing to compare
    ids = {id(p) for p in held}
    own = list(named())
    missing = [name for name, p in own if id(p) not in ids]
    if missing and len(missing) == len(own):
        raise ValueError("fit: the optimizer holds none of the model's parameters, so training "
                         "would change nothing (was it made for another model, or for an "
                         "earlier one of the same name?); make it from this model: "
                         "tg.optim.SGD(model.parameters(), lr=...)")
    if missing:
        raise ValueError(f"fit: the optimizer does not hold the model's parameters {missing}, "
                         "so they would never be trained; make it from model.parameters(), or "
                         "set requires_grad=False on the parameters you mean to freeze")
