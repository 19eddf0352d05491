"""Ops that move elements without changing them: reshape, transpose, indexing.

Their gradients move G back the opposite way: reshape it back, transpose it back, or
scatter it into the positions the index read (adding where an index repeats, since such an
element was used more than once).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..errors import ShapeError
from ..function import Function


def resolve_shape(shape: tuple[int, ...], size: int, old: tuple[int, ...]) -> tuple[int, ...]:
    """``shape`` with its single -1 filled in, or a ShapeError explaining why it cannot be."""
    if any(not isinstance(n, (int, np.integer)) or isinstance(n, bool) for n in shape):
        raise TypeError(f"reshape: sizes must be ints, got {shape!r}")
    unknown = [i for i, n in enumerate(shape) if n == -1]
    if len(unknown) > 1 or any(n < -1 for n in shape):
        raise ShapeError(f"reshape: {shape} is not a valid shape (only one -1 is allowed)")
    known = 1
    for n in shape:
        if n != -1:
            known *= n
    if unknown:
        if known == 0 or size % known:
            raise ShapeError(
                f"reshape: cannot reshape {old} ({size} elements) to {shape}: "
                f"{size} is not a multiple of {known}"
            )
        shape = tuple(size // known if n == -1 else int(n) for n in shape)
    elif known != size:
        raise ShapeError(
            f"reshape: cannot reshape {old} ({size} elements) to {shape} ({known} elements)"
        )
    return tuple(int(n) for n in shape)


class Reshape(Function):
    """out = a viewed with a new shape (same elements, same order);  dL/da = G reshaped back"""

    rule = "reshape G back to the input's shape"

    def forward(self, a: np.ndarray, *, shape: tuple[int, ...]) -> np.ndarray:
        self.shape = a.shape
        return a.reshape(resolve_shape(shape, a.size, a.shape))

    def vjp(self, g: np.ndarray) -> tuple[np.ndarray]:
        return (g.reshape(self.shape),)


class Transpose(Function):
    """out = a with its axes permuted by ``axes`` (default: reversed);  dL/da = G permuted back"""

    rule = "transpose G back by the inverse permutation"

    def forward(self, a: np.ndarray, *, axes: tuple[int, ...] | None = None) -> np.ndarray:
        if axes is None:
            axes = tuple(reversed(range(a.ndim)))
        if sorted(ax % a.ndim if a.ndim else ax for ax in axes) != list(range(a.ndim)):
            raise ShapeError(
                f"transpose: axes {axes} are not a permutation of the {a.ndim} axes of a "
                f"tensor of shape {a.shape}"
            )
        self.inverse = tuple(np.argsort([ax % a.ndim for ax in axes]))
        out: np.ndarray = a.transpose(axes)
        return out

    def vjp(self, g: np.ndarray) -> tuple[np.ndarray]:
        return (g.transpose(self.inverse),)


class Index(Function):
    """out = a[index];  dL/da = zeros with G added at the indexed positions (np.add.at)

    ``np.add.at`` (not ``z[index] += G``) so a position read twice gets both gradients.
    """

    name = "index"
    rule = "scatter-add G into the positions read"

    def forward(self, a: np.ndarray, *, index: Any) -> np.ndarray:
        try:
            out = a[index]
        except IndexError as e:
            raise IndexError(f"index: {e} (tensor shape {a.shape}, index {index!r})") from None
        self.index, self.shape, self.dtype = index, a.shape, a.dtype
        return np.array(out)  # a copy: a view would let writes to the output reach the input

    def vjp(self, g: np.ndarray) -> tuple[np.ndarray]:
        grad = np.zeros(self.shape, dtype=np.result_type(self.dtype, g.dtype))
        np.add.at(grad, self.index, g)
        return (grad,)
