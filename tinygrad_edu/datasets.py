"""Small datasets and data-preparation helpers for experiments and exercises.

Everything here works on plain numpy arrays (features are ``float64``) and
depends only on numpy and the standard library, so it can be used with or
without the rest of :mod:`tinygrad_edu`. Wrap the arrays in Tensors yourself
when you want gradients.

Contents:

* :func:`logic_gate` (and :func:`and_gate`, :func:`or_gate`, :func:`xor_gate`):
  the four-row truth tables used to introduce perceptrons.
* :func:`linearly_separable`: random, seeded 2-D points split by a line with a
  guaranteed margin.
* :func:`breast_cancer`: the Wisconsin Diagnostic Breast Cancer table
  (569 samples, 30 features) with target ``1 = malignant``, ``0 = benign``.
* :func:`train_test_split`, :func:`standardize`, :func:`one_hot`: the usual
  preparation steps.

Functions that draw random numbers take ``rng``: an integer seed (same seed,
same data), a :class:`numpy.random.Generator` (which is advanced), or ``None``
for fresh, unpredictable randomness.
"""

from __future__ import annotations

import csv
import functools
import gzip
import io
import math
import numbers
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Literal, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "Dataset",
    "and_gate",
    "breast_cancer",
    "linearly_separable",
    "logic_gate",
    "one_hot",
    "or_gate",
    "standardize",
    "train_test_split",
    "xor_gate",
]

RngLike = int | np.integer | np.random.Generator | None
FloatArray = NDArray[np.float64]


def _as_generator(rng: RngLike, where: str) -> np.random.Generator:
    """Turn ``rng`` (seed, Generator or None) into a Generator, or raise."""
    if rng is None:
        return np.random.default_rng()
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, (bool, np.bool_)):
        if rng < 0:
            raise ValueError(f"{where}: rng seed must be a non-negative integer, got {rng}")
        return np.random.default_rng(int(rng))
    raise TypeError(
        f"{where}: rng must be an int seed, a numpy.random.Generator or None, "
        f"got {type(rng).__name__} {rng!r}"
    )


# ---------------------------------------------------------------------------
# Logic gates
# ---------------------------------------------------------------------------

_GATE_INPUTS = ((0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0))
_GATE_OUTPUTS: dict[str, tuple[float, float, float, float]] = {
    "and": (0.0, 0.0, 0.0, 1.0),
    "or": (0.0, 1.0, 1.0, 1.0),
    "xor": (0.0, 1.0, 1.0, 0.0),
    "nand": (1.0, 1.0, 1.0, 0.0),
    "nor": (1.0, 0.0, 0.0, 0.0),
}


def logic_gate(name: str) -> tuple[FloatArray, FloatArray]:
    """Return the truth table of a two-input logic gate.

    ``name`` is one of ``"and"``, ``"or"``, ``"xor"``, ``"nand"``, ``"nor"``
    (case-insensitive). The inputs ``X`` have shape (4, 2) with rows
    (0,0), (0,1), (1,0), (1,1); the outputs ``t`` have shape (4,). Both are
    new float64 arrays. XOR is the classic example that no single linear
    unit can learn.

    >>> X, t = logic_gate("xor")
    >>> X.tolist()
    [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
    >>> t.tolist()
    [0.0, 1.0, 1.0, 0.0]
    """
    if not isinstance(name, str):
        raise TypeError(f"logic_gate: name must be a str, got {type(name).__name__} {name!r}")
    key = name.strip().lower()
    if key not in _GATE_OUTPUTS:
        known = ", ".join(repr(k) for k in _GATE_OUTPUTS)
        raise ValueError(f"logic_gate: unknown gate {name!r}; known gates are {known}")
    X = np.array(_GATE_INPUTS, dtype=np.float64)
    t = np.array(_GATE_OUTPUTS[key], dtype=np.float64)
    return X, t


def and_gate() -> tuple[FloatArray, FloatArray]:
    """Truth table of AND; same as ``logic_gate("and")``.

    >>> and_gate()[1].tolist()
    [0.0, 0.0, 0.0, 1.0]
    """
    return logic_gate("and")


