"""gradcheck and numerical_grad: they pass on every built-in op and fail on wrong rules.

The checker is tested as hard as the ops: each deliberately wrong rule below (wrong sign,
missing broadcast reduction, ``=`` instead of ``+=``, off by 0.05 %) must be caught, and a
near-identical right rule must pass, so the test shows the check is specific, not just loud.
"""

import doctest
import importlib
import inspect
import pkgutil
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tinygrad_edu as tg
import tinygrad_edu.functional as F
from tinygrad_edu import Tensor, guards, modes, ops
from tinygrad_edu.gradcheck import GradcheckError, gradcheck, locate, numerical_grad
from tinygrad_edu.testing import (
    broadcastable_tensors,
    distinct_tensors,
    elements,
    elements_for,
    matmul_tensors,
    shapes,
    tensors,
)

# Tighter than gradcheck's defaults (atol 1e-5, rtol 1e-3). Per Jacobian entry, a float64
# central difference with eps = 1e-6 errs by eps²·|f'''|/6 (Taylor) plus ~2e-16·|f|/eps =
# 2e-10·|f| (rounding). Taylor, relative to f': eps²·|f'''/f'|/6 is at most 1e-12/x² for the
# steepest ops drawn here (1/b, ln x, √x with |x| >= 0.05), i.e. <= 4e-10. Rounding: |f| <= 60
# except pow with a small base, where |f| <= 8e3 but then |df/da| >= 20·|f|; so <= 1.2e-8
# absolute, or <= 1e-11 relative. atol 1e-6 and rtol 1e-5 leave a margin of over 80x.
TIGHT = {"atol": 1e-6, "rtol": 1e-5}


def _pair(ea=None, eb=None):
    """Two tensors of mutually broadcastable shapes, each with its own elements."""
    return hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3).flatmap(
        lambda bs: st.tuples(tensors(bs.input_shapes[0], elements=ea),
                             tensors(bs.input_shapes[1], elements=eb)))


def _axes(ndim):
    ints = [st.integers(-ndim, ndim - 1)] if ndim else []
    return st.one_of(st.none(), hnp.valid_tuple_axes(ndim), *ints)


def _unary(f, elems=None, min_dims=0):
    return lambda data: (f, (data.draw(tensors(shapes(min_dims=min_dims), elements=elems)),))


def _binary(f, ea=None, eb=None):
    return lambda data: (f, data.draw(_pair(ea, eb)))


def _reduction(method, strategy):
    def draw(data):
        x = data.draw(strategy)
        axis, keep = data.draw(_axes(x.ndim)), data.draw(st.booleans())
        return (lambda x: getattr(x, method)(axis=axis, keepdims=keep)), (x,)
    return draw


def _reshape(data):
    x = data.draw(tensors())
    new = data.draw(st.sampled_from([(-1,), x.shape[::-1], (1, *x.shape), (x.size, 1)]))
    return (lambda x: x.reshape(new)), (x,)


def _transpose(data):
    x = data.draw(tensors())
    axes = tuple(data.draw(st.permutations(range(x.ndim))))
    return (lambda x: x.transpose(axes) if axes else x.T), (x,)


