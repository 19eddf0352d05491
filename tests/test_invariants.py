"""Invariants that every op must keep, checked over one table of all ops, and proof that
the gradient checker catches wrong rules ("test the tester").

For every op: the gradient has the input's shape and dtype; forward and backward leave the
inputs and the upstream gradient unchanged; leaf gradients are separate arrays; a tensor or
node used twice accumulates both contributions; two backward calls add up.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_edu as tg
import tinygrad_edu.functional as F
from tinygrad_edu import Function, Tensor
from tinygrad_edu.gradcheck import GradcheckError, gradcheck, numerical_grad
from tinygrad_edu.testing import broadcastable_tensors, elements, matmul_tensors, shapes, tensors

seeds = st.integers(0, 2**32 - 1)
positive = elements(0.2, 3.0)
off_kink = elements(avoid=(0.0,))


def one(strategy: st.SearchStrategy[Tensor]) -> st.SearchStrategy[tuple[Tensor, ...]]:
    return strategy.map(lambda t: (t,))


def pair(left=None, right=None, *, same_shape: bool = False):
    """Two tensors of broadcastable (or equal) shapes with their own elements."""
    if same_shape:
        return shapes().flatmap(lambda s: st.tuples(tensors(s, elements=left),
                                                    tensors(s, elements=right)))
    return hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3).flatmap(
        lambda bs: st.tuples(tensors(bs.input_shapes[0], elements=left),
                             tensors(bs.input_shapes[1], elements=right)))


@st.composite
def distinct(draw):
    """A tensor without ties (values 0.25 apart), for max."""
    shape = draw(shapes(min_dims=1))
    values = (np.array(draw(st.permutations(range(int(np.prod(shape))))), float) - 3) * 0.25
    return (Tensor(values.reshape(shape), requires_grad=True),)


# binary targets lie in [0, 1]; central differences move them by ±eps, so not at the ends
TARGET = elements(0.0, 1.0, avoid=(0.0, 1.0))
IDX = np.array([1, 0, 1])  # class indices for 3 samples (repeated class on purpose)
ONE_HOT = np.eye(2)[IDX]
ROWS = tensors((3, 2), elements=elements(0.05, 0.95))

# maximum / minimum without ties: a on the grid 0.1·k, b on 0.1·k + 0.05
ON_GRID = st.integers(-30, 30).map(lambda k: k * 0.1)
OFF_GRID = st.integers(-30, 30).map(lambda k: k * 0.1 + 0.05)

# name -> (function of the input tensors, strategy of input tuples)
OPS: dict[str, tuple[Callable[..., Tensor], st.SearchStrategy[Any]]] = {
    "add": (operator.add, broadcastable_tensors()),
    "sub": (operator.sub, broadcastable_tensors()),
    "mul": (operator.mul, broadcastable_tensors()),
    "div": (operator.truediv, pair(None, elements(avoid=(0.0,), margin=0.5))),
    "pow": (operator.pow, pair(positive, elements(-2.0, 2.0))),
    "pow_const": (lambda a: a**3, one(tensors())),
    "rsub_const": (lambda a: 2.0 - a, one(tensors())),
    "rdiv_const": (lambda a: 2.0 / a, one(tensors(elements=positive))),
    "neg": (operator.neg, one(tensors())),
    "exp": (Tensor.exp, one(tensors())),
    "log": (Tensor.log, one(tensors(elements=positive))),
    "sqrt": (Tensor.sqrt, one(tensors(elements=positive))),
    "abs": (Tensor.abs, one(tensors(elements=off_kink))),
    "matmul": (operator.matmul, matmul_tensors()),
    "dot": (tg.dot, st.sampled_from([(2, 3), (3,)]).flatmap(
        lambda s: st.tuples(tensors(s), tensors((3,))))),
    "sum": (lambda a: a.sum(axis=0, keepdims=True), one(tensors(shapes(min_dims=1)))),
    "sum_all": (Tensor.sum, one(tensors())),
    "mean": (lambda a: a.mean(axis=-1), one(tensors(shapes(min_dims=1)))),
    "max": (lambda a: a.max(axis=0), distinct()),
    "reshape": (lambda a: a.reshape(-1), one(tensors())),
    "transpose": (lambda a: a.T, one(tensors())),
    "index_slice": (lambda a: a[::-1], one(tensors(shapes(min_dims=1)))),
    "index_repeat": (lambda a: a[[0, 0, -1, 0]], one(tensors(shapes(min_dims=1)))),
    "sigmoid": (Tensor.sigmoid, one(tensors())),
    "tanh": (Tensor.tanh, one(tensors())),
    "relu": (Tensor.relu, one(tensors(elements=off_kink))),
    "leaky_relu": (lambda a: F.leaky_relu(a, 0.1), one(tensors(elements=off_kink))),
    "sign": (Tensor.sign, one(tensors(elements=off_kink))),
    "step": (Tensor.step, one(tensors(elements=off_kink))),
    "identity": (F.identity, one(tensors())),
    "softmax": (lambda a: a.softmax(axis=0), one(tensors(shapes(min_dims=1)))),
    "log_softmax": (Tensor.log_softmax, one(tensors(shapes(min_dims=1)))),
    "squared_error": (F.squared_error, pair(same_shape=True)),
    "mse": (F.mse, pair(same_shape=True)),
    "binary_cross_entropy": (F.binary_cross_entropy,
                             pair(elements(0.05, 0.95), TARGET, same_shape=True)),
    "binary_cross_entropy_with_logits": (F.binary_cross_entropy_with_logits,
                                         pair(None, TARGET, same_shape=True)),
    "cross_entropy_one_hot": (F.cross_entropy, st.tuples(ROWS, tensors((3, 2)))),
    "cross_entropy_indices": (lambda p: F.cross_entropy(p, IDX), one(ROWS)),
    "softmax_cross_entropy_one_hot": (lambda z: F.softmax_cross_entropy(z, ONE_HOT),
                                      one(tensors((3, 2)))),
    "softmax_cross_entropy_indices": (lambda z: F.softmax_cross_entropy(z, IDX),
                                      one(tensors((3, 2)))),
    "square": (Tensor.square, one(tensors())),
    "sin": (Tensor.sin, one(tensors())),
    "cos": (Tensor.cos, one(tensors())),
    "clone": (Tensor.clone, one(tensors())),
    "min": (lambda a: a.min(axis=0), distinct()),
    "prod": (lambda a: a.prod(axis=-1), one(tensors(shapes(min_dims=1)))),
    "prod_all": (Tensor.prod, one(tensors())),
    "var": (lambda a: a.var(axis=0), one(tensors(shapes(min_dims=1)))),
    "cumsum": (lambda a: a.cumsum(axis=0), one(tensors(shapes(min_dims=1)))),
    "flip": (Tensor.flip, one(tensors())),
    "broadcast_to": (lambda a: a.broadcast_to((2, *a.shape)), one(tensors())),
    "tile": (lambda a: a.tile((2, 1)), one(tensors())),
    "repeat": (lambda a: a.repeat(2), one(tensors())),
    "stack": (lambda a, b: tg.stack([a, b], axis=-1), pair(same_shape=True)),
    "concatenate": (lambda a, b: tg.cat([a, b], axis=None), pair()),
    "maximum": (tg.maximum, pair(ON_GRID, OFF_GRID)),
    "minimum": (tg.minimum, pair(OFF_GRID, ON_GRID)),
    "where": (lambda a, b: tg.where(a.numpy() > 0, a, b), pair()),
    "clip": (lambda a: a.clip(-1.0, 1.0), one(tensors(elements=elements(avoid=(-1.0, 1.0))))),
}


def fresh(xs: tuple[Tensor, ...]) -> list[Tensor]:
    return [Tensor(x.data.copy(), requires_grad=True) for x in xs]


def grads_with(f: Callable[..., Tensor], xs: tuple[Tensor, ...], R: np.ndarray) -> list[Any]:
    leaves = fresh(xs)
    f(*leaves).backward(R)
    return [leaf.grad for leaf in leaves]


def upstream(f: Callable[..., Tensor], xs: tuple[Tensor, ...], seed: int) -> np.ndarray:
    with tg.no_grad():
        shape = f(*xs).shape
    return np.random.default_rng(seed).standard_normal(shape)


@pytest.mark.parametrize("name", OPS)
@given(data=st.data(), seed=seeds)
def test_grads_have_the_input_shape_are_separate_and_nothing_is_mutated(name, data, seed):
    f, inputs = OPS[name]
    xs = data.draw(inputs)
    before = [x.data.copy() for x in xs]
    arrays = [x.data for x in xs]
    out = f(*xs)
    R = np.random.default_rng(seed).standard_normal(out.shape)
    R_before = R.copy()
    out.backward(R)
    grads = [x.grad for x in xs]
    for i, (x, old, arr) in enumerate(zip(xs, before, arrays, strict=True)):
        assert x.data is arr  # the same array, and
        np.testing.assert_array_equal(x.data, old)  # the same values: inputs untouched
        g = grads[i]
        assert g is not None
        assert g.shape == x.shape and g.dtype == x.dtype
        assert np.isfinite(g).all()
        # a separate, writable array: updating one gradient in place changes nothing else
        assert g.flags.writeable
        assert not any(np.shares_memory(g, o) for o in [R, out.data, *arrays, *grads[i + 1:]])
    np.testing.assert_array_equal(R, R_before)  # the upstream gradient untouched


@pytest.mark.parametrize("name", OPS)
@given(data=st.data(), seed=seeds)
def test_reuse_accumulates(name, data, seed):
    # Exact comparisons, by construction: every vjp is linear in G, and scaling G by a power
    # of two scales each rounded step exactly; sums of two contributions are chosen so that
    # they round to nothing (d + d = 2d; 2R - R = R; d - d/2 = d/2, Sterbenz). Except below
    # 2.2e-308 (subnormal numbers, which the strategies draw), where scaling is not exact:
    # there each rounding is off by up to 2.5e-324, and no op here multiplies that by more
    # than ~1e3, so atol 1e-300 (and rtol 0) still checks every normal value exactly.
    exact = {"rtol": 0.0, "atol": 1e-300}
    f, inputs = OPS[name]
    xs = data.draw(inputs)
    R = upstream(f, xs, seed)
    single = grads_with(f, xs, R)

    # the same leaves used by two calls of the op: each leaf gets d + d
    leaves = fresh(xs)
    (f(*leaves) * R + f(*leaves) * R).sum().backward()
    for leaf, g in zip(leaves, single, strict=True):
        np.testing.assert_allclose(leaf.grad, 2 * g, **exact)

    # one node used twice downstream, with weights 2 and -1: its G is 2R - R = R, and a
    # node that kept only one contribution, or doubled the first, would be off by 2x or more
    leaves = fresh(xs)
    node = f(*leaves)
    (node * (2.0 * R) + node * -R).sum().backward()
    for leaf, g in zip(leaves, single, strict=True):
        np.testing.assert_allclose(leaf.grad, g, **exact)

    # two backward passes add up: d + (-d/2)
    leaves = fresh(xs)
    f(*leaves).backward(R)
    f(*leaves).backward(-0.5 * R)
    for leaf, g in zip(leaves, single, strict=True):
        np.testing.assert_allclose(leaf.grad, 0.5 * g, **exact)


SAME_TENSOR_TWICE = ["add", "sub", "mul", "div", "pow", "matmul", "squared_error", "mse"]


@pytest.mark.parametrize("name", SAME_TENSOR_TWICE)
@given(x=tensors((3, 3), elements=elements(0.5, 2.0)), seed=seeds)
def test_one_tensor_as_both_operands(name, x, seed):
    # f(x, x): both of the op's gradients land on x and must be summed
    f = OPS[name][0]
    R = upstream(lambda t: f(t, t), (x,), seed)
    assert gradcheck(lambda t: (f(t, t) * R).sum(), x, atol=1e-6, rtol=1e-5)


# ---------------------------------------------------------------------------
# test the tester: wrong rules are caught by gradcheck
# ---------------------------------------------------------------------------


class Tanh(Function):
    """A correct op, the control: out = tanh(a), dL/da = G (1 - out²)."""

    def forward(self, a):
        self.out = np.tanh(a)
        return self.out

    def vjp(self, g):
        return (g * (1 - self.out**2),)


class TanhWrongSign(Tanh):
    def vjp(self, g):
        return (-g * (1 - self.out**2),)


class TanhOffByTinyFactor(Tanh):
    def vjp(self, g):
        return (g * (1 - self.out**2) * 1.0005,)  # 0.05 % too large


class BiasAdd(Function):
    """out = x + b, x (N, K), b (K,): dL/db = Σ_n G[n]."""

    def forward(self, x, b):
        return x + b

    def vjp(self, g):
        return g, g.sum(axis=0)


class BiasAddOneRow(BiasAdd):
    def vjp(self, g):
        return g, g[0]  # "fixed" the shape by taking one sample instead of summing the batch


class BiasAddMean(BiasAdd):
    def vjp(self, g):
        return g, g.mean(axis=0)  # averaged instead of summed


class SquareOneUse(Function):
    """out = a·a, but the rule counts only one of the two uses of a: G·a instead of 2·G·a."""

    def forward(self, a):
        self.a = a
        return a * a

    def vjp(self, g):
        return (g * self.a,)


class SoftmaxZeroGrad(Function):
    """A softmax whose vjp returns zeros: right ONLY for an upstream gradient of all ones
    (softmax sums to 1, so moving along ones changes nothing)."""

    def forward(self, a):
        e = np.exp(a - a.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)

    def vjp(self, g):
        return (np.zeros_like(g),)


x34 = tensors((3, 4))


def away_from_zero(seed: int, shape: tuple[int, ...]) -> np.ndarray:
    """A random upstream gradient with every |entry| in [0.5, 2]: a test that a wrong rule
    is caught must not depend on the luck of R (an entry of R near 0 hides its error)."""
    rng = np.random.default_rng(seed)
    return rng.uniform(0.5, 2.0, shape) * rng.choice([-1.0, 1.0], shape)


# A 0.05 % error is 5e-4 relative: a relative tolerance below that is needed to see it. With
# eps 1e-6 the central difference itself is good to ~1e-9 here (|tanh'''| <= 2), so rtol 1e-5
# and atol 1e-7 leave a margin of 100 on both sides.
STRICT = {"atol": 1e-7, "rtol": 1e-5}


@given(x34, seeds)
def test_the_correct_rules_pass(x, seed):
    R = np.random.default_rng(seed).standard_normal((3, 4))
    assert gradcheck(lambda t: (tg.apply(Tanh, t) * R).sum(), x, **STRICT)
    b = Tensor(np.random.default_rng(seed).standard_normal(4), requires_grad=True)
    assert gradcheck(lambda t, c: (tg.apply(BiasAdd, t, c) * R).sum(), x, b, **STRICT)


@pytest.mark.parametrize("wrong", [TanhWrongSign, TanhOffByTinyFactor])
@given(x=x34, seed=seeds)
def test_wrong_elementwise_rules_are_caught(wrong, x, seed):
    # the error is 2·|J| or 5e-4·|J| in every entry, J = R·tanh'(x) with |J| >= 0.5·tanh'(3)
    # = 5e-3: over STRICT's tolerance, at most 1e-7 + 1e-5·|J| (+ a rounding floor ~1e-8)
    R = away_from_zero(seed, (3, 4))
    with pytest.raises(GradcheckError):
        gradcheck(lambda t: (tg.apply(wrong, t) * R).sum(), x, **STRICT)
    with pytest.raises(GradcheckError):
        gradcheck(lambda t: tg.apply(wrong, t), x, **STRICT)  # full Jacobian


@pytest.mark.parametrize("wrong", [BiasAddOneRow, BiasAddMean])
@given(x=x34, seed=seeds)
def test_missing_broadcast_reduction_is_caught(wrong, x, seed):
    b = Tensor(np.random.default_rng(seed).standard_normal(4), requires_grad=True)
    with pytest.raises(GradcheckError):
        gradcheck(lambda t, c: tg.apply(wrong, t, c).sum(), x, b, **STRICT)


@given(x=tensors(elements=elements(avoid=(0.0,), margin=0.1)), seed=seeds)
def test_forgotten_accumulation_is_caught(x, seed):
    # the rule is off by |R·x| >= 0.05 in every entry: far over STRICT's tolerance
    R = away_from_zero(seed, x.shape)
    with pytest.raises(GradcheckError):
        gradcheck(lambda t: (tg.apply(SquareOneUse, t) * R).sum(), x, **STRICT)


def test_a_rule_right_only_for_ones_is_caught_by_a_random_upstream_gradient():
    x = Tensor(np.random.default_rng(0).standard_normal((2, 3)), requires_grad=True)
    # with G = ones (a plain .sum()) the wrong rule looks right: why tests never use ones
    [g_ones] = numerical_grad(lambda t: tg.apply(SoftmaxZeroGrad, t), x)
    np.testing.assert_allclose(g_ones, 0.0, atol=1e-8)
    assert gradcheck(lambda t: tg.apply(SoftmaxZeroGrad, t).sum(), x, **STRICT)
    R = np.random.default_rng(1).standard_normal((2, 3))
    with pytest.raises(GradcheckError):
        gradcheck(lambda t: (tg.apply(SoftmaxZeroGrad, t) * R).sum(), x, **STRICT)


def test_gradcheck_error_names_the_input_and_values():
    x = Tensor([[0.5, -1.0]], requires_grad=True, name="x")
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda t: tg.apply(TanhWrongSign, t).sum(), x)
    message = str(info.value)
    analytic = -(1 - np.tanh(0.5) ** 2)
    assert "input 0" in message or "'x'" in message
    assert f"{analytic:.6g}"[:6] in message  # the analytic value is shown
    assert f"{-analytic:.6g}"[:6] in message  # and the numerical one
