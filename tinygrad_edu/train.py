"""``fit``: the training loop every example writes by hand, packaged once.

    for each epoch:  shuffle the rows, then for each batch:
        predict   y = model(X_batch)
        compare   E = loss(y, t_batch)
        adjust    optimizer.zero_grad(); E.backward(); optimizer.step()
    repeat

``fit`` returns a ``History`` of the loss and accuracy per epoch.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import functional as F
from .modes import no_grad
from .nn.layers import RngLike, as_generator
from .tensor import Tensor

Accuracy = Callable[[np.ndarray, np.ndarray], float]

LOSSES: dict[str, Callable[[Any, Any], Tensor]] = {
    "squared_error": F.squared_error,
    "mse": F.mse,
    "binary_cross_entropy": F.binary_cross_entropy,
    "binary_cross_entropy_with_logits": F.binary_cross_entropy_with_logits,
    "cross_entropy": F.cross_entropy,
    "softmax_cross_entropy": F.softmax_cross_entropy,
}


def binary_accuracy(y: Any, t: Any, threshold: float = 0.5) -> float:
    """Fraction of samples where (y >= threshold) equals the 0/1 target t (same number of values).

    >>> binary_accuracy(np.array([0.9, 0.2, 0.6]), np.array([1, 0, 0]))
    0.6666666666666666
    """
    y, t = np.asarray(y).reshape(-1), np.asarray(t).reshape(-1)
    return float(np.mean((y >= threshold) == (t >= 0.5)))


def multiclass_accuracy(scores: Any, t: Any) -> float:
    """Fraction of rows whose largest score is the target class; t class indices (N,) or
    one-hot (N, K). Works for probabilities and logits alike.

    >>> multiclass_accuracy(np.array([[0.1, 0.9], [0.8, 0.2]]), np.array([1, 1]))
    0.5
    """
    s, t = np.asarray(scores), np.asarray(t)
    labels = t.argmax(axis=-1) if t.shape == s.shape else t
    return float(np.mean(s.argmax(axis=-1) == labels))


def _accuracy_for(loss: Callable[..., Tensor]) -> Accuracy | None:
    """The natural accuracy of a classification loss; None for a regression loss."""
    if loss is F.binary_cross_entropy:
        return binary_accuracy
    if loss is F.binary_cross_entropy_with_logits:
        return lambda z, t: binary_accuracy(z, t, threshold=0.0)  # σ(z) >= 0.5  <=>  z >= 0
    if loss in (F.cross_entropy, F.softmax_cross_entropy):
        return multiclass_accuracy
    return None


@dataclass
class History:
    """Per-epoch results of ``fit``: ``loss[k]`` and ``accuracy[k]`` for epoch k.

    Both are averages over the epoch's batches, each measured before that batch's update.
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
        acc = f", accuracy {self.accuracy[-1]:.4f}" if self.accuracy else ""
        return f"History({self.epochs} epochs: loss {self.loss[0]:.4g} -> {self.loss[-1]:.4g}{acc})"


def _as_array(a: Any, what: str) -> np.ndarray:
    arr = a.data if isinstance(a, Tensor) else np.asarray(a)
    if arr.ndim == 0:
        raise ValueError(f"fit: {what} must have one row per sample, got a scalar")
    return arr


