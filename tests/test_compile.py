"""tg.compile: a replay computes the same bits as eager, step after step, and shows its code."""

from __future__ import annotations

import inspect
import re
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg
import tinygrad_edu.functional as F
from tinygrad_edu import Tensor


def bits(a: np.ndarray) -> tuple[Any, ...]:
    return a.shape, a.dtype, a.tobytes()


def train_both(make: Callable[[], tuple[Callable[..., Tensor], list[Tensor], Any]],
               batches: list[tuple[np.ndarray, ...]]) -> None:
    """Train the same model eagerly and compiled, from the same start, over ``batches``;
    loss, every gradient and every parameter must agree bit for bit after each step."""
    loss_e, params_e, opt_e = make()
    loss_c, params_c, opt_c = make()
    step = tg.compile(loss_c)
    for k, batch in enumerate(batches):
        opt_e.zero_grad()
        opt_c.zero_grad()
        eager = loss_e(*[Tensor(a) for a in batch])
        eager.backward()
        compiled = step(*batch)
        assert isinstance(compiled, np.ndarray) and compiled.shape == eager.shape
        assert bits(compiled) == bits(eager.data), f"loss differs at step {k}"
        for pe, pc in zip(params_e, params_c, strict=True):
            assert bits(pc.grad) == bits(pe.grad), f"gradient differs at step {k}"
        opt_e.step()
        opt_c.step()
        for pe, pc in zip(params_e, params_c, strict=True):
            assert bits(pc.data) == bits(pe.data), f"parameter differs after step {k}"
    assert step.recordings == 1


def neuron(loss: Callable[[Tensor, Tensor], Tensor], n_features: int):
    def make():
        rng = np.random.default_rng(0)
        w = Tensor(0.5 * rng.standard_normal(n_features), requires_grad=True, name="w")
        b = Tensor(np.array(0.0), requires_grad=True, name="b")
        return (lambda x, t: loss(x @ w + b, t)), [w, b], tg.optim.SGD([w, b], lr=0.1)
    return make


def test_w1_tiny_neuron_trains_bit_for_bit_like_eager_over_20_steps():
    rng = np.random.default_rng(1)
    batches = [(rng.standard_normal((32, 4)), (rng.random(32) > 0.5).astype(float))
               for _ in range(20)]
    train_both(neuron(lambda z, t: F.mse(z.sigmoid(), t), 4), batches)


def test_w2_biopsy_neuron_trains_bit_for_bit_like_eager_over_20_steps():
    data = tg.datasets.breast_cancer()
    X, t = tg.datasets.standardize(data.data), data.target
    rng = np.random.default_rng(2)
    batches = [(X[idx], t[idx]) for idx in (rng.permutation(len(X)) for _ in range(20))]
    train_both(neuron(F.binary_cross_entropy_with_logits, 30), batches)


def reuse_and_broadcasting():
    """A graph with reuse (h three times, W twice, a diamond) and broadcasting (a bias
    (K,) over the batch, a scalar gain, a (1, K) row), trained with Adam."""
    rng = np.random.default_rng(3)
    W = Tensor(0.3 * rng.standard_normal((4, 3)), requires_grad=True, name="W")
    b = Tensor(np.zeros(3), requires_grad=True, name="b")
    gain = Tensor(np.array(1.5), requires_grad=True, name="gain")
    row = Tensor(0.1 * rng.standard_normal((1, 3)), requires_grad=True, name="row")

    def loss(x, t):
        h = (x @ W + b).tanh()
        out = h * h + gain * h - row * h
        return ((out.sum(axis=1) - (1 - t) * 2) ** 2).mean() + 0.01 * (W * W).sum()
    params = [W, b, gain, row]
    return loss, params, tg.optim.Adam(params, lr=0.05)


def test_a_graph_with_reuse_and_broadcasting_trains_bit_for_bit_like_eager():
    rng = np.random.default_rng(4)
    batches = [(rng.standard_normal((8, 4)), rng.random(8)) for _ in range(20)]
    train_both(reuse_and_broadcasting, batches)