def _index(data):
    # every index selects at least one element: a wrong rule for an index that selects
    # nothing has nothing to be caught on (slice(1, None) of a single row did that)
    x = data.draw(tensors(shapes(min_dims=2, max_dims=2)))
    rows = np.array(data.draw(st.lists(st.integers(0, x.shape[0] - 1), min_size=1, max_size=6)))
    lower_half = (slice(x.shape[0] // 2, None), slice(None, None, 2))
    index = data.draw(st.sampled_from([rows, lower_half, (rows, 0)]))
    return (lambda x: x[index]), (x,)


def _along_axis(method):
    def draw(data):
        x = data.draw(tensors(shapes(min_dims=1)))
        axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
        return (lambda x: getattr(x, method)(axis=axis)), (x,)
    return draw


def _loss(fn, ey=None, et=None):
    def draw(data):
        shape = data.draw(shapes(min_dims=1, max_dims=2))
        return fn, (data.draw(tensors(shape, elements=ey)), data.draw(tensors(shape, elements=et)))
    return draw


def _class_loss(fn, ep=None, indices=False):
    def draw(data):
        n, k = data.draw(st.integers(1, 3)), data.draw(st.integers(2, 4))
        shape = data.draw(st.sampled_from([(n, k), (k,)]))
        p = data.draw(tensors(shape, elements=ep))
        if not indices:  # soft targets, which also get a gradient
            return fn, (p, data.draw(tensors(shape, elements=elements(0.0, 1.0))))
        idx = np.array(data.draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n))
                       if len(shape) == 2 else data.draw(st.integers(0, k - 1)), dtype=float)
        return (lambda p: fn(p, idx)), (p,)
    return draw


def _var(data):
    # ddof 1 only where every slice holds at least 2 values (n - ddof > 0)
    x = data.draw(tensors())
    axis, keep = data.draw(_axes(x.ndim)), data.draw(st.booleans())
    n = x.size if axis is None else int(np.prod([x.shape[a] for a in np.atleast_1d(axis)]))
    ddof = data.draw(st.sampled_from([0, 1] if n >= 2 else [0]))
    return (lambda x: x.var(axis=axis, keepdims=keep, ddof=ddof)), (x,)


def _cumsum(data):
    x = data.draw(tensors())
    axis = data.draw(st.one_of(st.none(), *([st.integers(-x.ndim, x.ndim - 1)] if x.ndim else [])))
    return (lambda x: x.cumsum(axis=axis)), (x,)


def _flip(data):
    x = data.draw(tensors())
    axis = data.draw(_axes(x.ndim))
    return (lambda x: x.flip(axis)), (x,)


def _broadcast_to(data):
    x = data.draw(tensors())
    other = data.draw(hnp.broadcastable_shapes(x.shape, max_dims=4, max_side=3))
    target = np.broadcast_shapes(x.shape, other)
    return (lambda x: x.broadcast_to(target)), (x,)


def _tile(data):
    x = data.draw(tensors(shapes(max_dims=2, max_side=3)))
    reps = tuple(data.draw(st.lists(st.integers(1, 3), min_size=0, max_size=3)))
    return (lambda x: x.tile(reps)), (x,)


def _stack(data):
    shape = data.draw(shapes(max_dims=2, max_side=3))
    xs = data.draw(st.lists(tensors(shape), min_size=1, max_size=3))
    axis = data.draw(st.integers(-len(shape) - 1, len(shape)))
    return (lambda *xs: tg.stack(xs, axis=axis)), tuple(xs)


def _concatenate(data):
    shape = list(data.draw(shapes(min_dims=1, max_dims=3, max_side=3)))
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    sizes = data.draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
    xs = [data.draw(tensors((*shape[:axis % len(shape)], n, *shape[axis % len(shape) + 1:])))
          for n in sizes]
    return (lambda *xs: tg.concatenate(xs, axis=axis)), tuple(xs)


def _flat_concatenate(data):
    xs = data.draw(st.lists(tensors(), min_size=1, max_size=3))
    return (lambda *xs: tg.concatenate(xs, axis=None)), tuple(xs)


# maximum / minimum: a on the grid 0.1·k, b on the grid 0.1·k + 0.05, so a and b differ by at
# least 0.05 everywhere and a central difference (eps 1e-6) never crosses a tie
_ON_GRID = st.integers(-30, 30).map(lambda k: k * 0.1)
_OFF_GRID = st.integers(-30, 30).map(lambda k: k * 0.1 + 0.05)


def _where(data):
    shapes3 = data.draw(hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=3))
    cond_shape, a_shape, b_shape = shapes3.input_shapes
    cond = data.draw(hnp.arrays(bool, cond_shape))
    a, b = data.draw(tensors(a_shape)), data.draw(tensors(b_shape))
    return (lambda a, b: tg.where(cond, a, b)), (a, b)


