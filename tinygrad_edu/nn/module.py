"""``Module``: the base of every layer: finds its parameters, saves and loads them.

A module keeps its trainable tensors as ordinary attributes (``self.weight = Tensor(...,
requires_grad=True)``), possibly inside other modules, lists or dicts. ``parameters()`` walks
those attributes instead of asking each layer to register what it owns, so a student's own
``Module`` subclass works without any bookkeeping.

Names follow the attribute path: ``weight``, ``layers.0.bias``, ``heads.cat.weight``.
"""

from __future__ import annotations

import threading
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
        for name, _, tensor in self._walk():
            yield name, tensor

    def _walk(self) -> Iterator[tuple[str, str, Tensor]]:
        """``(name, how it is reached, tensor)``: the second as Python, e.g. ``self.layers[0]``,
        for error messages where two names collide."""
        seen: set[int] = set()
        stack: list[tuple[str, str, Any]] = [("", "self", self)]
        # Depth-first with an explicit stack: children pushed in reverse keep attribute order.
        while stack:
            prefix, path, obj = stack.pop()
            if isinstance(obj, Tensor):
                if id(obj) not in seen:
                    seen.add(id(obj))
                    yield prefix, path, obj
                continue
            if isinstance(obj, (Module, list, tuple, dict)):
                if id(obj) in seen:  # reachable twice (or a cycle): walk it once
                    continue
                seen.add(id(obj))
            if isinstance(obj, Module):
                children = [(k, f"{path}.{k}" if k.isidentifier() else f"getattr({path}, {k!r})",
                             v) for k, v in vars(obj).items()]
            elif isinstance(obj, (list, tuple)):
                children = [(str(i), f"{path}[{i}]", v) for i, v in enumerate(obj)]
            elif isinstance(obj, dict):
                children = [(str(k), f"{path}[{k!r}]", v) for k, v in obj.items()]
            else:
                continue
            for key, child_path, value in reversed(children):
                stack.append((f"{prefix}.{key}" if prefix else key, child_path, value))

    def _named_tensors_unique(self) -> dict[str, Tensor]:
        """``named_tensors`` as a dict, or ValueError when two tensors get the same name (a
        list element ``layers.0`` and an attribute called ``layers.0``): a state dict would
        keep only one of them."""
        found: dict[str, tuple[str, Tensor]] = {}
        for name, path, tensor in self._walk():
            if name in found:
                raise ValueError(
                    f"{type(self).__name__}.state_dict: two different tensors get the name "
                    f"{name!r}: {found[name][0]} and {path}; rename one of them (names join "
                    "attribute names, list indices and dict keys with '.', so a name that "
                    "contains '.' can collide with another)")
            found[name] = (path, tensor)
        return {name: tensor for name, (_, tensor) in found.items()}

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
        return {name: t.data.copy() for name, t in self._named_tensors_unique().items()}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Set every tensor's values from ``state`` (as returned by ``state_dict``).

        The names must match exactly (``KeyError`` listing the missing and unexpected ones)
        and so must every shape (``ShapeError``); nothing is changed unless all of it fits.
        Values are converted to each tensor's dtype and copied.
        """
        if not isinstance(state, Mapping):
            raise TypeError(f"load_state_dict: expected a dict of name -> array, got "
                            f"{type(state).__name__}")
        own = self._named_tensors_unique()
        values = {str(name): np.asarray(value) for name, value in state.items()}
        for name, value in values.items():
            if value.dtype.kind not in "fiub":
                raise TypeError(f"load_state_dict({type(self).__name__}): '{name}' holds "
                                f"{value.dtype} values, not numbers")
        self._check_fits(own, {name: value.shape for name, value in values.items()})
        new = {name: np.array(values[name], dtype=t.dtype, copy=True) for name, t in own.items()}
        for name, t in own.items():  # only now, when everything was checked
            t.data = new[name]

    def _check_fits(self, own: Mapping[str, Tensor], shapes: Mapping[str, tuple[int, ...]]
                    ) -> None:
        """The names in ``shapes`` are exactly those of ``own`` (``KeyError`` listing the
        missing and unexpected ones) and every shape matches (``ShapeError``)."""
        missing = [n for n in own if n not in shapes]
        unexpected = [n for n in shapes if n not in own]
        if missing or unexpected:
            raise StateDictKeyError(
                f"load_state_dict({type(self).__name__}): names do not match; missing: "
                f"{missing or 'none'}; unexpected: {unexpected or 'none'}"
            )
        for name, t in own.items():
            if tuple(shapes[name]) != t.shape:
                raise ShapeError(
                    f"load_state_dict({type(self).__name__}): '{name}' has shape {t.shape} in "
                    f"the model but {tuple(shapes[name])} in the state dict"
                )

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
        own = self._named_tensors_unique()
        try:
            # names and shapes are compared with the file's headers before its data is read
            state = checkpoint.read_npz(path, lambda headers: self._check_fits(
                own, {name: shape for name, (shape, _) in headers.items()}))
            self.load_state_dict(state)
        except StateDictKeyError as e:
            raise StateDictKeyError(f"load({str(path)!r}): {e}") from None
        except ShapeError as e:
            raise ShapeError(f"load({str(path)!r}): {e}") from None

    def __repr__(self) -> str:
        return nested_repr(self, [(k, v) for k, v in vars(self).items()
                                   if isinstance(v, Module)])


_open_reprs = threading.local()  # per thread: ids of the modules whose repr is being built


def nested_repr(module: Module, children: list[tuple[str, Any]]) -> str:
    """``Name(`` one indented ``label: repr(child)`` line per child ``)``. A module met again
    inside its own repr (it contains itself) is shown as a cycle, not followed for ever."""
    name = type(module).__name__
    open_ids: set[int] = _open_reprs.__dict__.setdefault("ids", set())
    if id(module) in open_ids:
        return f"<cycle: the enclosing {name} again>"
    open_ids.add(id(module))
    try:
        inner = [f"  {label}: {child!r}".replace("\n", "\n  ") for label, child in children]
    finally:
        open_ids.discard(id(module))
    return f"{name}(" + ("\n" + "\n".join(inner) + "\n" if inner else "") + ")"
