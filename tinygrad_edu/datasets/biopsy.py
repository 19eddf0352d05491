"""The Wisconsin Diagnostic Breast Cancer table, shipped inside the package (no download)."""

from __future__ import annotations

import csv
import functools
import gzip
import io
from dataclasses import dataclass
from importlib import resources

import numpy as np

from .prep import FloatArray

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
    """Bytes of a file in the package's ``data`` directory (tinygrad_edu/data/)."""
    return (resources.files("tinygrad_edu") / "data" / filename).read_bytes()


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