def _clip(data):
    lo, hi = data.draw(st.sampled_from([(-1.0, 1.0), (None, 0.5), (-0.5, None), (0.0, 0.0)]))
    avoid = tuple(sorted({v for v in (lo, hi) if v is not None}))
    x = data.draw(tensors(elements=elements(avoid=avoid)))  # away from where the slope jumps
    return (lambda x: x.clip(lo, hi)), (x,)


PROB = elements(0.05, 0.95)
# binary targets lie in [0, 1]; central differences move them by ±eps, so not at the ends
TARGET = elements(0.0, 1.0, avoid=(0.0, 1.0))
# One entry per op class in tinygrad_edu.ops ("Name[variant]" for extra variants).
CASES = {
    "Add": _binary(lambda a, b: a + b), "Sub": _binary(lambda a, b: a - b),
    "Mul": _binary(lambda a, b: a * b), "Div": _binary(lambda a, b: a / b, None,
                                                       elements_for("div")),
    "Pow": _binary(lambda a, b: a ** b, elements_for("pow"), None),
    "Neg": _unary(lambda x: -x), "Exp": _unary(lambda x: x.exp()),
    "Log": _unary(lambda x: x.log(), elements_for("log")),
    "Sqrt": _unary(lambda x: x.sqrt(), elements_for("sqrt")),
    "Abs": _unary(lambda x: x.abs(), elements_for("abs")),
    "MatMul": lambda data: (lambda a, b: a @ b, data.draw(matmul_tensors())),
    "Dot": lambda data: (tg.dot, data.draw(matmul_tensors(max_batch_dims=0))),
    "Sum": _reduction("sum", tensors()), "Mean": _reduction("mean", tensors()),
    "Max": _reduction("max", distinct_tensors()),
    "Reshape": _reshape, "Transpose": _transpose, "Index": _index,
    "Sigmoid": _unary(F.sigmoid), "Tanh": _unary(F.tanh),
    "Relu": _unary(F.relu, elements_for("relu")),
    "LeakyRelu": _unary(lambda x: F.leaky_relu(x, 0.1), elements_for("leaky_relu")),
    "Sign": _unary(F.sign, elements_for("sign")), "Step": _unary(F.step, elements_for("step")),
    "Softmax": _along_axis("softmax"), "LogSoftmax": _along_axis("log_softmax"),
    "SquaredError": _loss(F.squared_error), "MSE": _loss(F.mse),
    "BinaryCrossEntropy": _loss(F.binary_cross_entropy, PROB, TARGET),
    "BinaryCrossEntropyWithLogits": _loss(F.binary_cross_entropy_with_logits, None,
                                          TARGET),
    "CrossEntropy": _class_loss(F.cross_entropy, PROB),
    "CrossEntropy[indices]": _class_loss(F.cross_entropy, PROB, indices=True),
    "SoftmaxCrossEntropy": _class_loss(F.softmax_cross_entropy),
    "SoftmaxCrossEntropy[indices]": _class_loss(F.softmax_cross_entropy, indices=True),
    "Square": _unary(lambda x: x.square()), "Sin": _unary(lambda x: x.sin()),
    "Cos": _unary(lambda x: x.cos()), "Clone": _unary(lambda x: x.clone()),
    "Min": _reduction("min", distinct_tensors()),
    # prod is linear in each value, so central differences are exact up to rounding: each of
    # n <= 64 products errs by n·2⁻⁵³·|prod|, over eps = 1e-6 that is <= 7e-9·|prod|, i.e.
    # <= 2.2e-8·|d prod/dxᵢ| for |xᵢ| <= 3 (rtol 1e-5)
    "Prod": _reduction("prod", tensors()), "Var": _var, "Cumsum": _cumsum, "Flip": _flip,
    "BroadcastTo": _broadcast_to, "Tile": _tile, "Stack": _stack,
    "Concatenate": _concatenate, "Concatenate[flat]": _flat_concatenate,
    "Maximum": _binary(tg.maximum, _ON_GRID, _OFF_GRID),
    "Minimum": _binary(tg.minimum, _OFF_GRID, _ON_GRID), "Where": _where, "Clip": _clip,
}


