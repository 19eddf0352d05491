"""A user-written op (tg.Function subclass) works like a built-in one, end to end:
recorded in .op and .parents, in graphs and traces, broadcasting, hooks, no_grad, params,
freed graphs; and it can be proved right with gradcheck, locate and the strategies.
"""

import doctest
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given

import tinygrad_edu as tg
import tinygrad_edu.functional as F
from tinygrad_edu import Tensor
from tinygrad_edu.gradcheck import GradcheckError, gradcheck, locate
from tinygrad_edu.testing import broadcastable_tensors, elements, gradient_property, tensors

TIGHT = {"atol": 1e-6, "rtol": 1e-5}  # derived in test_gradcheck.py
DOCS = Path(__file__).resolve().parents[1] / "docs" / "custom_ops.md"


class Softplus(tg.Function):
    """out = ln(1 + eˣ), computed stably as logaddexp(0, x);  dL/dx = G · σ(x)"""

    rule = "d softplus/dx = σ(x)"

    def forward(self, x):
        self.x = x
        return np.logaddexp(0.0, x)

    def vjp(self, g):
        e = np.exp(-np.abs(self.x))  # the stable sigmoid: never overflows
        return (g * np.where(self.x >= 0, 1.0, e) / (1.0 + e),)


def softplus(x):
    return Softplus.apply(x)


class Hypot(tg.Function):
    """out = √(a² + b²), broadcasting;  dL/da = G·a/out,  dL/db = G·b/out (output's shape:
    the engine sums them back to each operand's shape)."""

    def forward(self, a, b):
        self.a, self.b = a, b
        self.out = np.hypot(a, b)
        return self.out

    def vjp(self, g):
        return g * self.a / self.out, g * self.b / self.out


class Power(tg.Function):
    """out = xᵏ for a fixed k given as a parameter;  dL/dx = G·k·xᵏ⁻¹"""

    def forward(self, x, *, k):
        self.x, self.k = x, k
        return x ** k

    def vjp(self, g):
        return (g * self.k * self.x ** (self.k - 1),)


def test_forward_values_name_and_graph():
    x = Tensor([-30.0, -1.0, 0.0, 2.0, 40.0], requires_grad=True)
    y = softplus(x)
    np.testing.assert_allclose(y.data, np.log1p(np.exp(np.array([-30.0, -1, 0, 2, 40]))))
    assert y.op == "softplus" and y.parents == (x,) and not y.is_leaf and y.requires_grad
    assert "op='softplus'" in repr(y)
    assert tg.apply(Softplus, x).op == Softplus.apply(x).op == "softplus"


def test_gradient_is_the_sigmoid():
    x = Tensor([-3.0, 0.0, 1.5], requires_grad=True)
    softplus(x).sum().backward()
    np.testing.assert_allclose(x.grad, 1 / (1 + np.exp(-x.data)), rtol=1e-12)


@given(tensors(elements=elements(-30.0, 30.0)))
def test_softplus_passes_gradcheck_and_locate(x):
    assert gradcheck(softplus, x, **TIGHT)
    assert locate(lambda x: softplus(x).sum(), x, **TIGHT) is None


test_softplus_in_a_network = gradient_property(
    lambda x, w: softplus(x @ w).mean(), tensors(shape=(4, 3)), tensors(shape=(3, 2)),
    **TIGHT)


def test_a_wrong_softplus_fails_both_checks():
    class BadSoftplus(Softplus):
        name = "bad_softplus"

        def vjp(self, g):  # σ(-x) instead of σ(x)
            return (g / (1.0 + np.exp(self.x)),)

    x = Tensor([-1.0, 0.5, 2.0], requires_grad=True)
    with pytest.raises(GradcheckError):
        gradcheck(lambda x: BadSoftplus.apply(x), x)
    assert locate(lambda x: BadSoftplus.apply(x.tanh()).sum(), x).op == "bad_softplus"


