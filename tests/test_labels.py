"""labels.py: the short names of a graph's tensors, shared by the trace, to_dot and explore."""

from __future__ import annotations

import numpy as np

import tinygrad_edu as tg
import tinygrad_edu.functional as F
from tinygrad_edu import Tensor
from tinygrad_edu.labels import label_tensors


def labels_of(root: Tensor) -> list[str]:
    return sorted(label_tensors(root).values())


def test_a_loss_target_takes_the_name_the_loss_gives_it():
    y = Tensor([0.2, 0.7], requires_grad=True, name="y")
    assert labels_of(F.squared_error(y.sum(), 1.0)) == ["squared_error", "sum", "t = 1", "y"]
    assert labels_of(F.mse(y, [0.0, 1.0])) == ["mse", "t", "y"]  # larger: the name alone
    p = F.sigmoid(y)
    assert labels_of(F.binary_cross_entropy(p, np.array([0.0, 1.0]))) == [
        "binary_cross_entropy", "sigmoid", "t", "y"]


def test_a_name_the_user_gave_wins():
    y = Tensor([0.2, 0.7], requires_grad=True, name="y")
    target = Tensor([0.0, 1.0], name="target")
    assert labels_of(F.mse(y, target)) == ["mse", "target", "y"]


def test_operands_without_a_part_keep_their_value_or_number():
    w = Tensor([0.5, -1.0], requires_grad=True, name="w")
    x = np.array([1.0, 2.0])
    # a · b and a * b name no part: the constant is its value, or const#k when larger
    assert labels_of((w * 2.0).dot(x)) == ["2", "const#1", "dot", "mul", "w"]


def test_a_custom_ops_forward_names_its_constant_input():
    class Scale(tg.Function):
        def forward(self, x, factor):
            self.factor = factor
            return x * factor

        def vjp(self, g):
            return g * self.factor, None

    w = Tensor([1.0, 2.0], requires_grad=True, name="w")
    assert labels_of(Scale.apply(w, 3.0).sum()) == ["factor = 3", "scale", "sum", "w"]
