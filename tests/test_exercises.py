"""tg.exercises: every check accepts the worked solution (taken from the solutions page
itself, so page and checks cannot drift apart) and rejects typical wrong answers, saying
what is wrong in words."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg

pytest.importorskip("hypothesis")

DOCS = Path(__file__).resolve().parent.parent / "docs"
ex = tg.exercises


@pytest.fixture(scope="module")
def solution(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The namespace of 09_solutions.md after running it (which also checks its output)."""
    spec = importlib.util.spec_from_file_location("mdrun", DOCS / "mdrun.py")
    assert spec is not None and spec.loader is not None
    mdrun = importlib.util.module_from_spec(spec)
    sys.modules["mdrun"] = mdrun
    spec.loader.exec_module(mdrun)
    return mdrun.run_page(DOCS / "tutorial" / "09_solutions.md", tmp_path_factory.mktemp("sol"))


def rejected(feedback: ex.Feedback, *phrases: str) -> bool:
    text = str(feedback)
    return not feedback and all(p in text for p in phrases)


def test_the_solutions_pass_every_check(solution):
    s = solution
    verdicts = [ex.check_softsign(s["Softsign"]), ex.check_swish(s["Swish"]),
                ex.check_huber(s["Huber"]), ex.check_mse_sigmoid(s["mse_sigmoid_grads"]),
                ex.check_perceptron_and(s["perceptron_rows"]),
                ex.check_gradient_shapes(s["gradient_shapes"]),
                ex.check_linear_backward(s["linear_backward"]),
                ex.check_locate("bump", s["FixedBump"]),
                ex.check_property(s["make_property"], s["Softsign"])]
    assert all(verdicts), "\n".join(str(v) for v in verdicts if not v)
    assert all("✗" not in str(v) for v in verdicts)


def test_softsign_rejects_a_sign_error_a_missing_square_and_a_missing_g(solution):
    base = solution["Softsign"]

    class SignError(base):
        def vjp(self, g):
            return (-super().vjp(g)[0],)

    class NoSquare(base):
        def vjp(self, g):
            return (g / (1 + np.abs(self.x)),)

    class NoUpstream(base):
        def vjp(self, g):
            return (1 / (1 + np.abs(self.x)) ** 2,)

    assert rejected(ex.check_softsign(SignError), "wrong sign everywhere")
    assert rejected(ex.check_softsign(NoSquare), "the square is missing")
    assert rejected(ex.check_softsign(NoUpstream), "without multiplying it by the upstream")
    assert rejected(ex.check_softsign(int), "derived from tg.Function")


def test_swish_rejects_half_a_product_rule(solution):
    class OnlySigmoid(solution["Swish"]):
        def vjp(self, g):
            return (g * self.s,)

    assert rejected(ex.check_swish(OnlySigmoid), "you have only σ(x)")


def test_huber_rejects_a_missing_mean_a_sign_for_t_and_no_linear_part(solution):
    base = solution["Huber"]

    class NoMean(base):
        def vjp(self, g):
            return tuple(v * self.r.size for v in super().vjp(g))

    class SameSignForT(base):
        def vjp(self, g):
            dy, _ = super().vjp(g)
            return (dy, dy)

    class QuadraticEverywhere(base):
        def vjp(self, g):
            dy = g * self.r / self.r.size
            return (dy, -dy)

    class OneGradient(base):
        def vjp(self, g):
            return super().vjp(g)[:1]

    assert rejected(ex.check_huber(NoMean), "divide by N = 6")
    assert rejected(ex.check_huber(SameSignForT), "dE/dt = −dE/dy")
    assert rejected(ex.check_huber(QuadraticEverywhere), "the loss is linear")
    assert rejected(ex.check_huber(OneGradient), "two gradients")


def test_mse_sigmoid_rejects_a_missing_sum_slope_or_mean(solution):
    right = solution["mse_sigmoid_grads"]

    def unsummed(X, w, b, t):
        y = 1 / (1 + np.exp(-(X @ w + b)))
        delta = 2 * (y - t) * y * (1 - y) / len(X)
        return X.T @ delta, delta

    def no_slope(X, w, b, t):
        y = 1 / (1 + np.exp(-(X @ w + b)))
        delta = 2 * (y - t) / len(X)
        return X.T @ delta, delta.sum()

    def four_typed_in(X, w, b, t):
        dw, db = right(X, w, b, t)
        return dw * len(X) / 4, db * len(X) / 4

    assert rejected(ex.check_mse_sigmoid(unsummed), "dE/db has shape (4,), expected ()",
                    "you forgot to sum over the batch")
    assert rejected(ex.check_mse_sigmoid(no_slope), "you left out σ′(z)")
    assert rejected(ex.check_mse_sigmoid(lambda X, w, b, t: tuple(4 * v for v in
                                                                  right(X, w, b, t))),
                    "divide by N = 4")
    assert rejected(ex.check_mse_sigmoid(four_typed_in), "a number typed in")


