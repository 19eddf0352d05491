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

from .biopsy import Dataset, breast_cancer
from .prep import one_hot, standardize, train_test_split
from .toy import and_gate, linearly_separable, logic_gate, or_gate, xor_gate

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