@given(broadcastable_tensors(2, elements=elements(0.5, 3.0)))
def test_a_user_op_broadcasts_and_its_gradients_are_summed_back(ab):
    a, b = ab
    y = Hypot.apply(a, b)
    assert y.shape == np.broadcast_shapes(a.shape, b.shape)
    y.sum().backward()
    assert a.grad.shape == a.shape and b.grad.shape == b.shape
    assert gradcheck(Hypot.apply, a, b, **TIGHT)


def test_params_reach_forward_and_are_kept_on_the_op():
    x = Tensor([1.0, 2.0], requires_grad=True)
    y = Power.apply(x, k=3)
    assert y._fn.params == {"k": 3}
    np.testing.assert_allclose(y.data, [1.0, 8.0])
    assert gradcheck(lambda x: Power.apply(x, k=3), x, **TIGHT)


def test_hooks_see_and_can_replace_the_gradient_of_a_user_op():
    x = Tensor([0.0, 1.0], requires_grad=True)
    y = softplus(x)
    seen = []
    y.register_hook(lambda g: seen.append(g.copy()))
    y.register_hook(lambda g: g * 10)
    (y * Tensor([1.0, 2.0])).sum().backward()
    np.testing.assert_allclose(seen[0], [1.0, 2.0])
    np.testing.assert_allclose(x.grad, 10 * np.array([1.0, 2.0]) / (1 + np.exp(-x.data)))


def test_no_grad_records_nothing():
    x = Tensor([1.0], requires_grad=True)
    with tg.no_grad():
        y = softplus(x)
    assert y.is_leaf and not y.requires_grad and y.op is None


def test_a_user_op_reused_accumulates():
    x = Tensor([0.5, -0.5], requires_grad=True)
    s = softplus(x)
    (s * s + s).sum().backward()  # d/dx (s² + s) = (2s + 1) σ(x)
    sig = 1 / (1 + np.exp(-x.data))
    np.testing.assert_allclose(x.grad, (2 * s.data + 1) * sig, rtol=1e-12)


def test_second_backward_through_a_freed_user_op_mentions_retain_graph():
    x = Tensor([1.0], requires_grad=True)
    y = softplus(x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward()


def test_numbers_are_constants_of_the_tensors_dtype():
    x = Tensor([1.0, 2.0], requires_grad=True, dtype=np.float32)
    y = Hypot.apply(x, 2)
    assert y.dtype == np.float32 and y.parents[1].dtype == np.float32
    assert not y.parents[1].requires_grad


def test_a_user_op_appears_in_traces_and_dot_graphs():
    x = Tensor([0.5, -1.0], requires_grad=True, name="x")
    y = softplus(x).sum()
    assert "softplus" in tg.viz.to_dot(y)
    trace = tg.trace_backward(y)
    step = next(s for s in trace if s.op == "softplus")
    assert step.rule == "d softplus/dx = σ(x)"
    assert step.input_shapes == ((2,),) and step.output_shape == (2,)


def test_a_user_op_without_vjp_says_which_class():
    class NoRule(tg.Function):
        def forward(self, x):
            return x * 1.0

    with pytest.raises(NotImplementedError, match="NoRule must define vjp"):
        NoRule.apply(Tensor([1.0], requires_grad=True)).sum().backward()


def test_a_user_op_trains_in_a_loop():
    rng = np.random.default_rng(0)
    X = Tensor(rng.standard_normal((32, 2)))
    t = (X.data @ np.array([1.5, -2.0]) > 0).astype(float)
    w = Tensor([0.0, 0.0], requires_grad=True)
    losses = []
    for _ in range(50):
        # logistic loss written with softplus: softplus(-z) if t = 1 else softplus(z)
        z = X @ w
        loss = softplus(z * (1 - 2 * t)).mean()
        w.grad = None
        loss.backward()
        w.data = w.data - 1.0 * w.grad
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]
    assert F.sigmoid(X @ w).data.round().tolist() == t.tolist()


