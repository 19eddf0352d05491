"""Property-based gradient checks: hypothesis strategies that draw Tensors, and a helper
that turns ``gradcheck`` into a test. Needs hypothesis (the ``test`` extra).

All a student writes:

>>> from hypothesis import given
>>> from tinygrad_edu.testing import tensors
>>> from tinygrad_edu.gradcheck import gradcheck
>>> @given(tensors(shape=(3, 4)))
... def test_tanh(x):
...     assert gradcheck(lambda x: x.tanh(), x)
>>> test_tanh()

or the same in one line:
``test_tanh = gradient_property(lambda x: x.tanh(), tensors(shape=(3, 4)))``.
Ops with a kink or a restricted domain draw their values with ``elements_for("relu")``,
``elements_for("log")`` or ``elements(avoid=(...), min_value=...)``.
"""

try:
    import hypothesis  # noqa: F401  (only to say clearly what is missing)
except ImportError:  # pragma: no cover - depends on the environment
    raise ImportError(
        "tinygrad_edu.testing needs hypothesis: pip install 'tinygrad_edu[test]' "
        "(or pip install hypothesis)"
    ) from None

from .properties import gradient_property
from .strategies import (
    KINKS,
    broadcastable_tensors,
    distinct_tensors,
    elements,
    elements_for,
    matmul_tensors,
    shapes,
    tensors,
)

__all__ = ["KINKS", "broadcastable_tensors", "distinct_tensors", "elements", "elements_for",
           "gradient_property", "matmul_tensors", "shapes", "tensors"]