def _builtin_classes():
    found = []
    for info in pkgutil.iter_modules(ops.__path__):
        module = importlib.import_module(f"{ops.__name__}.{info.name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, tg.Function) and cls.__module__ == module.__name__:
                found.append(cls)
    return found


def test_every_builtin_op_has_a_gradcheck_case():
    covered = {name.split("[")[0] for name in CASES}
    missing = {cls.__name__ for cls in _builtin_classes()} - covered
    assert not missing, f"add a case to CASES in tests/test_gradcheck.py for {sorted(missing)}"


@pytest.mark.parametrize("name", sorted(CASES))
@given(data=st.data())
def test_gradcheck_and_locate_pass_on_every_builtin_op(name, data):
    f, inputs = CASES[name](data)
    assert gradcheck(f, *inputs, **TIGHT)
    assert locate(f, *inputs, **TIGHT) is None


def _mutant(cls):
    """``cls`` with the rule d -> d + 0.01·(1 + |d|), in every element the vjp returns.

    The error is positive everywhere, so summing over broadcast axes cannot cancel it: each
    Jacobian entry J is off by at least 0.01·(1 + |J|), above TIGHT's tolerance for any J
    (at most 1e-6 + 1e-5·|J| plus a rounding floor far below 0.01), also where J is 0 (sign,
    step). (An error such as 0.01·d + 0.00317 vanishes where d = -0.317.)"""
    def vjp(self, g):
        return tuple(None if d is None else d + 0.01 * (1.0 + np.abs(d)) for d in cls.vjp(self, g))
    return type(f"Wrong{cls.__name__}", (cls,), {"name": cls.name, "vjp": vjp})


@pytest.mark.parametrize("name", sorted(CASES))
@settings(max_examples=5)  # the same draws as above; here one failure per op is the point
@given(data=st.data())
def test_every_builtin_op_with_a_wrong_rule_is_caught(name, data):
    cls = next(c for c in _builtin_classes() if c.__name__ == name.split("[")[0])
    wrong = _mutant(cls)
    with pytest.MonkeyPatch.context() as patch:  # per example, not per test function
        patch.setattr(sys.modules[cls.__module__], cls.__name__, wrong)
        f, inputs = CASES[name](data)
        assert type(f(*inputs)._fn) is wrong  # the case really runs the patched op
        with pytest.raises(GradcheckError):
            gradcheck(f, *inputs, **TIGHT)
        found = locate(f, *inputs, **TIGHT)
        assert found is not None and found.op == cls.name


# ----- numerical_grad -----

@given(tensors(elements=elements(-2.0, 2.0)))
def test_numerical_grad_of_a_cube_is_three_x_squared(x):
    # error: truncation f''' eps²/6 = 1e-12 and rounding 2e-16·8/1e-6 ≈ 2e-9, so 1e-8 holds
    [g] = numerical_grad(lambda x: x * x * x, x)
    assert g.shape == x.shape
    np.testing.assert_allclose(g, 3 * x.data ** 2, atol=1e-8, rtol=0)


def test_numerical_grad_sums_a_non_scalar_output_and_covers_every_input():
    a = Tensor([[1.0, -2.0], [0.5, 3.0]], requires_grad=True)
    b = Tensor([2.0, -1.0])  # a constant: its gradient is returned too
    ga, gb = numerical_grad(lambda a, b: a * b, a, b)
    np.testing.assert_allclose(ga, np.broadcast_to(b.data, (2, 2)), atol=1e-8)
    np.testing.assert_allclose(gb, a.data.sum(axis=0), atol=1e-8)


@pytest.mark.parametrize("check", [numerical_grad, gradcheck])
def test_float32_is_refused_with_a_reason(check):
    x = Tensor([1.0, 2.0], requires_grad=True, dtype=np.float32)
    with pytest.raises(TypeError, match=r"input 0 is float32; use float64.*rounding noise"):
        check(lambda x: x * x, x)


@pytest.mark.parametrize("check", [numerical_grad, gradcheck])
def test_non_float_inputs_are_a_type_error(check):
    with pytest.raises(TypeError, match="input 0 has dtype int"):
        check(lambda x: x * 2, np.array([1, 2]))


def test_gradcheck_with_nothing_to_check_is_an_error_not_a_pass():
    with pytest.raises(ValueError, match="nothing to check"):
        gradcheck(lambda x: x * 2, Tensor([1.0, 2.0]))
    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match="directions >= 1"):
        gradcheck(lambda x: x * 2, x, mode="directional", directions=0)
    with pytest.raises(ValueError, match="mode must be"):
        gradcheck(lambda x: x * 2, x, mode="fast")


