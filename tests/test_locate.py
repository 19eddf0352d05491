"""locate: the first op whose vjp disagrees with its own forward, by name, position, shapes.

(That locate finds nothing wrong in any built-in op is tested with gradcheck, over every op,
in test_gradcheck.py.)
"""

import doctest

import numpy as np
import pytest
from hypothesis import given

import tinygrad_edu as tg
import tinygrad_edu.functional as F
from tinygrad_edu import Tensor, guards
from tinygrad_edu.gradcheck import GradcheckError, WrongGradient, gradcheck, locate
from tinygrad_edu.locate import forward_order
from tinygrad_edu.testing import tensors

# see test_gradcheck.TIGHT for why these bounds hold for right rules on these values
TIGHT = {"atol": 1e-6, "rtol": 1e-5}


class WrongSignTanh(tg.Function):
    """out = tanh(a); rule with the wrong sign."""

    def forward(self, a):
        self.out = np.tanh(a)
        return self.out

    def vjp(self, g):
        return (-g * (1.0 - self.out ** 2),)


class Scale(tg.Function):
    """out = factor · a; the rule is G · factor · (1 + error)."""

    def forward(self, a, *, factor, error=0.0):
        self.factor, self.error = factor, error
        return a * factor

    def vjp(self, g):
        return (g * self.factor * (1 + self.error),)


class BiasMean(tg.Function):
    """out = x + b for x (N, K), b (K,); the rule averages G over the batch instead of summing."""

    name = "bias_mean"

    def forward(self, x, b):
        return x + b

    def vjp(self, g):
        return g, g.mean(axis=0)


class GatherAssign(tg.Function):
    """out = a[idx]; the rule writes G back with ``=``, losing repeated indices' shares."""

    def forward(self, a, *, idx):
        self.shape, self.idx = a.shape, idx
        return a[idx]

    def vjp(self, g):
        z = np.zeros(self.shape)
        z[self.idx] = g
        return (z,)


def _net(first=F.tanh, second=F.sigmoid):
    gen = np.random.default_rng(3)
    w1, w2 = (Tensor(gen.standard_normal(s), requires_grad=True) for s in [(4, 3), (2, 4)])
    X, T = Tensor(gen.standard_normal((5, 3))), gen.standard_normal((5, 2))
    return lambda X: F.mse(second(first(X @ w1.T) @ w2.T), T), X


def test_a_right_graph_has_no_culprit():
    f, X = _net()
    assert locate(f, X, **TIGHT) is None


def test_the_wrong_op_is_named_with_its_position_and_shapes():
    f, X = _net(first=WrongSignTanh.apply)
    found = locate(f, X)
    assert isinstance(found, WrongGradient)
    assert found.op == "wrongsigntanh"
    # depth 1: both transposes (of the weights); then the ops in the order they ran
    assert found.forward_order == ("transpose", "transpose", "matmul", "wrongsigntanh",
                                   "matmul", "sigmoid", "mse")
    assert found.position == 4
    assert found.input_shapes == ((5, 4),) and found.output_shape == (5, 4)
    assert found.input == 0 and found.n_wrong >= 10  # all 20, but for slopes under atol
    assert found.analytic == pytest.approx(-found.numerical, abs=1e-8)
    text = str(found)
    assert "'wrongsigntanh'" in text and "[wrongsigntanh]" in text and "(5, 4)" in text
    assert found.node is not None and found.node.op == "wrongsigntanh"


def test_the_op_closest_to_the_inputs_is_reported_first():
    f, X = _net(first=WrongSignTanh.apply, second=lambda h: Scale.apply(h, factor=2.0,
                                                                        error=0.5))
    found = locate(f, X)
    assert found.op == "wrongsigntanh"
    # the later one alone is found too, with its parameters shown
    g, X = _net(second=lambda h: Scale.apply(h, factor=2.0, error=0.5))
    later = locate(g, X)
    assert later.op == "scale" and later.params == {"factor": 2.0, "error": 0.5}
    assert "factor=2.0" in str(later)
    assert later.position > found.position