def or_gate() -> tuple[FloatArray, FloatArray]:
    """Truth table of OR; same as ``logic_gate("or")``.

    >>> or_gate()[1].tolist()
    [0.0, 1.0, 1.0, 1.0]
    """
    return logic_gate("or")


def xor_gate() -> tuple[FloatArray, FloatArray]:
    """Truth table of XOR; same as ``logic_gate("xor")``.

    >>> xor_gate()[1].tolist()
    [0.0, 1.0, 1.0, 0.0]
    """
    return logic_gate("xor")


# ---------------------------------------------------------------------------
# Linearly separable toy data
# ---------------------------------------------------------------------------


@overload
def linearly_separable(
    n: int = ..., *, margin: float = ..., rng: RngLike = ..., return_line: Literal[False] = ...
) -> tuple[FloatArray, FloatArray]: ...


@overload
def linearly_separable(
    n: int = ..., *, margin: float = ..., rng: RngLike = ..., return_line: Literal[True]
) -> tuple[FloatArray, FloatArray, FloatArray, float]: ...


@overload
def linearly_separable(
    n: int = ..., *, margin: float = ..., rng: RngLike = ..., return_line: bool
) -> tuple[FloatArray, FloatArray] | tuple[FloatArray, FloatArray, FloatArray, float]: ...


def linearly_separable(
    n: int = 100,
    *,
    margin: float = 0.5,
    rng: RngLike = None,
    return_line: bool = False,
) -> tuple[FloatArray, FloatArray] | tuple[FloatArray, FloatArray, FloatArray, float]:
    """Random 2-D points on either side of a line, at least ``margin`` away from it.

    A random line ``w . x + b = 0`` is drawn (``w`` a unit vector in a random
    direction, ``b`` uniform in [-0.5, 0.5], so the line passes near the
    origin). Points with ``w . x + b > 0`` get label 1, the others label 0;
    every point is strictly more than ``margin`` from the line, and the two
    classes have sizes ``ceil(n/2)`` and ``floor(n/2)`` in random order.
    Points lie within about 3 + ``margin`` + 2 of the origin.

    Returns ``(X, t)`` with ``X`` of shape (n, 2) and ``t`` of shape (n,), both
    float64. With ``return_line=True`` returns ``(X, t, w, b)``: the unit
    normal ``w`` (shape (2,)) and offset ``b`` of the separating line, so a
    solution that is known to exist can be checked.

    >>> X, t = linearly_separable(6, margin=0.25, rng=0)
    >>> X.shape, t.shape
    ((6, 2), (6,))
    >>> sorted(t.tolist())
    [0.0, 0.0, 0.0, 1.0, 1.0, 1.0]
    >>> X, t, w, b = linearly_separable(50, rng=1, return_line=True)
    >>> bool(np.all((X @ w + b > 0) == (t == 1)))
    True
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"linearly_separable: n must be an int, got {type(n).__name__} {n!r}")
    if n < 2:
        raise ValueError(f"linearly_separable: n must be >= 2 (one point per class), got {n}")
    if isinstance(margin, bool) or not isinstance(margin, numbers.Real):
        raise TypeError(
            f"linearly_separable: margin must be a real number, got "
            f"{type(margin).__name__} {margin!r}"
        )
    if not (math.isfinite(margin) and margin >= 0):
        raise ValueError(f"linearly_separable: margin must be finite and >= 0, got {margin}")
    gen = _as_generator(rng, "linearly_separable")
    n = int(n)
    margin = float(margin)

    angle = gen.uniform(0.0, 2.0 * np.pi)
    w = np.array([np.cos(angle), np.sin(angle)])  # unit normal of the line
    u = np.array([-w[1], w[0]])  # unit direction along the line
    b = float(gen.uniform(-0.5, 0.5))

    labels = np.zeros(n)
    labels[: (n + 1) // 2] = 1.0
    labels = gen.permutation(labels)
    side = 2.0 * labels - 1.0  # +1 for label 1, -1 for label 0

    along = gen.uniform(-3.0, 3.0, size=n)  # position along the line
    # Signed distance from the line: margin plus a strictly positive extra in (0, 2].
    extra = 2.0 * (1.0 - gen.random(size=n))
    dist = side * (margin + extra)
    # The point -b*w lies on the line; move `along` the line and `dist` off it.
    X = -b * w + along[:, None] * u + dist[:, None] * w
    if return_line:
        return X, labels, w, b
    return X, labels


# ---------------------------------------------------------------------------
# Breast cancer (Wisconsin Diagnostic)
# ---------------------------------------------------------------------------

_BREAST_CANCER_FILE = "breast_cancer.csv.gz"
_BREAST_CANCER_TARGET_COLUMN = "malignant"

_BREAST_CANCER_DESCRIPTION = """\
Breast Cancer Wisconsin (Diagnostic) data set