# ----- deliberately wrong rules -----

class WrongSignTanh(tg.Function):
    """out = tanh(a); the rule forgot the minus of 1 - out²: dL/da = -G (1 - out²)."""

    def forward(self, a):
        self.out = np.tanh(a)
        return self.out

    def vjp(self, g):
        return (-g * (1.0 - self.out ** 2),)


class BiasFirstRow(tg.Function):
    """out = x + b, x (N, K), b (K,); the rule keeps one row of G for b instead of summing
    over the batch (the broadcast reduction is missing)."""

    def forward(self, x, b):
        return x + b

    def vjp(self, g):
        return g, g[0]


class GatherAssign(tg.Function):
    """out = a[idx]; the rule writes G back with ``=``, so a repeated index keeps only one
    of its gradients (``np.add.at``, i.e. ``+=``, is right)."""

    def forward(self, a, *, idx, accumulate=False):
        self.shape, self.idx, self.accumulate = a.shape, idx, accumulate
        return a[idx]

    def vjp(self, g):
        z = np.zeros(self.shape)
        if self.accumulate:
            np.add.at(z, self.idx, g)
        else:
            z[self.idx] = g
        return (z,)


class ScaledExp(tg.Function):
    """out = exp(a); the rule is G·exp(a)·factor, right only for factor = 1."""

    def forward(self, a, *, factor=1.0):
        self.out, self.factor = np.exp(a), factor
        return self.out

    def vjp(self, g):
        return (g * self.out * self.factor,)


class UnreversedFlip(tg.Function):
    """out = a reversed; the rule forgets to reverse G back. Summing the output hides it
    (G = ones is symmetric); only the full Jacobian sees it."""

    def forward(self, a):
        return a[::-1].copy()

    def vjp(self, g):
        return (g,)


def test_a_sign_error_is_caught_and_named():
    x = Tensor([[0.3, -1.2, 2.0]], requires_grad=True)
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x: WrongSignTanh.apply(x).sum(), x)
    message = str(info.value)
    assert "3 of 3 Jacobian entries" in message
    assert "a sign error" in message
    assert all(abs(m.analytic + m.numerical) < 1e-8 for m in info.value.mismatches)


def test_the_right_tanh_passes_where_the_wrong_sign_fails():
    x = Tensor([[0.3, -1.2, 2.0]], requires_grad=True)
    assert gradcheck(lambda x: x.tanh().sum(), x, **TIGHT)


def test_a_missing_broadcast_reduction_in_a_rule_is_caught_on_that_input():
    x = tg.randn(4, 3, rng=1, requires_grad=True)
    b = Tensor([0.1, -0.2, 0.3], requires_grad=True, name="b")
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x, b: BiasFirstRow.apply(x, b).tanh(), x, b)
    checked = {m.checked for m in info.value.mismatches}
    assert checked == {"input 1 'b' (3,)"}  # x's gradient is right and not reported


