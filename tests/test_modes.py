"""Grad mode and anomaly mode (modes.py): per thread, and every entry restores what it found.

Threads are ordered with Events and Barriers, never with sleeps: each test forces the
overlap it is about, and every wait has a timeout so a regression fails instead of hanging.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable, Generator, Iterator
from typing import Any

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import Tensor
from tinygrad_edu.train import predict

TIMEOUT = 30.0  # seconds; only reached when a test is already failing


def recording() -> bool:
    """Does an op on a tensor that requires grad record its graph here and now?"""
    return (Tensor([1.0], requires_grad=True) * 2.0).requires_grad


def anomaly_mode_on() -> bool:
    """Does an op that makes -inf raise here and now? (numpy's warning silenced meanwhile)"""
    with np.errstate(all="ignore"):
        try:
            Tensor([0.0], requires_grad=True).log()
        except FloatingPointError:
            return True
    return False


def wait(event: threading.Event) -> None:
    assert event.wait(TIMEOUT), "the other thread never reached its point"


class Worker:
    """A thread that runs ``fn`` and hands back its result or its exception on ``join``."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        self.result: Any = None
        self.error: BaseException | None = None

        def run() -> None:
            try:
                self.result = fn()
            except BaseException as e:
                self.error = e

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def join(self) -> Any:
        self.thread.join(TIMEOUT)
        assert not self.thread.is_alive(), "worker thread did not finish"
        if self.error is not None:
            raise self.error
        return self.result


def three_layer_net() -> tuple[Tensor, list[Tensor]]:
    """A loss from a 3-layer MLP and its six parameters (fixed seed, so values repeat)."""
    rng = np.random.default_rng(0)
    x = Tensor(rng.standard_normal((5, 4)))
    params = [Tensor(rng.standard_normal(s), requires_grad=True)
              for s in [(4, 6), (6,), (6, 3), (3,), (3, 1), (1,)]]
    w1, b1, w2, b2, w3, b3 = params
    h = (x @ w1 + b1).tanh()
    h = (h @ w2 + b2).sigmoid()
    loss = ((h @ w3 + b3) ** 2).mean()
    return loss, params


def reference_grads() -> list[np.ndarray | None]:
    loss, params = three_layer_net()
    loss.backward()
    return [p.grad for p in params]


# ---------------------------------------------------------------------------
# threads
# ---------------------------------------------------------------------------


def test_a_no_grad_block_in_one_thread_leaves_another_thread_recording():
    expected = reference_grads()
    inside, done = threading.Event(), threading.Event()

    def hold_no_grad_open() -> bool:
        with tg.no_grad():
            inside.set()
            wait(done)  # the main thread trains meanwhile
            return recording()

    holder = Worker(hold_no_grad_open)
    try:
        wait(inside)
        loss, params = three_layer_net()
        loss.backward()
    finally:
        done.set()
    assert holder.join() is False  # the holder's own block still worked
    for p, g in zip(params, expected, strict=True):
        assert p.grad is not None  # every layer got its gradient, not only the last
        np.testing.assert_array_equal(p.grad, g)
    assert recording()


@pytest.mark.parametrize("blocks", ["one-each", "one-shared"])
def test_overlapping_blocks_in_two_threads_leave_recording_on(blocks):
    both_inside = threading.Barrier(2, timeout=TIMEOUT)
    first_left = threading.Event()
    shared = tg.no_grad()
    block = (lambda: shared) if blocks == "one-shared" else tg.no_grad

    def first() -> tuple[bool, bool]:
        with block():
            both_inside.wait()
            during = recording()
        first_left.set()  # leave first, while the other block is still open
        return during, recording()

    def second() -> tuple[bool, bool]:
        with block():
            both_inside.wait()
            wait(first_left)
            during = recording()
        return during, recording()

    a, b = Worker(first), Worker(second)
    assert a.join() == (False, True)
    assert b.join() == (False, True)
    assert recording()


def test_an_anomaly_block_in_one_thread_does_not_reach_another():
    before = np.geterr()
    inside, done = threading.Event(), threading.Event()

    def hold_detect_anomaly_open() -> bool:
        with tg.detect_anomaly():
            inside.set()
            wait(done)
            return anomaly_mode_on()

    holder = Worker(hold_detect_anomaly_open)
    try:
        wait(inside)
        here = anomaly_mode_on(), np.geterr()
    finally:
        done.set()
    assert holder.join() is True
    assert here == (False, before)


def test_predict_in_one_thread_does_not_stop_recording_in_another():
    inside, done = threading.Event(), threading.Event()

    def model(x: Tensor) -> Tensor:  # predict calls it inside its no_grad block
        inside.set()
        wait(done)
        return x * 2.0

    worker = Worker(lambda: predict(model, np.array([1.0, 2.0])))
    try:
        wait(inside)
        w = Tensor([1.0, -2.0], requires_grad=True)
        (w * w).sum().backward()
    finally:
        done.set()
    np.testing.assert_array_equal(worker.join(), [2.0, 4.0])
    np.testing.assert_array_equal(w.grad, [2.0, -4.0])


class _WaitingNeuron(tg.nn.Neuron):
    """Sits between Perceptron and Neuron in the MRO, so it runs inside Perceptron.forward's
    no_grad block, and waits there for the main thread (events set by the test)."""

    inside: threading.Event
    done: threading.Event

    def forward(self, x: Any) -> Tensor:
        self.inside.set()
        wait(self.done)
        return super().forward(x)


class _WaitingPerceptron(tg.nn.Perceptron, _WaitingNeuron):
    pass


def test_perceptron_forward_in_one_thread_does_not_stop_recording_in_another():
    p = _WaitingPerceptron(2, rng=0)
    p.inside, p.done = threading.Event(), threading.Event()
    worker = Worker(lambda: p(np.array([[1.0, 1.0], [-1.0, -1.0]])))
    try:
        wait(p.inside)
        loss, params = three_layer_net()
        loss.backward()
    finally:
        p.done.set()
    out = worker.join()
    assert not out.requires_grad and set(out.data.tolist()) <= {0.0, 1.0}
    assert all(q.grad is not None for q in params)


def test_gradcheck_in_one_thread_neither_starts_nor_stops_recording_in_another():
    # gradcheck records its analytic pass even inside no_grad, and evaluates f without a
    # graph for the central differences: both are switches, and both must stay in its thread
    arrived: queue.Queue[str] = queue.Queue()
    go_on = {"analytic": threading.Event(), "numeric": threading.Event()}

    def f(x: Tensor) -> Tensor:
        phase = "analytic" if x.requires_grad else "numeric"
        if not go_on[phase].is_set():  # wait once in each phase, for the main thread
            arrived.put(phase)
            wait(go_on[phase])
        return (x * x).sum()

    worker = Worker(lambda: tg.gradcheck.gradcheck(f, Tensor([1.0, 2.0], requires_grad=True)))
    try:
        for _ in range(2):
            phase = arrived.get(timeout=TIMEOUT)
            if phase == "analytic":  # the worker records: we, inside no_grad, must not
                with tg.no_grad():
                    assert not recording()
            else:  # the worker records nothing: we must
                loss, params = three_layer_net()
                loss.backward()
                assert all(q.grad is not None for q in params)
            go_on[phase].set()
    finally:
        for event in go_on.values():
            event.set()
    assert worker.join() is True


def test_a_no_grad_block_held_across_an_await_stays_in_its_asyncio_task():
    async def main() -> tuple[bool, bool, bool]:
        inside, done = asyncio.Event(), asyncio.Event()

        async def holder() -> bool:
            with tg.no_grad():
                inside.set()
                await done.wait()
                return recording()

        async def trainer() -> bool:
            await inside.wait()
            try:
                return recording()  # another task: its own context
            finally:
                done.set()

        held, other = await asyncio.wait_for(asyncio.gather(holder(), trainer()), TIMEOUT)
        return held, other, recording()

    assert asyncio.run(main()) == (False, True, True)


# ---------------------------------------------------------------------------
# re-entrance: recursion, the same instance, nesting
# ---------------------------------------------------------------------------


def test_a_recursive_no_grad_function_leaves_recording_on():
    depths: list[bool] = []

    @tg.no_grad()
    def descend(n: int) -> int:
        depths.append(recording())
        return 0 if n == 0 else 1 + descend(n - 1)

    assert descend(4) == 4
    assert depths == [False] * 5
    assert recording()
    descend(1)  # a second call behaves the same
    assert recording()


def test_the_same_no_grad_instance_nested():
    block = tg.no_grad()
    with block:
        with block:
            assert not recording()
        assert not recording()  # the inner exit did not switch the outer block off
    assert recording()
    with block:  # and it can be used again
        assert not recording()
    assert recording()


def test_a_recursive_detect_anomaly_function_leaves_anomaly_mode_off():
    before = np.geterr()
    modes: list[bool] = []

    @tg.detect_anomaly()
    def descend(n: int) -> int:
        modes.append(anomaly_mode_on())
        return 0 if n == 0 else 1 + descend(n - 1)

    assert descend(3) == 3  # no "Token has already been used"
    assert modes == [True] * 4
    assert not anomaly_mode_on()
    assert np.geterr() == before


def test_numpy_error_state_is_unchanged_after_nested_detect_anomaly():
    with np.errstate(divide="raise", over="warn", invalid="call", under="print"):
        before = np.geterr()
        block = tg.detect_anomaly()
        with block:
            with block, tg.detect_anomaly():
                assert anomaly_mode_on()
            assert anomaly_mode_on()
        assert np.geterr() == before
        assert not anomaly_mode_on()


def test_a_block_left_by_an_exception_restores_the_state_it_found():
    block = tg.no_grad()
    with block:
        with pytest.raises(KeyError), block:
            raise KeyError("x")
        assert not recording()
    assert recording()


# ---------------------------------------------------------------------------
# decorating generator functions
# ---------------------------------------------------------------------------


def test_a_no_grad_generator_runs_without_recording_and_its_caller_records():
    w = Tensor([1.0, 2.0], requires_grad=True)
    log: list[tuple[str, Any, bool]] = []

    @tg.no_grad()
    def steps() -> Iterator[bool]:
        received = yield recording()
        log.append(("sent", received, recording()))
        try:
            yield recording()
        except ValueError as e:
            log.append(("thrown", str(e), recording()))
            yield recording()
        finally:
            log.append(("finally", None, recording()))

    gen = steps()
    assert next(gen) is False
    y = (w * w).sum()  # the caller's code between two steps records
    assert y.requires_grad
    assert gen.send("hello") is False
    assert recording()
    assert gen.throw(ValueError("boom")) is False
    assert recording()
    gen.close()
    assert recording()
    assert log == [("sent", "hello", False), ("thrown", "boom", False),
                   ("finally", None, False)]
    y.backward()
    np.testing.assert_array_equal(w.grad, [2.0, 4.0])


def test_a_no_grad_generator_returns_its_value_and_lets_exceptions_out():
    @tg.no_grad()
    def inner() -> Generator[Any, None, int]:
        yield recording()
        return 42

    def outer() -> Iterator[Any]:
        result = yield from inner()
        yield result, recording()

    assert list(outer()) == [False, (42, True)]

    @tg.no_grad()
    def failing() -> Iterator[int]:
        yield 1
        raise KeyError(f"inside, recording={recording()}")

    gen = failing()
    next(gen)
    with pytest.raises(KeyError, match="inside, recording=False"):
        next(gen)
    assert recording()

    @tg.no_grad()
    def not_catching() -> Iterator[int]:
        yield 1

    gen = not_catching()
    next(gen)
    with pytest.raises(ZeroDivisionError):
        gen.throw(ZeroDivisionError())
    assert recording()


def test_an_enable_grad_generator_records_inside_a_no_grad_caller():
    w = Tensor([3.0], requires_grad=True)

    @tg.enable_grad()
    def losses() -> Iterator[Tensor]:
        for k in (1.0, 2.0):
            yield (w * k).sum()

    with tg.no_grad():
        gen = losses()
        first = next(gen)
        assert not recording()  # the caller's block is untouched between steps
        second = next(gen)
    assert first.requires_grad and second.requires_grad
    (first + second).backward()
    np.testing.assert_array_equal(w.grad, [3.0])


# ---------------------------------------------------------------------------
# spellings
# ---------------------------------------------------------------------------


def test_no_grad_and_detect_anomaly_without_parentheses():
    w = Tensor([1.0, 2.0], requires_grad=True)

    @tg.no_grad
    def scaled(k: float) -> Tensor:
        """Scale w."""
        return w * k

    out = scaled(3.0)
    assert not out.requires_grad
    np.testing.assert_array_equal(out.data, [3.0, 6.0])
    assert scaled.__name__ == "scaled" and scaled.__doc__ == "Scale w."
    assert recording()

    @tg.detect_anomaly
    def log_of(x: Tensor) -> Tensor:
        return x.log()

    with pytest.raises(FloatingPointError, match="log"):
        log_of(Tensor([0.0], requires_grad=True))
    assert not anomaly_mode_on()


@pytest.mark.parametrize("switch", ["no_grad", "enable_grad", "detect_anomaly"])
def test_decorating_something_that_is_not_a_function_is_a_type_error(switch):
    with pytest.raises(TypeError, match=switch) as info:
        getattr(tg, switch)(5)
    assert "5" in str(info.value)  # says what it was given


def test_enable_grad_inside_no_grad():
    w = Tensor([1.0, 2.0], requires_grad=True)
    with tg.no_grad():
        with tg.enable_grad():
            y = (w * w).sum()
            assert recording()
        assert not recording()
        z = (w * w).sum()
    assert y.requires_grad and y.op == "sum"
    assert not z.requires_grad
    y.backward()
    np.testing.assert_array_equal(w.grad, [2.0, 4.0])