def test_float32_training_stays_float32_and_bit_for_bit():
    def make():
        w = Tensor(np.array([0.5, -0.25], dtype=np.float32), requires_grad=True)
        return (lambda x: ((x @ w).tanh() ** 2).sum()), [w], tg.optim.SGD([w], lr=0.1)
    rng = np.random.default_rng(5)
    train_both(make, [(rng.standard_normal((5, 2)).astype(np.float32),) for _ in range(5)])


def test_gradients_accumulate_across_calls_as_in_eager():
    w = Tensor([1.0, 2.0], requires_grad=True)
    step = tg.compile(lambda x: (w * x).sum())
    step(np.array([1.0, 1.0]))
    step(np.array([2.0, 3.0]))
    step(np.array([0.5, 0.5]))  # no zero_grad in between: three shares, summed
    assert w.grad.tolist() == [3.5, 4.5]


def test_returns_the_loss_and_more_values_as_arrays_equal_to_eager():
    w = Tensor([0.5, -1.0], requires_grad=True)

    def fn(x):
        y = (x @ w).sigmoid()
        return (y * y).mean(), y, x
    step = tg.compile(fn)
    x = np.array([[1.0, 2.0], [3.0, -1.0]])
    for _ in range(3):  # record, first replay (checked), plain replay
        loss, y, same_x = step(x)
        eager = fn(Tensor(x))
        assert bits(loss) == bits(eager[0].data) and bits(y) == bits(eager[1].data)
        assert bits(same_x) == bits(x)


def test_values_computed_from_the_data_alone_are_recomputed_on_every_call():
    w = Tensor([1.0, 1.0], requires_grad=True)
    step = tg.compile(lambda x, t: ((x @ w - (1 - t) * 2) ** 2).sum())
    rng = np.random.default_rng(6)
    for _ in range(4):
        x, t = rng.standard_normal((3, 2)), rng.random(3)
        w.grad = None
        got = step(x, t)
        want = ((Tensor(x) @ w - (1 - Tensor(t)) * 2) ** 2).sum()
        grad = w.grad
        w.grad = None
        want.backward()
        assert bits(got) == bits(want.data) and bits(grad) == bits(w.grad)


def test_source_has_one_line_per_forward_op_and_per_vjp_with_its_rule_then_accumulations():
    w = Tensor([0.5, -0.25], requires_grad=True, name="w")
    b = Tensor(0.1, requires_grad=True, name="b")
    step = tg.compile(lambda x, t: F.squared_error(F.sigmoid(w.dot(x) + b), t))
    step(np.array([1.0, 2.0]), np.array(1.0))
    lines = step.source.splitlines()
    assert lines[0] == "def <lambda>(x, t):".replace("<lambda>", "step")
    forward = [ln for ln in lines if ".forward(" in ln]
    vjps = [ln for ln in lines if ".vjp(" in ln]
    assert [re.search(r"(\w+)\.forward", ln)[1] for ln in forward] == \
        ["dot1", "add2", "sigmoid3", "squared_error4"]
    assert [re.search(r"(\w+)\.vjp", ln)[1] for ln in vjps] == \
        ["squared_error4", "sigmoid3", "add2", "dot1"]
    rules = ["dE/dy = 2(y − t)", "dσ/dx = σ·(1−σ)", "d(a+b)/da = 1, d(a+b)/db = 1",
             "d(a·b)/da = b, d(a·b)/db = a"]
    for line, rule in zip(vjps, rules, strict=True):
        assert line.endswith(rule)
    assert lines[-3:] == ["    accumulate_grad(param_w, g_w)               # w.grad += dL/dw",
                          "    accumulate_grad(param_b, g_b)               # b.grad += dL/db",
                          "    return v4"]


def test_the_replay_runs_exactly_the_code_in_source():
    step = tg.compile(reuse_and_broadcasting()[0])
    step(np.ones((2, 4)), np.zeros(2))
    replay = step._last
    namespace = dict(replay.run.__globals__)
    exec(step.source, namespace)
    assert namespace[replay.run.__name__].__code__.co_code == replay.run.__code__.co_code
    assert inspect.getsource(replay.run) == step.source  # tracebacks show these lines