def test_a_missing_broadcast_reduction_in_the_engine_is_caught(monkeypatch):
    def first_copy(grad, shape):  # "unbroadcast" that keeps one copy instead of summing
        g = grad[(0,) * (grad.ndim - len(shape))]
        return g[tuple(slice(0, 1) if n == 1 else slice(None) for n in shape)]

    monkeypatch.setattr(guards, "unbroadcast", first_copy)
    x = tg.randn(4, 3, rng=1, requires_grad=True)
    b = tg.randn(3, rng=2, requires_grad=True)
    with pytest.raises(GradcheckError, match=r"input 1 \(3,\)"):
        gradcheck(lambda x, b: (x + b).tanh(), x, b)


def test_assign_instead_of_accumulate_is_caught_only_where_it_matters():
    a = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    repeated, distinct = np.array([0, 2, 0]), np.array([2, 0])
    with pytest.raises(GradcheckError, match=r"\(0,\)"):  # position 0 is read twice
        gradcheck(lambda a: GatherAssign.apply(a, idx=repeated).exp(), a)
    assert gradcheck(lambda a: GatherAssign.apply(a, idx=distinct).exp(), a, **TIGHT)
    assert gradcheck(lambda a: GatherAssign.apply(a, idx=repeated, accumulate=True).exp(), a,
                     **TIGHT)


def test_a_rule_off_by_five_hundredths_of_a_percent_is_caught_at_tight_tolerance():
    x = Tensor([-1.0, 0.5, 2.0], requires_grad=True)
    with pytest.raises(GradcheckError, match=r"1\.0005 × numerical"):
        gradcheck(lambda x: ScaledExp.apply(x, factor=1.0005), x, **TIGHT)
    assert gradcheck(lambda x: ScaledExp.apply(x, factor=1.0), x, **TIGHT)


def test_default_tolerance_is_a_tenth_of_a_percent():
    # documents the contract's defaults (rtol = 1e-3): 0.05 % passes them, 0.2 % does not
    x = Tensor([-1.0, 0.5, 2.0], requires_grad=True)
    assert gradcheck(lambda x: ScaledExp.apply(x, factor=1.0005), x)
    with pytest.raises(GradcheckError):
        gradcheck(lambda x: ScaledExp.apply(x, factor=1.002), x)


def test_full_jacobian_catches_what_a_summed_output_hides():
    x = Tensor([1.0, -2.0, 0.5], requires_grad=True)
    flip = UnreversedFlip.apply
    [summed] = numerical_grad(lambda x: flip(x) * 1.0, x)
    flip(x).sum().backward()
    np.testing.assert_allclose(x.grad, summed, atol=1e-8)  # the summed view agrees...
    with pytest.raises(GradcheckError) as info:  # ...but the Jacobian is not the identity
        gradcheck(lambda x: flip(x) * 1.0, x)
    assert "output" in str(info.value).splitlines()[1]
    assert {(m.index, m.output) for m in info.value.mismatches} >= {("(0,)", "(2,)")}


def test_the_table_is_worst_first_with_index_values_and_errors():
    class CubeErr(tg.Function):  # d(a²)/da = 2a, plus an error a³ that grows with |a|
        def forward(self, a):
            self.a = a
            return a * a

        def vjp(self, g):
            return (g * (2 * self.a + self.a ** 3),)

    x = Tensor([0.5, -2.0, 1.0], requires_grad=True, name="x")
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x: CubeErr.apply(x).sum(), x)
    rows = info.value.mismatches
    assert [r.excess for r in rows] == sorted((r.excess for r in rows), reverse=True)
    lines = str(info.value).splitlines()
    assert lines[1].split() == ["checked", "index", "analytic", "numerical", "abs", "err",
                                "rel", "err"]
    worst = lines[2]
    assert "input 0 'x' (3,)" in worst and "(1,)" in worst  # |a| = 2 is the worst entry
    assert "-12" in worst and "-4" in worst  # analytic 2a + a³ = -12, numerical 2a = -4
    assert rows[0].abs_err == pytest.approx(8.0, abs=1e-6)
    assert rows[0].rel_err == pytest.approx(2.0, abs=1e-6)


