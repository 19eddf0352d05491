"""The examples in the core modules' docstrings run and show what they claim."""

from __future__ import annotations

import doctest
import importlib

import pytest

CORE = ["broadcasting", "creation", "engine", "errors", "function", "guards", "tensor",
        "tensor_math", "ops.elementwise", "ops.linalg", "ops.reduce", "ops.shape",
        "ops.activations", "ops.losses", "gradcheck", "testing"]


@pytest.mark.parametrize("name", CORE)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(f"tinygrad_edu.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0


def test_the_core_has_examples() -> None:
    attempted = sum(
        doctest.testmod(importlib.import_module(f"tinygrad_edu.{name}")).attempted
        for name in CORE)
    assert attempted >= 20
