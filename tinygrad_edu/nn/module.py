"""``Module``: the base of every layer: finds its parameters, saves and loads them.

A module keeps its trainable tensors as ordinary attributes (``self.weight = Tensor(...,
requires_grad=True)``), possibly inside other modules, lists or dicts. ``parameters()`` walks
those attributes instead of asking each layer to register what it owns, so a student's own
``Module`` subclass works without any bookkeeping.

Names follow the attribute path: ``weight``, ``layers.0.bias``, ``heads.cat.weight``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ShapeError
from ..tensor import Tensor
from . import checkpoint


class StateDictKeyError(KeyError):
    """A ``KeyError`` whose message prints as written (KeyError would show it in quotes)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class Module:
    """Base class of layers and networks: ``y = module(x)`` calls ``forward(x)``.

    Subclasses set their tensors and sub-modules as attributes and write ``forward``.

    >>> import tinygrad_edu as tg
    >>> class TwoLayers(tg.nn.Module):
    ...     def __init__(self) -> None:
    ...         self.hidden = tg.nn.Linear(2, 3, "tanh", rng=0)
    ...         self.out = tg.nn.Linear(3, 1, rng=1)
    ...     def forward(self, x):
    ...         return self.out(self.hidden(x))
    >>> net = TwoLayers()
    >>> [name for name, _ in net.named_tensors()]
    ['hidden.weight', 'hidden.bias', 'out.weight', 'out.bias']
    >>> net(tg.ones(5, 2)).shape
    (5, 1)
    """

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define forward(...)")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    # ----- finding the tensors -----
    def named_tensors(self) -> Iterator[tuple[str, Tensor]]:
        """Every Tensor held by this module and its sub-modules, once each, with its name.

        Walks the attributes in the order they were set, descending into modules, lists,
        tuples and dicts. A tensor reachable twice (shared weights) is listed under the
        first name found; this is what ``state_dict`` saves.
        """
        seen: set[int] = set()
        stack: list[tuple[str, Any]] = [("", self)]
        # Depth-first with an explicit stack: children pushed in reverse keep attribute order.
        while stack:
            prefix, obj = stack.pop()
            if isinstance(obj, Tensor):
                if id(obj) not in seen:
                    seen.add(id(obj))
                    yield prefix, obj
                continue
            if isinstance(obj, (Module, list, tuple, dict)):
                if id(obj) in seen:  # reachable twice (or a cycle): walk it once
                    continue
                seen.add(id(obj))
            if isinstance(obj, Module):
                children = list(vars(obj).items())
            elif isinstance(obj, (list, tuple)):
                children = [(str(i), v) for i, v in enumerate(obj)]
            elif isinstance(obj, dict):
                children = [(str(k), v) for k, v in obj.items()]
            else:
                continue
            for key, value in reversed(children):
                stack.append((f"{prefix}.{key}" if prefix else key, value))

    def named_parameters(self) -> list[tuple[str, Tensor]]:
        """``(name, tensor)`` for each trainable tensor (``requires_grad=True``), once each."""
        return [(n, t) for n, t in self.named_tensors() if t.requires_grad]

    def parameters(self) -> list[Tensor]:
        """Each trainable tensor (``requires_grad=True``) once, in attribute order."""
        return [t for _, t in self.named_parameters()]

    def zero_grad(self) -> None:
        """Forget the gradients of all parameters (each ``.grad`` becomes None)."""
        for p in self.parameters():
            p.grad = None

    # ----- state: names -> arrays -----
    def state_dict(self) -> dict[str, np.ndarray]:
        """A copy of every tensor's values, ``name -> np.ndarray`` (see ``named_tensors``).

        Copies, so training further does not change a state dict taken earlier.
        """
        return {name: t.data.copy() for name, t in self.named_tensors()}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Set every tensor's values from ``state`` (as returned by ``state_dict``).

        The names must match exactly (``KeyError`` listing the missing and unexpected ones)
        and so must every shape (``ShapeError``); nothing is changed unless all of it fits.
        Values are converted to each tensor's dtype and copied.
        """
        if not isinstance(state, Mapping):
            raise TypeError(f"load_state_dict: expected a dict of name -> array, got "
                            f"{type(state).__name__}")
        own = dict(self.named_tensors())
        missing = [n for n in own if n not in state]
        unexpected = [str(n) for n in state if n not in own]
        if missing or unexpected:
            raise StateDictKeyError(
                f"load_state_dict({type(self).__name__}): names do not match; missing: "
                f"{missing or 'none'}; unexpected: {unexpected or 'none'}"
            )
        new: dict[str, np.ndarray] = {}
        for name, t in own.items():
            value = np.asarray(state[name])
            if value.dtype.kind not in "fiub":
                raise TypeError(f"load_state_dict({type(self).__name__}): '{name}' holds "
                                f"{value.dtype} values, not numbers")
            if value.shape != t.shape:
                raise ShapeError(
                    f"load_state_dict({type(self).__name__}): '{name}' has shape {t.shape} in "
                    f"the model but {value.shape} in the state dict"
                )
            new[name] = np.array(value, dtype=t.dtype, copy=True)
        for name, t in own.items():  # only now, when everything was checked
            t.data = new[name]

    # ----- files -----
    def save(self, path: str | Path) -> None:
        """Write ``state_dict()`` to ``path`` as a ``.npz`` file (exactly that path).

        The file is written under a temporary name next to it and then renamed, so a crash
        while saving leaves the old file (or none), never half of a new one.
        """
        checkpoint.write_npz(Path(path), self.state_dict())

    def load(self, path: str | Path) -> None:
        """Read a file written by ``save`` (without pickle) and ``load_state_dict`` it.

        A file that is not such a checkpoint raises ``ValueError`` naming the path; names or
        shapes that do not fit this model raise ``KeyError`` / ``ShapeError`` naming it too.
        """
        path = Path(path)
        state = checkpoint.read_npz(path)
        try:
            self.load_state_dict(state)
        except StateDictKeyError as e:
            raise StateDictKeyError(f"load({str(path)!r}): {e}") from None
        except ShapeError as e:
            raise ShapeError(f"load({str(path)!r}): {e}") from None

    def __repr__(self) -> str:
        inner = [f"  {k}: {v!r}".replace("\n", "\n  ") for k, v in vars(self).items()
                 if isinstance(v, Module)]
        return f"{type(self).__name__}(" + ("\n" + "\n".join(inner) + "\n" if inner else "") + ")"


class Sequential(Module):
    """Modules applied one after the other: ``Sequential(a, b, c)(x) == c(b(a(x)))``.

    Any callable may be a step (e.g. ``tg.functional.relu``); only modules hold parameters,
    named ``layers.<index>.<name>``.

    >>> import tinygrad_edu as tg
    >>> net = tg.nn.Sequential(tg.nn.Linear(4, 8, "relu", rng=0), tg.nn.Linear(8, 3, rng=1))
    >>> net(tg.ones(2, 4)).shape
    (2, 3)
    >>> len(net.parameters())
    4
    """

    def __init__(self, *modules: Any) -> None:
        for i, m in enumerate(modules):
            if not callable(m):
                raise TypeError(f"Sequential: step {i} is a {type(m).__name__}, not a module "
                                "or a function")
        self.layers = list(modules)

    def forward(self, x: Any) -> Any:
        for layer in self.layers:
            x = layer(x)
        return x

    def __getitem__(self, i: int) -> Any:
        return self.layers[i]

    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.layers)

    def __repr__(self) -> str:
        inner = [f"  ({i}): {m!r}".replace("\n", "\n  ") for i, m in enumerate(self.layers)]
        return "Sequential(" + ("\n" + "\n".join(inner) + "\n" if inner else "") + ")"