def test_perceptron_rejects_a_strict_step_and_a_flipped_error(solution):
    rows = solution["perceptron_rows"]
    assert rejected(ex.check_perceptron_and([(0, 0, 0), *rows[1:]]),
                    "epoch 1, sample 1", "step(0) = 1", "must move the line")
    assert rejected(ex.check_perceptron_and([(0, 0, 1), *rows[1:]]), "not y − t")
    late = [*rows[:7], (2, 1, 0)]
    assert rejected(ex.check_perceptron_and(late), "epoch 2, sample 4")
    assert rejected(ex.check_perceptron_and(rows[:4]), "give 8 rows")


def test_gradient_shapes_rejects_an_unsummed_bias_and_a_transposed_weight(solution):
    answer = dict(solution["gradient_shapes"], bias=(5, 4), weight=(3, 4))
    feedback = ex.check_gradient_shapes(answer)
    assert rejected(feedback, "dL/dbias has shape (4,), not (5, 4)", "summed over the batch",
                    "dL/dweight has shape (4, 3), not (3, 4)")
    assert "✓ dL/dX has shape (5, 3)" in str(feedback)
    assert rejected(ex.check_gradient_shapes({"Y": (5, 4)}), "give a dict with the keys")


def test_linear_backward_rejects_a_missing_sum_over_the_batch(solution):
    right = solution["linear_backward"]

    def unsummed(X, W, b, G):
        dX, dW, _ = right(X, W, b, G)
        return dX, dW, G

    def transposed_and_averaged(X, W, b, G):
        return G @ W, X.T @ G, G.mean(axis=0)

    assert rejected(ex.check_linear_backward(unsummed),
                    "dL/db has shape (5, 4), expected (4,): you forgot to sum over the batch")
    assert rejected(ex.check_linear_backward(transposed_and_averaged), "it is transposed",
                    "sum over the 5 samples, do not average")


def test_locate_rejects_the_wrong_op_and_the_unfixed_rule(solution):
    assert rejected(ex.check_locate("softplus", solution["FixedBump"]), "its rule is right")
    assert rejected(ex.check_locate("bump", ex.Bump), "that is still the broken rule")
    assert tg.gradcheck.locate(ex.mystery_loss, tg.Tensor([0.5, -0.3, 0.8],
                                                          requires_grad=True)).op == "bump"


def test_property_rejects_tests_that_miss_broken_gradients(solution):
    from hypothesis import given, settings

    from tinygrad_edu.testing import tensors

    op = solution["Softsign"]

    def shape_only(op):
        @given(tensors(shape=(3,)))
        def test(x):
            assert op.apply(x).shape == x.shape
        return test

    def with_settings(op):
        @settings(max_examples=5)
        @given(tensors(shape=(3,)))
        def test(x):
            assert tg.gradcheck.gradcheck(op.apply, x)
        return test

    assert rejected(ex.check_property(shape_only, op), "with a gradient with the wrong sign")
    assert rejected(ex.check_property(lambda op: (lambda: None), op), "hypothesis test")
    assert rejected(ex.check_property(with_settings, op), "leave @settings out")

    class Unfinished(op):
        def vjp(self, g):
            return (g,)

    assert rejected(ex.check_property(solution["make_property"], Unfinished),
                    "finish exercise 1 first")


def test_checks_are_deterministic(solution):
    def small(op):
        from hypothesis import given

        from tinygrad_edu.testing import elements, tensors

        @given(tensors(shape=(3, 4), elements=elements(-1.0, 1.0)))
        def test(x):
            assert tg.gradcheck.gradcheck(op.apply, x)
        return test

    first = str(ex.check_property(small, solution["Softsign"]))
    assert first == str(ex.check_property(small, solution["Softsign"]))
    assert "✗" in first  # values in [-1, 1] never reach the rule that is wrong beyond ±2


def test_feedback_reads_as_a_report():
    feedback = ex.Feedback("demo", False, ["✓ one thing", "✗ another"])
    assert str(feedback) == "demo: not yet\n  ✓ one thing\n  ✗ another" == repr(feedback)
    assert not feedback and ex.Feedback("demo", True)
