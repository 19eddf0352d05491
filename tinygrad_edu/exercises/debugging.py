"""Checks for the exercises that hunt wrong gradients: find the broken op of
``mystery_loss`` with ``locate`` and fix it, and write a hypothesis property that catches
broken versions of your own op.

The property check runs the learner's test with fixed hypothesis settings (derandomized,
no example database), so its verdict does not depend on luck or on earlier runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import functional as F
from ..function import Function
from ..gradcheck import GradcheckError, gradcheck
from ..tensor import Tensor
from .feedback import Feedback, Report, attempt, compare, fmt

__all__ = ["Bump", "Softplus", "check_locate", "check_property", "mystery_loss"]


class Softplus(Function):
    """out = ln(1 + eˣ);  dL/dx = G · σ(x)"""

    rule = "d softplus/dx = σ(x)"

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.x = x
        out: np.ndarray = np.logaddexp(0.0, x)  # ln(e⁰ + eˣ), without overflow for large x
        return out

    def vjp(self, g: np.ndarray) -> tuple[np.ndarray]:
        return (g * 0.5 * (1.0 + np.tanh(0.5 * self.x)),)  # σ(x), without overflow


class Bump(Function):
    """out = exp(−x²), a bump centred on 0. (Its vjp below has a mistake, on purpose: the
    exercise is to find it with ``locate`` and fix it in a subclass.)"""

    rule = "d bump/dx = 2x·exp(−x²)"
    out: np.ndarray  # saved for vjp

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.x = x
        self.out = np.exp(-x * x)
        return self.out

    def vjp(self, g: np.ndarray) -> tuple[np.ndarray]:
        return (g * 2.0 * self.x * self.out,)


MYSTERY_X = np.array([[1.0, -0.5, 0.3], [0.2, 0.8, -1.0], [-0.7, 0.1, 0.6],
                      [0.4, 0.4, 0.4], [1.2, -0.9, 0.0], [-0.3, 0.5, -0.8]])
MYSTERY_T = np.array([0.9, 0.1, 0.5, 0.7, 0.2, 0.4])


def mystery_loss(w: Any, bump: type[Function] = Bump) -> Tensor:
    """A small model with one wrong gradient rule: mse(bump(softplus(X w) − 1), t).

    ``w`` of shape (3,); ``bump``: the class used for the bump (to try a fixed one)."""
    h = Softplus.apply(Tensor(MYSTERY_X) @ w)
    return F.mse(bump.apply(h - 1.0), MYSTERY_T)


def check_locate(op_name: str, fixed: Any) -> Feedback:
    """Exercise 8: the name of the op whose rule is wrong in ``mystery_loss`` (as ``locate``
    reports it) and a fixed class, e.g. ``class FixedBump(tg.exercises.Bump)`` with a
    correct ``vjp``."""
    report = Report("locate the wrong rule")
    names = {"matmul", "softplus", "sub", "bump", "mse"}
    if not isinstance(op_name, str) or op_name.strip().lower() != "bump":
        report.wrong(f"{op_name!r} is not the op with the wrong rule: "
                     + ("its rule is right. " if str(op_name).lower() in names else "")
                     + "Run locate(tg.exercises.mystery_loss, w) and read the name it gives")
    else:
        report.ok("'bump' is the op whose vjp disagrees with its forward")
    if not (isinstance(fixed, type) and issubclass(fixed, Function)):
        report.wrong(f"the fix must be a class derived from tg.Function (e.g. class "
                     f"FixedBump(tg.exercises.Bump)), got {fixed!r}")
        return report.done()
    x = np.array([-1.5, -0.4, 0.3, 1.1])
    g = np.array([0.6, -1.2, 0.9, 1.5])
    op = fixed()
    ok, out = attempt(report, "the fixed op's forward", lambda: op.forward(x.copy()))
    if not ok:
        return report.done()
    bump = np.exp(-x * x)
    report.verdict(compare("the fixed op's forward", out, bump,
                           where=lambda i: f"x = {fmt(x[i])}"),
                   "the fixed op still computes exp(−x²)")
    ok, grads = attempt(report, "the fixed op's vjp", lambda: op.vjp(g.copy()))
    if not ok:
        return report.done()
    got = grads[0] if isinstance(grads, (tuple, list)) and grads else grads
    problem = compare("the fixed gradient", got, g * -2 * x * bump,
                      where=lambda i: f"x = {fmt(x[i])}")
    if problem and np.shape(got) == x.shape and np.allclose(got, g * 2 * x * bump):
        problem += " — that is still the broken rule"
    report.verdict(problem, "the fixed vjp is G · (−2x)·exp(−x²)")
    if not report.failed:
        w = Tensor([0.5, -0.3, 0.8], requires_grad=True)
        try:
            gradcheck(lambda w: mystery_loss(w, bump=fixed), w)
            report.ok("with the fix, the whole mystery loss passes gradcheck")
        except GradcheckError as e:
            report.wrong("with the fix, gradcheck of the whole loss still fails: "
                         + str(e).splitlines()[0])
    return report.done()


def _broken_versions(op: type[Function]) -> dict[str, type[Function]]:
    """Subclasses of the learner's op, each with a typical mistake in its vjp."""

    class SignError(op):  # type: ignore[valid-type, misc]
        def vjp(self, g: np.ndarray) -> tuple[Any, ...]:
            return tuple(-v for v in super().vjp(g))

    class HalfTheGradient(op):  # type: ignore[valid-type, misc]
        def vjp(self, g: np.ndarray) -> tuple[Any, ...]:
            return tuple(0.5 * v for v in super().vjp(g))

    class WrongForLargeX(op):  # type: ignore[valid-type, misc]
        def forward(self, x: np.ndarray, **params: Any) -> np.ndarray:
            self.seen = x
            out: np.ndarray = super().forward(x, **params)
            return out

        def vjp(self, g: np.ndarray) -> tuple[Any, ...]:
            (v,) = super().vjp(g)
            return (np.where(np.abs(self.seen) > 2.0, 1.5 * v, v),)

    return {"a gradient with the wrong sign": SignError,
            "a gradient half as large as it should be": HalfTheGradient,
            "a gradient wrong only where |x| > 2": WrongForLargeX}