def test_an_error_in_a_single_entry_is_found_at_that_index():
    class OneBadEntry(tg.Function):  # out = 2a; the rule says 2.5 at a[1, 2]
        def forward(self, a):
            return 2 * a

        def vjp(self, g):
            d = np.full(g.shape, 2.0)
            d[1, 2] = 2.5
            return (g * d,)

    x = tg.randn(3, 4, rng=0, requires_grad=True)
    with pytest.raises(GradcheckError) as info:
        gradcheck(OneBadEntry.apply, x)
    [only] = info.value.mismatches
    assert (only.index, only.output) == ("(1, 2)", "(1, 2)")
    assert (only.analytic, only.numerical) == (2.5, pytest.approx(2.0, abs=1e-8))
    assert "1 of 144 Jacobian entries" in str(info.value)


class TinySquare(tg.Function):
    """out = 1e-6·x², gradients ~1e-6: below the default atol of 1e-5, so a fixed absolute
    tolerance let a rule with the sign flipped, or one returning zeros, pass."""

    def forward(self, a, *, rule="right"):
        self.a, self.rule_kind = a, rule
        return 1e-6 * a * a

    def vjp(self, g):
        right = g * 2e-6 * self.a
        return ({"right": right, "flipped": -right, "zero": 0 * right}[self.rule_kind],)


@pytest.mark.parametrize("rule", ["flipped", "zero"])
@pytest.mark.parametrize("mode", ["full", "directional"])
def test_wrong_rules_are_caught_where_all_gradients_are_tiny(rule, mode):
    x = Tensor([0.5, -1.0, 2.0], requires_grad=True)
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x: TinySquare.apply(x, rule=rule), x, mode=mode)
    assert "atol was scaled" in str(info.value)  # says why an error below atol fails
    found = locate(lambda x: TinySquare.apply(x, rule=rule).sum(), x)
    assert found is not None and found.op == "tinysquare"


@given(tensors(elements=elements(avoid=(0.0,), margin=0.01)),
       st.sampled_from([1e-6, 1e-3, 1.0, 1e3]))
def test_right_rules_pass_and_wrong_ones_fail_at_every_scale(x, c):
    # A sign flip errs by 2|f'| = 4c|x| >= 0.04c (|x| >= 0.01). The tolerance is the scaled
    # atol, at most 1e-5·max(max|f'|, 1e-3) + floor = 1e-5·max(6c, 1e-3) + ~1e-11·c, plus
    # rtol·|f'| = 2e-3·c|x|: below the error for every c here (for c = 1e-6: 1e-8 < 4e-8).
    assert gradcheck(lambda t: c * t * t, x)
    with pytest.raises(GradcheckError):
        gradcheck(lambda t: TinySquare.apply(t, rule="flipped") * (1e6 * c), x)


@pytest.mark.parametrize("check", [gradcheck, numerical_grad, locate])
@pytest.mark.parametrize("returned, name", [(None, "NoneType"), (np.ones(2), "ndarray"),
                                            (1.0, "float")])
def test_f_must_return_a_tensor(check, returned, name):
    x = Tensor([0.5, -1.0], requires_grad=True)
    with pytest.raises(TypeError, match=rf"^{check.__name__}: f must return a Tensor .*got "
                                        rf"{name}"):
        check(lambda x: returned, x)