569 fine-needle-aspirate biopsy images of breast masses, each described by 30
real-valued features of the cell nuclei: for each of ten measurements
(radius, texture, perimeter, area, smoothness, compactness, concavity,
concave points, symmetry, fractal dimension) the mean, the standard error
("... error") and the "worst" value (mean of the three largest).

Target convention in tinygrad_edu: target 1 = malignant (cancer),
target 0 = benign; target_names[t] gives the name for target value t.
212 samples are malignant and 357 benign. NOTE: this is the opposite of
scikit-learn's load_breast_cancer, where 0 = malignant and 1 = benign.

Source: UCI Machine Learning Repository, "Breast Cancer Wisconsin
(Diagnostic)", W. N. Street, W. H. Wolberg and O. L. Mangasarian (1993),
https://doi.org/10.24432/C5DW2B, licensed under CC BY 4.0. The copy shipped
here was taken from the file bundled with scikit-learn, with the target
recoded as described above; see tinygrad_edu/data/README.md.
"""


@dataclass(frozen=True, eq=False)
class Dataset:
    """A labelled table of numpy arrays, as returned by :func:`breast_cancer`.

    Attributes:
        data: feature matrix, shape (n_samples, n_features), float64.
        target: labels, shape (n_samples,), float64.
        feature_names: one name per column of ``data``.
        target_names: ``target_names[k]`` names the class with target value ``k``.
        description: where the data comes from, its licence and conventions.

    The instance is frozen (fields cannot be reassigned) but the arrays are
    ordinary writable arrays owned by the caller. ``eq=False`` because
    comparing numpy arrays with ``==`` does not give a single bool.
    """

    data: FloatArray
    target: FloatArray
    feature_names: tuple[str, ...]
    target_names: tuple[str, ...]
    description: str

    def __repr__(self) -> str:
        return (
            f"Dataset(data=<{self.data.shape} {self.data.dtype}>, "
            f"target=<{self.target.shape} {self.target.dtype}>, "
            f"feature_names=<{len(self.feature_names)} names>, "
            f"target_names={self.target_names!r})"
        )


def _read_packaged_file(filename: str) -> bytes:
    """Bytes of a file in the package's ``data`` directory."""
    if __package__:
        return (resources.files(__package__) / "data" / filename).read_bytes()
    # Module loaded by file path (not as part of the package): look next to it.
    return (Path(__file__).resolve().parent / "data" / filename).read_bytes()


@functools.lru_cache(maxsize=1)
def _load_breast_cancer() -> tuple[FloatArray, FloatArray, tuple[str, ...]]:
    """Parse the packaged CSV once; returned arrays are read-only (callers copy)."""
    text = gzip.decompress(_read_packaged_file(_BREAST_CANCER_FILE)).decode("ascii")
    header = next(csv.reader(io.StringIO(text)))
    table = np.loadtxt(io.StringIO(text), delimiter=",", skiprows=1, dtype=np.float64, ndmin=2)
    if (
        len(header) != 31
        or header[-1] != _BREAST_CANCER_TARGET_COLUMN
        or table.shape != (569, 31)
        or not np.all(np.isin(table[:, -1], (0.0, 1.0)))
    ):
        raise RuntimeError(
            f"breast_cancer: packaged file {_BREAST_CANCER_FILE} is corrupted "
            f"(header has {len(header)} columns, table shape {table.shape})"
        )
    data = np.ascontiguousarray(table[:, :-1])
    target = np.ascontiguousarray(table[:, -1])
    data.flags.writeable = False
    target.flags.writeable = False
    return data, target, tuple(header[:-1])