def test_module_and_guide_examples_run():
    from tinygrad_edu import function

    result = doctest.testmod(function)
    assert result.attempted > 0 and result.failed == 0
    result = doctest.testfile(str(DOCS), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert result.attempted >= 10 and result.failed == 0


# ---------------------------------------------------------------------------
# a vjp that breaks the contract, and other first mistakes, get the fix in the message
# ---------------------------------------------------------------------------


def _op_whose_vjp_returns(make_result, n_inputs=1):
    class Doubler(tg.Function):
        def forward(self, *xs):
            return xs[0] * 2.0

        def vjp(self, g):
            return make_result(g)

    x = Tensor(np.ones((2, 2)), requires_grad=True)
    return lambda: Doubler.apply(*[x] * n_inputs).sum().backward()


@pytest.mark.parametrize("make_result, n_inputs, got", [
    (lambda g: g * 2, 1, "got a ndarray"),
    (lambda g: g[0] * 2, 1, "got a ndarray"),  # a 1-D array: used to be an IndexError
    (lambda g: (g * 2,), 2, "got a tuple of 1"),
    (lambda g: (g, g), 1, "got a tuple of 2"),
    (lambda g: [g * 2], 1, "got a list"),
    (lambda g: 2.0, 1, "got a float"),
], ids=["bare-array", "bare-row", "too-few", "too-many", "list", "float"])
def test_a_vjp_that_breaks_the_contract_gets_a_type_error_with_the_fix(make_result, n_inputs,
                                                                      got):
    with pytest.raises(TypeError) as info:
        _op_whose_vjp_returns(make_result, n_inputs)()
    message = str(info.value)
    assert "'doubler'" in message and got in message
    assert f"one gradient per input ({n_inputs})" in message
    assert ("`return (g * 2,)`" if n_inputs == 1 else "`return (g * b, g * a)`") in message


def test_a_vjp_entry_that_is_not_an_array_is_named():
    with pytest.raises(TypeError, match=r"'doubler'.*a float for input 0.*return \(g \* 2,\)"):
        _op_whose_vjp_returns(lambda g: (2.0,))()


def test_calling_an_op_class_on_tensors_says_to_use_apply():
    with pytest.raises(TypeError, match=r"Softplus\.apply\("):
        Softplus(Tensor([1.0], requires_grad=True))


def test_apply_without_any_tensor_input_points_at_tg_apply():
    with pytest.raises(TypeError, match=r"no input is a Tensor.*tg\.apply\(Softplus"):
        Softplus.apply(np.ones(2))
    y = tg.apply(Softplus, np.zeros(2))  # the explicit way to a constant result
    np.testing.assert_allclose(y.data, np.log(2.0) * np.ones(2))
    assert not y.requires_grad


def test_register_hook_checks_its_argument_when_registered():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match=r"register_hook.*int 5"):
        x.register_hook(5)
    with pytest.raises(RuntimeError, match="does not require grad"):
        Tensor([1.0, 2.0]).register_hook(lambda g: g)
    softplus(x).sum().backward()  # nothing was registered by the failed calls
    np.testing.assert_allclose(x.grad, 1.0 / (1.0 + np.exp(-x.data)))


def test_rule_of_is_the_rule_written_for_the_vjp_that_runs():
    from tinygrad_edu.function import Function, rule_of

    class Double(Function):
        """out = 2a;  dL/da = 2G"""

        rule = "d(2a)/da = 2"

        def forward(self, a):
            return 2 * a

        def vjp(self, g):
            return (2 * g,)

    class Halved(Double):
        """out = 2a, with a vjp that forgets the factor"""

        def vjp(self, g):
            return (g,)

    class Plain(Function):
        """out = a;  dL/da = G"""

        def forward(self, a):
            return a

        def vjp(self, g):
            return (g,)

    assert rule_of(Double) == "d(2a)/da = 2"
    assert rule_of(Halved) == "out = 2a, with a vjp that forgets the factor"  # its own words
    assert rule_of(Plain) == "out = a;  dL/da = G"  # no rule: the docstring's first line
    x = Tensor([1.0, 2.0], requires_grad=True)
    trace = tg.trace_backward(Halved.apply(x).sum())
    assert trace[1].rule == "out = 2a, with a vjp that forgets the factor"