def test_a_wrong_rule_on_subnormal_gradients_is_reported_without_warnings():
    # the true gradient of a·b with respect to a is b = 2.2e-311; the rule adds 0.01: the
    # hint's ratio analytic/numerical overflowed (a RuntimeWarning, an error in the tests)
    class OffByOneHundredth(tg.Function):
        def forward(self, a, b):
            self.a, self.b = a, b
            return a * b

        def vjp(self, g):
            return g * self.b + 0.01, g * self.a

    a, b = Tensor([0.0], requires_grad=True), Tensor([2.2250738585e-311], requires_grad=True)
    with pytest.raises(GradcheckError, match=r"input 0 \(1,\)"):
        gradcheck(OffByOneHundredth.apply, a, b)


def test_nan_in_a_rule_is_reported_without_warnings():
    class NanRule(tg.Function):
        def forward(self, a):
            return a * 2

        def vjp(self, g):
            return (g * np.nan,)

    with pytest.raises(GradcheckError, match="nan"):
        gradcheck(lambda x: NanRule.apply(x), Tensor([1.0, 2.0], requires_grad=True))


def test_a_graph_cut_by_data_gets_a_hint():
    x = Tensor([0.5, 1.0], requires_grad=True)
    with pytest.raises(GradcheckError, match="not recorded"):
        gradcheck(lambda x: Tensor(np.tanh(x.data)), x)


# ----- directional mode and wrt -----

def _two_layer(rng=0):
    gen = np.random.default_rng(rng)
    params = [Tensor(gen.standard_normal(s), requires_grad=True) for s in [(4, 3), (4,), (2, 4),
                                                                        (2,)]]
    X, T = Tensor(gen.standard_normal((5, 3))), gen.standard_normal((5, 2))

    def loss(act=F.tanh):
        w1, b1, w2, b2 = params
        return F.mse(act(X @ w1.T + b1) @ w2.T + b2, T)
    return params, loss


def test_directional_mode_checks_a_whole_model_in_one_call():
    params, loss = _two_layer()
    assert gradcheck(loss, wrt=params, mode="directional", **TIGHT)
    assert gradcheck(loss, wrt=params, **TIGHT)  # full mode agrees on this small model


def test_directional_mode_catches_a_wrong_op_inside_a_model():
    params, loss = _two_layer()
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda: loss(WrongSignTanh.apply), wrt=params, mode="directional")
    assert {m.checked.split(" ")[0] for m in info.value.mismatches} == {"wrt[0]", "wrt[1]"}
    assert all(m.index.startswith("direction") for m in info.value.mismatches)


def test_checks_leave_the_callers_tensors_as_they_were():
    params, loss = _two_layer()
    before = [p.data.copy() for p in params]
    params[0].grad = sentinel = np.full((4, 3), 7.0)
    x = Tensor([0.2, -0.4], requires_grad=True)
    for mode in ("full", "directional"):
        gradcheck(lambda x: loss() * x.sum(), x, wrt=params, mode=mode)
    assert params[0].grad is sentinel and (sentinel == 7.0).all()
    assert all(p.grad is None for p in params[1:]) and x.grad is None
    assert all((p.data == b).all() for p, b in zip(params, before, strict=True))


def test_wrt_must_require_grad():
    with pytest.raises(TypeError, match=r"wrt\[0\].*requires_grad=False"):
        gradcheck(lambda: Tensor(1.0), wrt=[Tensor([1.0])])


def test_gradcheck_works_inside_no_grad():
    x = Tensor([0.5, -1.0], requires_grad=True)
    with tg.no_grad():
        assert gradcheck(lambda x: (x * x).sigmoid(), x, **TIGHT)
    assert modes.is_grad_enabled()


@given(broadcastable_tensors(2))
def test_directional_and_full_agree_on_right_rules(ab):
    def f(a, b):
        return (a * b).tanh()

    assert gradcheck(f, *ab, mode="directional", **TIGHT) and gradcheck(f, *ab, **TIGHT)


def test_module_examples_run():
    from tinygrad_edu import gradcheck as module
    from tinygrad_edu import jacobian, report

    for m in (module, jacobian, report):
        result = doctest.testmod(m, optionflags=doctest.ELLIPSIS)
        assert result.attempted > 0 and result.failed == 0, m.__name__
