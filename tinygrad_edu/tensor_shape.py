"""The shape methods of ``Tensor`` beyond reshape and transpose: flatten, squeeze, unsqueeze /
expand_dims, swapaxes and ``mT``, broadcast_to / expand, tile and repeat, flip, clone.

Most are a reshape or a transpose with the numbers worked out here, so their gradients are
those ops' rules; flip, broadcast_to, tile and clone have their own ops (ops/shape.py).
Where numpy and PyTorch differ, numpy's meaning wins (``repeat``, see its docstring).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .arguments import numpy_or_torch
from .errors import ShapeError
from .function import Function
from .ops import shape as shape_ops
from .ops.reduce import Axis, normalize_axis, one_axis

if TYPE_CHECKING:
    from typing_extensions import Self  # typing.Self from Python 3.11


class TensorShape:
    """Methods that rearrange or copy elements; each records the op that does it."""

    __slots__ = ()
    _data: np.ndarray

    def _apply(self, op: type[Function], *others: Any, **params: Any) -> Self:
        raise NotImplementedError  # provided by Tensor

    def _same_kind(self, moved: Self) -> Self:
        raise NotImplementedError  # provided by Tensor

    def reshape(self, *shape: Any) -> Self:
        raise NotImplementedError  # provided by TensorMath

    def transpose(self, *axes: Any) -> Self:
        raise NotImplementedError  # provided by TensorMath

    def __getitem__(self, index: Any) -> Self:
        raise NotImplementedError  # provided by TensorMath

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Self:
        """The values as one axis (a reshape): ``flatten()`` is 1-D. PyTorch's
        ``flatten(start_dim, end_dim)`` joins only the axes from start_dim to end_dim."""
        shape = self._data.shape or (1,)  # a 0-d tensor flattens to one element
        first, last = (one_axis("flatten", ax, len(shape)) for ax in (start_dim, end_dim))
        if first > last:
            raise ShapeError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} "
                             f"for a tensor of shape {self._data.shape}")
        joined = int(np.prod(shape[first:last + 1]))
        return self.reshape(*shape[:first], joined, *shape[last + 1:])

    def squeeze(self, axis: Axis = None, *, dim: Axis = None) -> Self:
        """Drop axes of size 1: all of them (axis None), or those named, which must have
        size 1 (numpy's rule; PyTorch silently keeps a named axis of another size)."""
        axis = numpy_or_torch("squeeze", "axis", axis, None, "dim", dim)
        shape = self._data.shape
        if axis is None:
            axes = tuple(i for i, n in enumerate(shape) if n == 1)
        else:
            axes = normalize_axis("squeeze", axis, len(shape))
            wrong = [ax for ax in axes if shape[ax] != 1]
            if wrong:
                raise ShapeError(f"squeeze: axis {wrong[0]} of a tensor of shape {shape} has "
                                 f"size {shape[wrong[0]]}, not 1; only axes of size 1 can go")
        return self.reshape(tuple(n for i, n in enumerate(shape) if i not in axes))

    def expand_dims(self, axis: int | tuple[int, ...]) -> Self:
        """A new axis of size 1 at ``axis`` (an int, or a tuple for several), as numpy's
        ``np.expand_dims``; negative positions count from the end of the result."""
        shape = list(self._data.shape)
        axes = normalize_axis("expand_dims", axis, len(shape) + (
            1 if isinstance(axis, (int, np.integer)) else len(axis)))
        for ax in axes:
            shape.insert(ax, 1)
        return self.reshape(tuple(shape))

    def unsqueeze(self, dim: int) -> Self:
        """PyTorch's name for ``expand_dims``: a new axis of size 1 at ``dim``."""
        return self.expand_dims(dim)

    def swapaxes(self, axis1: int, axis2: int) -> Self:
        """Swap two axes (what PyTorch's ``transpose(a, b)`` does; here ``transpose`` takes a
        whole permutation, as numpy's)."""
        order = list(range(self._data.ndim))
        a, b = (one_axis("swapaxes", ax, len(order)) for ax in (axis1, axis2))
        order[a], order[b] = order[b], order[a]
        return self.transpose(tuple(order))

    @property
    def mT(self) -> Self:
        """The last two axes swapped: the transpose of each matrix of a batch."""
        if self._data.ndim < 2:
            raise ShapeError(f"mT: needs a tensor with at least 2 axes (a matrix or a batch of "
                             f"them), got shape {self._data.shape}")
        return self.swapaxes(-2, -1)

    def broadcast_to(self, shape: Any) -> Self:
        """A copy stretched to ``shape`` by numpy's broadcasting; the gradient is summed back
        over the stretched axes."""
        return self._same_kind(self._apply(shape_ops.BroadcastTo, shape=shape))

    def expand(self, *sizes: Any) -> Self:
        """PyTorch's name for ``broadcast_to``: ``expand(3, 4)`` or ``expand((3, 4))``; a
        size of -1 keeps that axis as it is."""
        if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
            sizes = tuple(sizes[0])
        lead = len(sizes) - self._data.ndim
        if lead < 0:
            raise ShapeError(f"expand: {len(sizes)} sizes for a tensor with {self._data.ndim} "
                             f"axes (shape {self._data.shape}); give one size per axis at least")
        kept = tuple(self._data.shape[i - lead] if n == -1 and i >= lead else n
                     for i, n in enumerate(sizes))
        return self.broadcast_to(kept)

    def tile(self, reps: Any) -> Self:
        """Copies side by side, ``reps[i]`` along axis i, as ``np.tile`` (what PyTorch's
        ``repeat(*sizes)`` does); the gradient sums over the copies."""
        return self._same_kind(self._apply(shape_ops.Tile, reps=reps))

    def repeat(self, repeats: Any, *sizes: Any, axis: int | None = None) -> Self:
        """numpy's ``repeat``: each element ``repeats`` times in a row (an int, or one count
        per element) along ``axis`` (None: of the flattened tensor). ``axis`` is a keyword.

        >>> from tinygrad_edu import Tensor
        >>> Tensor([1.0, 2.0]).repeat(2).tolist()       # PyTorch's repeat(2) gives [1, 2, 1, 2]
        [1.0, 1.0, 2.0, 2.0]

        For PyTorch's ``repeat(2, 3)``, which tiles the whole tensor, use ``tile((2, 3))``.
        Built on indexing, so the gradient of each element sums over its copies.
        """
        if sizes:
            raise TypeError(f"repeat: got {len(sizes) + 1} counts; repeat follows numpy "
                            "(t.repeat(repeats, axis=...) repeats each element). For PyTorch's "
                            f"t.repeat{(repeats, *sizes)}, which tiles, use "
                            f"t.tile({(repeats, *sizes)})")
        flat = axis is None
        source = self.reshape(-1) if flat else self
        at = 0 if flat else one_axis("repeat", axis, self._data.ndim)
        n = source._data.shape[at]
        counts = np.asarray(repeats)
        if counts.dtype.kind not in "iu" or counts.ndim > 1 or (counts < 0).any() or (
                counts.ndim == 1 and counts.size not in (1, n)):
            raise ValueError(f"repeat: repeats must be an int >= 0 or one such int per element "
                             f"({n} here), got {repeats!r}")
        positions = np.repeat(np.arange(n), counts)
        return source[(slice(None),) * at + (positions,)]

    def flip(self, axis: Axis = None, *, dims: Axis = None) -> Self:
        """Reverse the order of the elements along ``axis`` (None: along every axis; PyTorch
        calls it ``dims``)."""
        axis = numpy_or_torch("flip", "axis", axis, None, "dims", dims)
        return self._same_kind(self._apply(shape_ops.Flip, axis=axis))

    def clone(self) -> Self:
        """A copy that stays in the graph (its gradient flows back to this tensor), unlike
        ``detach()``, which cuts it off."""
        return self._same_kind(self._apply(shape_ops.Clone))