ADVICE = {"a gradient wrong only where |x| > 2": "draw values beyond ±2 (tensors() draws from "
                                                "[-3, 3] unless given other elements)"}


def _run(test: Callable[[], None]) -> Exception | None:
    from hypothesis import HealthCheck, Phase, settings

    fixed = settings(derandomize=True, database=None, max_examples=40, deadline=None,
                     phases=[Phase.explicit, Phase.generate],
                     suppress_health_check=list(HealthCheck))
    run = fixed(test)  # raises InvalidArgument if the test has @settings of its own
    try:
        run()
    except Exception as e:
        return e
    return None


def check_property(make_property: Callable[[type[Function]], Any], op: Any) -> Feedback:
    """Exercise 9: ``make_property(op)`` returns a hypothesis test (``@given`` or
    ``gradient_property``) of op's gradient. It must pass for ``op`` (your op from exercise
    1) and fail for broken versions of it."""
    report = Report("a property that catches wrong gradients")
    if not (isinstance(op, type) and issubclass(op, Function)):
        report.wrong(f"pass your op class (a tg.Function) as the second argument, got {op!r}")
        return report.done()
    try:  # a property is judged on a correct op: the learner's must pass exercise 1 first
        gradcheck(op.apply, Tensor(np.array([-2.5, -0.5, 0.75, 2.25]), requires_grad=True))
    except GradcheckError:
        report.wrong("your op's gradient disagrees with central differences: finish exercise "
                     "1 first (check_softsign); a property is tried on a correct op")
        return report.done()
    except Exception as e:
        report.wrong(f"your op raised {type(e).__name__}: {e}")
        return report.done()
    ok, test = attempt(report, "make_property(op)", lambda: make_property(op))
    if not ok:
        return report.done()
    if not hasattr(test, "hypothesis"):
        report.wrong("make_property must return a hypothesis test: a function decorated with "
                     "@given(...) (or made with tg.testing.gradient_property)")
        return report.done()
    from hypothesis.errors import InvalidArgument

    try:
        error = _run(test)
    except InvalidArgument:
        report.wrong("leave @settings out of the test: the check runs it with its own "
                     "(a fixed seed, so that its verdict is the same every time)")
        return report.done()
    if error is not None:
        report.wrong(f"the property fails for your op, whose gradient is right: "
                     f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}")
        return report.done()
    report.ok("the property passes for your op")
    for mistake, broken in _broken_versions(op).items():
        if _run(make_property(broken)) is None:
            advice = ADVICE.get(mistake, "it must check the gradient (assert gradcheck(...)), "
                                         "not only the values")
            report.wrong(f"the property also passes for a version of your op with {mistake}: "
                         f"{advice}")
        else:
            report.ok(f"it catches {mistake}")
    return report.done()