def test_a_shallow_branch_comes_before_a_deep_one():
    x = Tensor([0.3, -0.7], requires_grad=True)

    def deep(x):
        return WrongSignTanh.apply(x.exp().sigmoid().tanh())

    def shallow(x):
        return Scale.apply(x, factor=3.0, error=0.1)

    found = locate(lambda x: (deep(x) * shallow(x)).sum(), x)
    assert found.op == "scale" and found.position <= 2


def test_forward_order_puts_parents_before_children():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = ((x * 2).exp() + x.tanh()).sum()
    order = forward_order(y)
    seen = set()
    for node in order:
        assert all(p._fn is None or id(p) in seen for p in node.parents)
        seen.add(id(node))
    assert order[-1] is y and len(order) == 5


def test_a_missing_broadcast_reduction_is_pinned_on_the_bias():
    x = tg.randn(4, 3, rng=0, requires_grad=True)
    b = tg.randn(3, rng=1, requires_grad=True)
    found = locate(lambda x, b: BiasMean.apply(x, b).relu().sum(), x, b)
    assert (found.op, found.input, found.input_shapes) == ("bias_mean", 1, ((4, 3), (3,)))
    assert found.analytic == pytest.approx(found.numerical / 4, rel=1e-6)


def test_assign_instead_of_accumulate_is_found_with_its_index():
    a = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    found = locate(lambda a: GatherAssign.apply(a.exp(), idx=np.array([0, 2, 0])).sum(), a)
    assert found.op == "gatherassign" and found.index == (0,)
    assert "idx=array([0, 2, 0])" in str(found)


def test_an_error_of_five_hundredths_of_a_percent_is_found_at_tight_tolerance():
    x = Tensor([0.5, -1.5], requires_grad=True)

    def f(x):
        return Scale.apply(x.tanh(), factor=2.0, error=5e-4).sum()

    assert locate(f, x, **TIGHT).op == "scale"
    assert locate(lambda x: Scale.apply(x.tanh(), factor=2.0).sum(), x, **TIGHT) is None


def test_a_long_chain_reports_the_exact_position():
    x = Tensor([0.1, 0.2], requires_grad=True)

    def f(x):
        for k in range(60):
            x = Scale.apply(x, factor=1.01, error=0.3 if k == 41 else 0.0)
        return x.sum()
    found = locate(f, x)
    assert found.position == 42 and len(found.forward_order) == 61
    assert "... " in str(found) and "[scale]" in str(found)


def test_a_vjp_of_the_wrong_shape_is_reported():
    class BadShape(tg.Function):
        def forward(self, a):
            return a * 2

        def vjp(self, g):
            return (g.sum(axis=0),)  # (3,) for an input of shape (2, 3)

    found = locate(lambda x: BadShape.apply(x).sum(), tg.randn(2, 3, rng=0, requires_grad=True))
    assert found.op == "badshape" and "returned shape (3,)" in found.problem


def test_a_vjp_that_raises_is_reported():
    class Crash(tg.Function):
        def forward(self, a):
            self.a = a
            return a * 2

        def vjp(self, g):
            return (g @ np.ones((5, 5)),)  # shapes do not fit

    found = locate(lambda x: Crash.apply(x.exp()).sum(), Tensor([1.0, 2.0], requires_grad=True))
    assert found.op == "crash" and found.position == 2
    assert found.problem.startswith("its vjp raised ValueError")


def test_a_vjp_that_changes_grad_out_in_place_is_reported():
    class InPlace(tg.Function):
        def forward(self, a):
            self.a = a
            return a * a

        def vjp(self, g):
            g *= 2 * self.a  # right values, but other ops may still need g
            return (g,)

    found = locate(lambda x: InPlace.apply(x).sum(), Tensor([1.0, 2.0], requires_grad=True))
    assert found.op == "inplace" and "in place" in found.problem


