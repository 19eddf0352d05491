"""tg.compile refuses, with a clear error, what a replay would get wrong."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor

w = Tensor([1.0, 2.0], requires_grad=True, name="w")
const = Tensor([1.0, 1.0], name="const")

# each reads values while the step is being recorded: a replay would freeze them
VALUE_READS: dict[str, Callable[[Tensor], Any]] = {
    "t.item()": lambda y: y.sum().item(),
    "bool(t)": lambda y: bool(y.sum()),
    "t.numpy()": lambda y: y.numpy(),
    "t.data": lambda y: y.data,
    "np.asarray(t)": lambda y: np.asarray(y),
    "float(t)": lambda y: float(y.sum()),
    "int(t)": lambda y: int(y.sum()),
    "t.tolist()": lambda y: y.tolist(),
    "format(t, '.3f')": lambda y: f"{y.sum():.3f}",
    "a comparison (greater)": lambda y: y > 0,
    "a comparison (equal)": lambda y: y == 1.0,
    "t.detach()": lambda y: y.detach(),
    "Tensor(t)": lambda y: Tensor(y),
}


@pytest.mark.parametrize("what", VALUE_READS)
def test_reading_values_while_recording_is_refused(what):
    read = VALUE_READS[what]

    def step_fn(x):
        y = x * w
        read(y)
        return y.sum()
    step = tg.compile(step_fn)
    with pytest.raises(RuntimeError, match=r"tg.compile: .* while recording the step 'step_fn': "
                                           r"a compiled step replays only the recorded"):
        step(np.ones(2))
    x = Tensor([1.0, 2.0]) * w  # after the refusal, the same reads work again outside
    read(x)


def test_an_if_on_a_tensor_names_the_branch():
    def step_fn(x):
        y = (x * w).sum()
        return y if y > 0 else -y
    with pytest.raises(RuntimeError, match="a comparison"):
        tg.compile(step_fn)(np.ones(2))


@pytest.mark.parametrize("block", ["no_grad", "detect_anomaly"])
def test_no_grad_and_detect_anomaly_inside_the_step_are_refused(block):
    def step_fn(x):
        with getattr(tg, block)():
            z = x * 2
        return (z * w).sum()
    with pytest.raises(RuntimeError, match=rf"{block}\(\) while recording"):
        tg.compile(step_fn)(np.ones(2))


def test_an_in_place_change_inside_the_step_is_refused():
    def step_fn(x):
        const.__iadd__(1.0)  # `const += 1` on a closure tensor: not recorded
        return (x * w * const).sum()
    with pytest.raises(RuntimeError, match=r"`t \+= ...` while recording .* is not recorded"):
        tg.compile(step_fn)(np.ones(2))


def test_calling_a_compiled_step_inside_another_is_refused():
    inner = tg.compile(lambda x: (x * w).sum())
    outer = tg.compile(lambda x: inner(x) * w.sum())
    with pytest.raises(RuntimeError, match="calling the compiled step '<lambda>'"):
        outer(np.ones(2))


def test_a_step_called_inside_detect_anomaly_or_no_grad_is_refused():
    step = tg.compile(lambda x: (x * w).sum())
    step(np.ones(2))
    with tg.detect_anomaly(), pytest.raises(RuntimeError, match="inside detect_anomaly"):
        step(np.ones(2))
    with tg.no_grad(), pytest.raises(RuntimeError, match=r"inside no_grad\(\)"):
        step(np.ones(2))


def test_a_hook_inside_the_step_is_refused():
    def step_fn(x):
        y = x * w
        y.register_hook(lambda g: g * 2)
        return y.sum()
    with pytest.raises(RuntimeError, match=r"'mul' .* has a hook; a replay runs only"):
        tg.compile(step_fn)(np.ones(2))


def test_a_hook_on_a_parameter_is_refused_even_when_added_after_recording():
    p = Tensor([1.0, 2.0], requires_grad=True, name="p")
    step = tg.compile(lambda x: (x * p).sum())
    step(np.ones(2))
    remove = p.register_hook(lambda g: g * 2)
    with pytest.warns(tg.RecompileWarning, match="got a hook"), \
            pytest.raises(RuntimeError, match=r"'p' .* has a hook"):
        step(np.ones(2))
    remove()
    assert step(np.ones(2)) == 3.0


def test_retain_grad_inside_the_step_is_refused():
    def step_fn(x):
        y = x * w
        y.retain_grad()
        return y.sum()
    with pytest.raises(RuntimeError, match=r"has retain_grad\(\)"):
        tg.compile(step_fn)(np.ones(2))


def test_randomness_inside_the_step_is_refused():
    def noisy(x):
        return ((x + tg.randn(2)) * w).sum()
    with pytest.raises(RuntimeError, match="does not give the same result when run again"):
        tg.compile(noisy)(np.ones(2))
    rng = np.random.default_rng(0)
    with pytest.raises(RuntimeError, match="a constant of shape"):
        tg.compile(lambda x: ((x * rng.random(2)) * w).sum())(np.ones(2))


def test_an_op_that_draws_random_numbers_is_refused():
    class Dropout(tg.Function):
        rng = np.random.default_rng(0)

        def forward(self, x):
            self.keep = self.rng.random(x.shape) < 0.5
            return x * self.keep

        def vjp(self, g):
            return (g * self.keep,)
    with pytest.raises(RuntimeError, match=r"op 2 \('dropout'\) gave other values"):
        tg.compile(lambda x: Dropout.apply(x * w).sum())(np.ones(2))


def test_state_that_changes_from_call_to_call_is_refused():
    calls = []

    def counting(x):
        calls.append(1)
        return (x * w * len(calls)).sum()
    with pytest.raises(RuntimeError, match=r"a constant of shape \(\) had other values"):
        tg.compile(counting)(np.ones(2))


def test_an_op_that_keeps_state_between_its_own_calls_is_refused():
    class Drifting(tg.Function):
        """A badly written op: each forward on the same object adds one more."""

        def forward(self, x):
            self.k = getattr(self, "k", 0) + 1
            return x + self.k

        def vjp(self, g):
            return (g,)
    with pytest.raises(RuntimeError, match="gave another output when its forward ran again"):
        tg.compile(lambda x: Drifting.apply(x * w).sum())(np.ones(2))


def test_what_the_step_returns_is_checked():
    with pytest.raises(TypeError, match=r"must return the loss .* it returned float"):
        tg.compile(lambda x: 1.0)(np.ones(2))
    with pytest.raises(ValueError, match=r"has shape \(2,\); a step's loss is a single value"):
        tg.compile(lambda x: x * w)(np.ones(2))
    with pytest.raises(RuntimeError, match="does not depend on any parameter"):
        tg.compile(lambda x: (x * const).sum())(np.ones(2))


def test_the_arguments_are_checked():
    step = tg.compile(lambda x: (x * w).sum())
    with pytest.raises(TypeError, match="argument 0 of '<lambda>' requires grad"):
        step(Tensor([1.0, 1.0], requires_grad=True))
    with pytest.raises(TypeError, match="argument 0 of '<lambda>': cannot make a tensor from str"):
        step("ab")
    with pytest.raises(TypeError, match=r"called with keyword arguments \(x\)"):
        step(x=np.ones(2))


def test_the_recording_flag_is_reset_after_an_error_in_the_function():
    def broken(x):
        raise KeyError("inside")
    with pytest.raises(KeyError):
        tg.compile(broken)(np.ones(2))
    assert Tensor([1.0]).item() == 1.0