def breast_cancer() -> Dataset:
    """Load the Wisconsin Diagnostic Breast Cancer data (569 samples, 30 features).

    ``target`` is 1 for malignant (cancer) and 0 for benign, so
    ``target_names == ("benign", "malignant")``. This is the OPPOSITE of
    scikit-learn's ``load_breast_cancer`` coding (0 = malignant there).
    Features have very different scales (areas in the hundreds, fractal
    dimensions around 0.06), so :func:`standardize` them before training.

    The file is parsed once and cached; every call returns fresh copies of the
    arrays, so modifying them does not affect later calls.

    >>> ds = breast_cancer()
    >>> ds.data.shape, ds.target.shape
    ((569, 30), (569,))
    >>> int(ds.target.sum()), int((ds.target == 0).sum())  # malignant, benign
    (212, 357)
    >>> ds.feature_names[:2], ds.target_names
    (('mean radius', 'mean texture'), ('benign', 'malignant'))
    """
    data, target, feature_names = _load_breast_cancer()
    return Dataset(
        data=data.copy(),
        target=target.copy(),
        feature_names=feature_names,
        target_names=("benign", "malignant"),
        description=_BREAST_CANCER_DESCRIPTION,
    )


# ---------------------------------------------------------------------------
# Preparation helpers
# ---------------------------------------------------------------------------