def fit(model: Callable[[Any], Tensor], X: Any, t: Any, *,
        loss: str | Callable[[Any, Any], Tensor], optimizer: Any, epochs: int,
        batch_size: int | None = None, shuffle: bool = True, rng: RngLike = None,
        accuracy: Accuracy | str | None = "auto", callbacks: Iterable[Any] = (),
        progress: bool | str | None = None) -> History:
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
    - ``progress``: None shows a tqdm bar when tqdm is installed and stdout is a terminal;
      True always shows progress (a bar, or printed lines without tqdm); ``"text"`` prints
      about ten lines; False shows nothing.

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
    X, t = _as_array(X, "X"), _as_array(t, "t")
    n = X.shape[0]
    if n == 0:
        raise ValueError("fit: X has no rows; there is nothing to train on")
    if t.shape[0] != n:
        raise ValueError(f"fit: X has {n} rows but t has {t.shape[0]}; give one target per row")
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 1:
        raise ValueError(f"fit: epochs must be a positive int, got {epochs!r}")
    if batch_size is None:
        batch_size = n
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
            or batch_size < 1:
        raise ValueError(f"fit: batch_size must be a positive int or None, got {batch_size!r}")
    if accuracy == "auto":
        acc_fn = _accuracy_for(loss_fn)
    elif accuracy is None or callable(accuracy):
        acc_fn = accuracy
    else:
        raise TypeError(f"fit: accuracy must be 'auto', a function or None, got {accuracy!r}")
    gen = as_generator(rng, "fit")
    callbacks = list(callbacks)
    history = History()
    bar, text_every = _progress(progress, int(epochs))
    step = 0
    try:
        for epoch in range(int(epochs)):
            order = gen.permutation(n) if shuffle else np.arange(n)
            total_loss = total_acc = 0.0
            for start in range(0, n, batch_size):
                idx = order[start:start + batch_size]
                xb, tb = Tensor(X[idx]), Tensor(t[idx])
                y = model(xb)                                # predict
                E = loss_fn(y, tb)                           # compare
                value = E.item()
                if not np.isfinite(value):  # stop before NaNs spread into the weights
                    raise FloatingPointError(
                        f"fit: the loss became {value} at epoch {epoch}, step {step}; the "
                        "learning rate is probably too large (or the inputs not standardised)")
                optimizer.zero_grad()                        # adjust ...
                E.backward()
                _call(callbacks, "on_backward", model, value, step)
                optimizer.step()
                _call(callbacks, "on_step_end", model, value, step)
                total_loss += value * len(idx)
                if acc_fn is not None:
                    total_acc += acc_fn(y.data, tb.data) * len(idx)
                step += 1
            history.loss.append(total_loss / n)
            if acc_fn is not None:
                history.accuracy.append(total_acc / n)
            _report(bar, text_every, epoch, int(epochs), history)
            for cb in callbacks:
                hook = getattr(cb, "on_epoch_end", None)
                if hook is not None:
                    hook(epoch, history)
    finally:
        if bar is not None:
            bar.close()
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


def _progress(progress: bool | str | None, epochs: int) -> tuple[Any, int]:
    """(tqdm bar or None, print every k epochs or 0). tqdm is imported only when needed: the
    base install is numpy only."""
    if progress is False:
        return None, 0
    if progress == "text":
        return None, max(1, epochs // 10)
    if progress is None and not sys.stdout.isatty():
        return None, 0
    try:
        from tqdm import tqdm
    except ImportError:
        return None, (max(1, epochs // 10) if progress else 0)
    # the width from shutil, which falls back to 80 where a terminal reports 0 columns (tqdm
    # would then draw nothing)
    width = shutil.get_terminal_size().columns
    return tqdm(total=epochs, desc="training", unit="epoch", file=sys.stdout, ncols=width), 0


def _report(bar: Any, every: int, epoch: int, epochs: int, h: History) -> None:
    acc = f"{h.accuracy[-1]:.4f}" if h.accuracy else None
    if bar is not None:
        bar.set_postfix_str(f"loss={h.loss[-1]:.4f}" + (f", accuracy={acc}" if acc else ""),
                            refresh=False)  # update(1) below redraws the bar
        bar.update(1)
    elif every and ((epoch + 1) % every == 0 or epoch + 1 == epochs):
        print(f"epoch {epoch + 1:>{len(str(epochs))}}/{epochs}  loss {h.loss[-1]:.4f}"
              + (f"  accuracy {acc}" if acc else ""), flush=True)