def test_a_tensor_used_twice_sums_its_shares_and_a_broadcast_bias_is_summed_back():
    b = Tensor(np.zeros(3), requires_grad=True, name="b")
    step = tg.compile(lambda x: ((x + b) * (x + b)).sum())
    step(np.ones((4, 3)))
    assert "s1 = unbroadcast(s1, (3,))" in step.source, step.source
    assert "g_b = g_b + s1" in step.source
    assert "summed over axes (0,)" in step.source


def test_constants_are_listed_by_their_name_in_the_source():
    scale = Tensor([2.0, 3.0], name="scale")  # a closure tensor that needs no gradient
    w = Tensor([1.0, 1.0], requires_grad=True)
    step = tg.compile(lambda x: ((x * scale + 1.0) * w).sum())
    step(np.array([1.0, 2.0]))
    consts = step.constants
    assert set(consts) == {"scale", "c2"}
    assert consts["scale"] is scale.data and consts["c2"].tolist() == 1.0
    assert "scale" in step.source and "c2" in step.source
    assert step.parameters == [w]


def test_arguments_may_be_tensors_arrays_numbers_or_lists():
    w = Tensor([1.0, 2.0], requires_grad=True)
    step = tg.compile(lambda x, k: (w * x * k).sum())
    assert step(Tensor([1.0, 1.0]), 2.0) == 6.0
    assert step(np.array([1, 1]), Tensor(2.0)) == 6.0  # ints become float64, as Tensor does
    assert step([1.0, 1.0], np.array(2.0)) == 6.0
    assert step.recordings == 1


def test_decorator_forms_and_repr():
    w = Tensor([1.0], requires_grad=True)

    @tg.compile
    def plain(x):
        return (w * x).sum()

    @tg.compile(check=2)
    def checked(x):
        return (w * x).sum()
    assert plain(np.ones(1)) == checked(np.ones(1)) == 1.0
    assert plain.__name__ == "plain" and plain.fn.__name__ == "plain"
    assert repr(checked) == "<tg.compile of checked: 1 recording(s)>"


def test_a_check_catches_a_function_that_now_returns_more_values():
    w = Tensor([1.0, 2.0], requires_grad=True)
    extra = []

    def fn(x):
        loss = (w * x).sum()
        return (loss, *extra)
    step = tg.compile(fn, check=2)
    step(np.ones(2))
    step(np.ones(2))  # the first replay, checked: still one value
    extra.append(w * 2.0)  # the function changes between calls
    step(np.ones(2))
    with pytest.raises(RuntimeError, match=r"how many values they return \(1 replayed, 2 now\)"):
        step(np.ones(2))


def test_check_every_k_calls_runs_the_function_eagerly_and_compares():
    w = Tensor([1.0, 2.0], requires_grad=True)
    runs = []

    def fn(x):
        runs.append(1)
        return (w * x).sum()
    step = tg.compile(fn, check=3)
    for _ in range(8):
        step(np.ones(2))
    # call 1: the recording and its re-run; calls 2 (the first replay), 5 and 8: checks
    assert len(runs) == 5
    once = tg.compile(fn)  # default: only the first replay is checked
    runs.clear()
    for _ in range(8):
        once(np.ones(2))
    assert len(runs) == 3
    never = tg.compile(fn, check=0)
    runs.clear()
    for _ in range(8):
        never(np.ones(2))
    assert len(runs) == 2


def test_a_check_that_finds_a_difference_raises_naming_it():
    w = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    # a tensor used as an index is read as numbers: the replay keeps this call's index
    step = tg.compile(lambda x, i: (w[i] * x).sum())
    step(np.ones(2), Tensor([0.0, 1.0]))
    with pytest.raises(RuntimeError, match=r"check at call 2: .* differ in the loss"):
        step(np.ones(2), Tensor([2.0, 2.0]))


@pytest.mark.parametrize("bad", [-1, 1.5, "2", True])
def test_check_must_be_a_whole_number(bad):
    with pytest.raises(TypeError, match="check must be None or a whole number"):
        tg.compile(lambda x: x, check=bad)