def train_test_split(
    X: ArrayLike,
    t: ArrayLike,
    *,
    test_fraction: float = 0.2,
    rng: RngLike = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle the rows of ``X`` and ``t`` together and split off a test set.

    The test set has ``round(test_fraction * n)`` rows (rounding halves up),
    clamped so that both parts get at least one row; the split is not
    stratified. Returns new arrays ``(X_train, X_test, t_train, t_test)``
    (same order as scikit-learn); dtypes are kept.

    >>> X = np.arange(20.0).reshape(10, 2)
    >>> t = np.arange(10.0)
    >>> X_tr, X_te, t_tr, t_te = train_test_split(X, t, test_fraction=0.3, rng=0)
    >>> X_tr.shape, X_te.shape, t_tr.shape, t_te.shape
    ((7, 2), (3, 2), (7,), (3,))
    >>> bool(np.all(X_te[:, 0] == 2 * t_te))  # rows stay paired with their labels
    True
    """
    X_arr = np.asarray(X)
    t_arr = np.asarray(t)
    if X_arr.ndim == 0 or t_arr.ndim == 0:
        raise ValueError(
            f"train_test_split: X and t must have at least one dimension, got shapes "
            f"{X_arr.shape} and {t_arr.shape}"
        )
    n = X_arr.shape[0]
    if t_arr.shape[0] != n:
        raise ValueError(
            f"train_test_split: X and t must have the same number of rows, got len(X)={n} "
            f"and len(t)={t_arr.shape[0]}"
        )
    if n < 2:
        raise ValueError(f"train_test_split: need at least 2 rows to split, got {n}")
    if isinstance(test_fraction, bool) or not isinstance(test_fraction, numbers.Real):
        raise TypeError(
            f"train_test_split: test_fraction must be a real number, got "
            f"{type(test_fraction).__name__} {test_fraction!r}"
        )
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(
            f"train_test_split: test_fraction must satisfy 0 < test_fraction < 1, "
            f"got {test_fraction}"
        )
    gen = _as_generator(rng, "train_test_split")
    n_test = min(max(math.floor(float(test_fraction) * n + 0.5), 1), n - 1)
    order = gen.permutation(n)
    test_idx, train_idx = order[:n_test], order[n_test:]
    return X_arr[train_idx], X_arr[test_idx], t_arr[train_idx], t_arr[test_idx]


def _train_stats(X_train: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Column means and stds of ``X_train``; (near-)constant columns get std 1."""
    mean = X_train.mean(axis=0)
    std = X_train.std(axis=0)
    # A constant column can have a tiny nonzero std from rounding (e.g. 1e-17 for
    # a column of 0.1s); dividing by it would turn the column into +-1 noise.
    scale = np.max(np.abs(X_train), axis=0)
    constant = std <= 1e-12 * scale
    std = np.where(constant, 1.0, std)
    # Centre constant columns on their actual value so they become exactly 0.
    mean = np.where(constant, X_train[0], mean)
    return mean, std


@overload
def standardize(X_train: ArrayLike, X_test: None = None) -> FloatArray: ...


@overload
def standardize(X_train: ArrayLike, X_test: ArrayLike) -> tuple[FloatArray, FloatArray]: ...


def standardize(
    X_train: ArrayLike, X_test: ArrayLike | None = None
) -> FloatArray | tuple[FloatArray, FloatArray]:
    """Z-score each column using the mean and standard deviation of ``X_train``.

    The same train statistics are applied to ``X_test`` (never its own), so no
    information leaks from the test set. Columns that are constant in
    ``X_train`` (std zero, up to rounding) are divided by 1 instead of 0, so
    they become 0 on the train set. Inputs are never modified; results are new
    float64 arrays. Returns ``X_train_std`` alone if ``X_test`` is None,
    otherwise ``(X_train_std, X_test_std)``.

    >>> X_tr = np.array([[1.0, 5.0], [3.0, 5.0]])
    >>> standardize(X_tr).tolist()
    [[-1.0, 0.0], [1.0, 0.0]]
    >>> standardize(X_tr, np.array([[2.0, 6.0]]))[1].tolist()
    [[0.0, 1.0]]
    """
    Xtr = np.asarray(X_train, dtype=np.float64)
    if Xtr.ndim == 0 or Xtr.shape[0] == 0:
        raise ValueError(f"standardize: X_train must have at least one row, got shape {Xtr.shape}")
    mean, std = _train_stats(Xtr)
    Xtr_std = (Xtr - mean) / std
    if X_test is None:
        return Xtr_std
    Xte = np.asarray(X_test, dtype=np.float64)
    if Xte.ndim != Xtr.ndim or Xte.shape[1:] != Xtr.shape[1:]:
        raise ValueError(
            f"standardize: X_test rows must have the same shape as X_train rows, got "
            f"X_train shape {Xtr.shape} and X_test shape {Xte.shape}"
        )
    return Xtr_std, (Xte - mean) / std


def one_hot(labels: ArrayLike, num_classes: int | None = None) -> FloatArray:
    """Encode integer class labels as rows of a one-hot float64 matrix.

    ``labels`` is a 1-D sequence of non-negative integer values (floats such
    as 2.0 are accepted, 2.5 is not). The result has shape (N, K) with
    ``K = num_classes`` or, when that is None, ``max(labels) + 1``; row ``i``
    has a 1 in column ``labels[i]`` and 0 elsewhere. ``result.argmax(axis=1)``
    recovers the labels.

    >>> one_hot([0, 2, 1]).tolist()
    [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]]
    >>> one_hot(np.array([1.0, 0.0]), num_classes=3).tolist()
    [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]
    """
    arr = np.asarray(labels)
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"one_hot: labels must be integer-valued numbers, got dtype {arr.dtype}")
    if arr.ndim != 1:
        raise ValueError(f"one_hot: labels must be 1-D, got shape {arr.shape}")
    if num_classes is not None:
        if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)):
            raise TypeError(
                f"one_hot: num_classes must be an int or None, got "
                f"{type(num_classes).__name__} {num_classes!r}"
            )
        if num_classes < 1:
            raise ValueError(f"one_hot: num_classes must be >= 1, got {num_classes}")
    if arr.dtype.kind == "f":
        bad = ~np.isfinite(arr) | (arr != np.round(arr))
        if np.any(bad):
            i = int(np.argmax(bad))
            raise ValueError(
                f"one_hot: labels must be integer-valued, got {arr[i].item()!r} at index {i}"
            )
    if arr.size and np.any(arr < 0):
        i = int(np.argmax(arr < 0))
        raise ValueError(f"one_hot: labels must be >= 0, got {arr[i].item()!r} at index {i}")
    # Range checks happen before casting to int64, so huge values cannot wrap around.
    if num_classes is not None:
        k = int(num_classes)
        too_big = arr >= k
        if np.any(too_big):
            i = int(np.argmax(too_big))
            raise ValueError(
                f"one_hot: label {arr[i].item()!r} at index {i} is out of range for num_classes={k} "
                f"(labels must be < num_classes)"
            )
    else:
        k = int(arr.max()) + 1 if arr.size else 0
    idx = arr.astype(np.int64)
    out = np.zeros((idx.size, k), dtype=np.float64)
    out[np.arange(idx.size), idx] = 1.0
    return out