def test_a_forward_that_is_not_repeatable_is_reported():
    calls = iter(range(100))

    class Drift(tg.Function):
        def forward(self, a):
            return a + next(calls)

        def vjp(self, g):
            return (g,)

    found = locate(lambda x: Drift.apply(x).sum(), Tensor([1.0], requires_grad=True))
    assert found.op == "drift" and "other values" in found.problem


def test_a_forward_failing_at_a_perturbed_input_says_so():
    p = Tensor([1.0, 0.5], requires_grad=True)  # 1.0 + eps is not a probability
    with pytest.raises(ValueError, match=r"binary_cross_entropy.*moved by"):
        locate(lambda p: F.binary_cross_entropy(p, np.array([1.0, 0.0])), p)


def test_nothing_recorded_is_an_error_not_a_pass():
    with pytest.raises(ValueError, match="recorded no operation"):
        locate(lambda x: x * 2, Tensor([1.0]))


def test_engine_faults_are_outside_locates_view(monkeypatch):
    # locate judges each op by its own forward; a broken engine is gradcheck's to catch
    def first_copy(grad, shape):
        g = grad[(0,) * (grad.ndim - len(shape))]
        return g[tuple(slice(0, 1) if n == 1 else slice(None) for n in shape)]

    monkeypatch.setattr(guards, "unbroadcast", first_copy)
    x, b = tg.randn(4, 3, rng=1, requires_grad=True), tg.randn(3, rng=2, requires_grad=True)
    with pytest.raises(GradcheckError):
        gradcheck(lambda x, b: (x + b).tanh(), x, b)
    assert locate(lambda x, b: (x + b).tanh(), x, b) is None


def test_locate_leaves_the_callers_tensors_alone():
    x = Tensor([0.5, 1.0], requires_grad=True)
    w = Tensor([2.0, -1.0], requires_grad=True)  # found through the graph, like a weight
    assert locate(lambda x: WrongSignTanh.apply(x * w).sum(), x).op == "wrongsigntanh"
    assert x.grad is None and w.grad is None and x.is_leaf
    assert (x.data == [0.5, 1.0]).all() and (w.data == [2.0, -1.0]).all()


@given(tensors(shape=(2, 3)))
def test_locate_agrees_with_gradcheck_about_a_wrong_rule(x):
    def f(x):
        return WrongSignTanh.apply(x * 2).sum()

    with pytest.raises(GradcheckError):
        gradcheck(f, x)
    assert locate(f, x).op == "wrongsigntanh"


def test_module_examples_run():
    from tinygrad_edu import locate as module

    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0


class RightTanh(tg.Function):
    """out = tanh(a);  dL/da = G (1 − out²)"""

    rule = "d tanh/da = 1 − tanh²"

    def forward(self, a):
        self.out = np.tanh(a)
        return self.out

    def vjp(self, g):
        return (g * (1.0 - self.out ** 2),)


class BrokenTanh(RightTanh):
    def vjp(self, g):  # the parent's rule text stays, but this vjp forgets the square
        return (g * (1.0 - self.out),)


class RenamedTanh(RightTanh):
    name = "renamed_tanh"  # the parent's vjp, so its rule text still describes it


def test_an_inherited_rule_for_an_overridden_vjp_is_not_shown_as_its_rule():
    x = tg.randn(3, rng=0, requires_grad=True)
    found = locate(lambda x: BrokenTanh.apply(x).sum(), x)
    assert found is not None and found.rule == ""
    assert "its rule says" not in str(found)
    assert ("no rule of its own: the text 'd tanh/da = 1 − tanh²' it inherits was written "
            "for the vjp of RightTanh, which BrokenTanh overrides") in str(found)
    # a subclass that keeps the vjp keeps the rule: shown when such an op is wrong elsewhere
    assert tg.function.rule_of(RenamedTanh) == "d tanh/da = 1 − tanh²"
    assert tg.function.inherited_rule(BrokenTanh) is RightTanh
    assert tg.function.inherited_rule(RenamedTanh) is None