def test_source_before_the_first_call_explains():
    step = tg.compile(lambda x: x)
    with pytest.raises(RuntimeError, match="has not been called yet"):
        step.source  # noqa: B018


def test_new_argument_shapes_record_again_with_a_warning_counting_the_recordings():
    w = Tensor([1.0, 2.0], requires_grad=True)
    step = tg.compile(lambda x: (x @ w).sum())
    step(np.ones((4, 2)))
    with pytest.warns(tg.RecompileWarning, match=r"\(3, 2\) float64.*2 recordings cached"):
        assert step(np.ones((3, 2))) == 9.0
    step(np.ones((4, 2)))  # the first recording is still there: no warning
    with pytest.warns(tg.RecompileWarning, match="3 recordings cached"):
        step(np.ones((4, 2), dtype=np.float32))
    assert step.recordings == 3


def test_at_most_16_recordings_are_kept():
    w = Tensor([1.0], requires_grad=True)
    step = tg.compile(lambda x: (x * w).sum())
    step(np.ones(1))
    for n in range(2, 20):
        with pytest.warns(tg.RecompileWarning, match=f"{min(n, 16)} recordings cached"):
            step(np.ones(n))
    assert step.recordings == 16


def test_a_parameter_of_a_new_shape_or_frozen_records_again():
    w = Tensor([1.0, 2.0], requires_grad=True, name="w")
    v = Tensor([3.0], requires_grad=True, name="v")
    step = tg.compile(lambda: (w * w).sum() + (v * w).sum())
    step()
    w.data = np.array([1.0, 2.0, 3.0])
    w.grad = v.grad = None
    with pytest.warns(tg.RecompileWarning, match="parameter 'w'"):
        assert step() == 32.0
    assert w.grad.tolist() == [5.0, 7.0, 9.0]
    v.requires_grad = False  # frozen: eager would give it no gradient, and the step neither
    w.grad = v.grad = None
    with pytest.warns(tg.RecompileWarning, match="parameter 'v'"):
        step()
    assert v.grad is None and w.grad.tolist() == [5.0, 7.0, 9.0]


def test_a_constant_given_new_values_records_again():
    c = Tensor([1.0, 1.0], name="c")
    w = Tensor([1.0, 2.0], requires_grad=True)
    step = tg.compile(lambda x: (x * w * c).sum())
    step(np.ones(2))
    c.data = np.array([10.0, 10.0])  # eager would read the new values: so does the step
    with pytest.warns(tg.RecompileWarning, match="constant 'c'"):
        assert step(np.ones(2)) == 30.0


def test_a_custom_op_whose_forward_returns_a_number_is_converted_as_apply_does():
    class Half(tg.Function):
        def forward(self, x):
            return float(x.sum()) / 2  # a Python float: apply makes it a 0-d array

        def vjp(self, g):
            return (np.full(self.shape, 0.5) * g,)
    w = Tensor([1.0, 2.0], requires_grad=True)

    def fn(x):
        y = w * x
        Half.shape = y.shape
        return Half.apply(y)
    step = tg.compile(fn)
    step(np.ones(2))
    assert "as_array(half2.forward(v1))" in step.source
    out = step(np.array([2.0, 2.0]))
    assert isinstance(out, np.ndarray) and out.shape == () and out == 3.0


def test_memory_stays_flat_over_many_compiled_steps():
    rng = np.random.default_rng(7)
    w = Tensor(rng.standard_normal(4), requires_grad=True)
    b = Tensor(np.array(0.0), requires_grad=True)
    opt = tg.optim.SGD([w, b], lr=0.1)
    step = tg.compile(lambda x, t: F.mse((x @ w + b).sigmoid(), t))
    X, t = rng.standard_normal((32, 4)), (rng.random(32) > 0.5).astype(float)

    def train(n):
        for _ in range(n):
            step(X, t)
            opt.step()
            opt.zero_grad()
    train(100)
    tracemalloc.start()
    try:
        train(200)
        before = tracemalloc.get_traced_memory()[0]
        train(10_000)
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    # one array kept per step would be >= 10,000 * 100 bytes; allow a few stray kilobytes
    assert grown < 20_000, grown
