"""Tests for tinygrad_edu.optim: SGD and Adam against their update rules written out in numpy.

The reference formulas below are PyTorch's documented algorithms (torch.optim.SGD with
dampening 0, torch.optim.Adam without amsgrad), written in the plain textbook order.
Tolerance: each step does about ten float64 operations in a possibly different order from
the optimizer's, so the two differ by a few ulps (~1e-16 relative) per step; over the
steps here that stays below 1e-13 relative, and rtol=1e-12 still catches any real
difference in the rule (a missing bias correction or decay term changes values by > 1e-4).
"""

from __future__ import annotations

import doctest

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import optim

RTOL, ATOL = 1e-12, 1e-15
STEPS = 6
SHAPES = [(3, 4), (4,)]


def _setup(seed=0):
    rng = np.random.default_rng(seed)
    start = [rng.standard_normal(s) for s in SHAPES]
    grads = [[rng.standard_normal(s) for s in SHAPES] for _ in range(STEPS)]
    params = [tg.Tensor(p.copy(), requires_grad=True) for p in start]
    return start, grads, params


def _run(opt, params, grads, missing=()):
    """Feed the given gradients; (step, index) pairs in ``missing`` get no gradient."""
    for k, gs in enumerate(grads):
        opt.zero_grad()
        for i, (p, g) in enumerate(zip(params, gs, strict=True)):
            p.grad = None if (k, i) in missing else g.copy()
        opt.step()


def test_docstring_examples_run():
    result = doctest.testmod(optim)
    assert result.attempted >= 5 and result.failed == 0


def test_sgd_plain_is_p_minus_lr_g():
    start, grads, params = _setup()
    _run(optim.SGD(params, lr=0.1), params, grads)
    for i, p in enumerate(params):
        expected = start[i] - 0.1 * sum(gs[i] for gs in grads)
        np.testing.assert_allclose(p.data, expected, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("momentum, wd", [(0.9, 0.0), (0.5, 0.01), (0.0, 0.1)])
def test_sgd_momentum_and_weight_decay(momentum, wd):
    start, grads, params = _setup(1)
    lr = 0.05
    missing = {(2, 0)}  # parameter 0 gets no gradient at step 2: skipped entirely
    _run(optim.SGD(params, lr=lr, momentum=momentum, weight_decay=wd), params, grads, missing)
    for i in range(len(SHAPES)):
        p, buf = start[i].copy(), None
        for k in range(STEPS):
            if (k, i) in missing:
                continue
            g = grads[k][i] + wd * p
            if momentum:
                buf = g.copy() if buf is None else momentum * buf + g
                g = buf
            p = p - lr * g
        np.testing.assert_allclose(params[i].data, p, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("lr, betas, eps, wd", [
    (1e-3, (0.9, 0.999), 1e-8, 0.0),
    (0.1, (0.8, 0.99), 1e-6, 0.1),
    (0.01, (0.0, 0.5), 0.0, 0.0),
])
def test_adam_with_bias_correction(lr, betas, eps, wd):
    start, grads, params = _setup(2)
    missing = {(1, 1), (3, 1)}
    _run(optim.Adam(params, lr=lr, betas=betas, eps=eps, weight_decay=wd), params, grads, missing)
    b1, b2 = betas
    for i in range(len(SHAPES)):
        p, m, v, k = start[i].copy(), 0.0, 0.0, 0
        for step in range(STEPS):
            if (step, i) in missing:
                continue
            k += 1  # each parameter counts its own steps
            g = grads[step][i] + wd * p
            m = b1 * m + (1 - b1) * g
            v = b2 * v + (1 - b2) * g**2
            m_hat, v_hat = m / (1 - b1**k), v / (1 - b2**k)
            p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
        np.testing.assert_allclose(params[i].data, p, rtol=RTOL, atol=ATOL)


def test_first_adam_step_moves_each_weight_by_about_lr():
    # m̂ = g and v̂ = g² after one step, so the step is lr·g/(|g| + eps) ≈ lr·sign(g)
    w = tg.Tensor([1.0, -2.0, 3.0], requires_grad=True)
    w.grad = np.array([1e-3, -50.0, 7.0])
    optim.Adam([w], lr=0.01).step()
    np.testing.assert_allclose(w.data, [1.0 - 0.01, -2.0 + 0.01, 3.0 - 0.01], rtol=1e-6)


def test_parameters_without_gradient_are_untouched():
    a = tg.Tensor([1.0, 2.0], requires_grad=True)
    b = tg.Tensor([3.0], requires_grad=True)
    for opt in (optim.SGD([a, b], lr=1.0, momentum=0.9, weight_decay=0.5),
                optim.Adam([a, b], lr=1.0, weight_decay=0.5)):
        a.grad, b.grad = np.array([1.0, 1.0]), None
        before = b.data.copy()
        opt.step()
        assert np.array_equal(b.data, before)


def test_zero_grad_and_modules_and_duplicates():
    layer = tg.nn.Linear(2, 2, rng=0)
    opt = optim.SGD(layer, lr=0.1)  # a module: its parameters
    assert opt.params == layer.parameters()
    layer(np.ones(2)).sum().backward()
    opt.zero_grad()
    assert all(p.grad is None for p in layer.parameters())
    w = tg.Tensor([1.0], requires_grad=True)
    opt = optim.SGD([w, w], lr=0.5)  # listed twice, updated once
    w.grad = np.array([2.0])
    opt.step()
    assert w.data.tolist() == [0.0]


def test_update_goes_through_the_data_setter():
    w = tg.Tensor([1.0], requires_grad=True)
    version = w._version
    w.grad = np.array([1.0])
    optim.Adam([w]).step()
    assert w._version == version + 1  # the engine can see values changed


@pytest.mark.parametrize("make, message", [
    (lambda p: optim.SGD(p, lr=-0.1), "lr must be a finite number >= 0"),
    (lambda p: optim.SGD(p, lr=float("inf")), r"SGD: lr must be a finite number >= 0, got inf"),
    (lambda p: optim.SGD(p, lr=0.1, momentum=float("inf")), "momentum"),
    (lambda p: optim.SGD(p, lr=0.1, momentum=1.0), r"momentum must be a finite number in \[0, 1\)"),
    (lambda p: optim.SGD(p, lr=0.1, weight_decay=float("inf")), "weight_decay"),
    (lambda p: optim.Adam(p, lr=float("inf")), "Adam: lr"),
    (lambda p: optim.Adam(p, eps=float("inf")), "Adam: eps"),
    (lambda p: optim.Adam(p, weight_decay=float("nan")), "Adam: weight_decay"),
    (lambda p: optim.SGD(p, lr=float("nan")), "lr"),
    (lambda p: optim.SGD(p, lr=0.1, momentum=-1), "momentum"),
    (lambda p: optim.SGD(p, lr=0.1, weight_decay=-1e-3), "weight_decay"),
    (lambda p: optim.Adam(p, lr=-1), "lr"),
    (lambda p: optim.Adam(p, betas=(1.0, 0.999)),
     r"betas\[0\] must be a finite number in \[0, 1\)"),
    (lambda p: optim.Adam(p, betas=(0.9, -0.1)), r"betas\[1\]"),
    (lambda p: optim.Adam(p, betas=(0.9,)), "pair"),
    (lambda p: optim.Adam(p, eps=-1e-8), "eps"),
    (lambda p: optim.SGD([], lr=0.1), "empty"),
])
def test_bad_hyper_parameters_raise_value_error(make, message):
    with pytest.raises(ValueError, match=message):
        make([tg.Tensor([1.0], requires_grad=True)])


@pytest.mark.parametrize("make, message", [
    (lambda p: optim.SGD(p, lr="0.1"), "SGD: lr must be a real number, got str '0.1'"),
    (lambda p: optim.SGD(p, lr=True), "SGD: lr must be a real number"),
    (lambda p: optim.Adam(p, eps=None), "Adam: eps must be a real number"),
    (lambda p: optim.Adam(p, betas=(0.9, 1j)), r"Adam: betas\[1\] must be a real number"),
])
def test_hyper_parameters_that_are_not_numbers_raise_type_error(make, message):
    with pytest.raises(TypeError, match=message):
        make([tg.Tensor([1.0], requires_grad=True)])


@pytest.mark.parametrize("params", [None, 5, "weights"])
def test_params_that_are_not_a_list_say_so(params):
    with pytest.raises(TypeError, match=r"SGD: params must be a model or a list of its tensors"):
        optim.SGD(params, lr=0.1)


def test_a_new_optimizer_writes_only_its_update_rule():
    class SignSGD(optim.Optimizer):  # p <- p - lr sign(g): the base runs the loop
        def __init__(self, params, lr, weight_decay=0.0):
            super().__init__(params, weight_decay)
            self.lr = lr

        def update(self, i, p, g):
            p.data -= self.lr * np.sign(g)

    a = tg.Tensor([1.0, -2.0], requires_grad=True)
    b = tg.Tensor([3.0], requires_grad=True)
    a.grad = np.array([0.5, 0.0])
    opt = SignSGD([a, b], lr=0.1, weight_decay=1.0)  # g + 1.0·p = [1.5, -2.0]; b has no grad
    opt.step()
    np.testing.assert_allclose(a.data, [0.9, -1.9])
    assert b.data.tolist() == [3.0] and a.grad.tolist() == [0.5, 0.0]  # grad itself unchanged
    with pytest.raises(NotImplementedError, match="update"):
        b.grad = np.ones(1)
        optim.Optimizer([b]).step()


def test_params_must_be_tensors():
    with pytest.raises(TypeError, match=r"params\[1\] is a ndarray"):
        optim.SGD([tg.Tensor([1.0], requires_grad=True), np.ones(2)], lr=0.1)
    with pytest.raises(TypeError, match=r"wrap one tensor as \[t\]"):
        optim.Adam(tg.Tensor([1.0], requires_grad=True))


@pytest.mark.parametrize("make", [
    lambda ps: optim.SGD(ps, lr=0.1, momentum=0.9),
    lambda ps: optim.Adam(ps, lr=0.1),
])
def test_optimizers_minimise_a_quadratic(make):
    target = np.array([3.0, -1.0])
    w = tg.Tensor([0.0, 0.0], requires_grad=True)
    opt = make([w])
    for _ in range(300):
        opt.zero_grad()
        ((w - target) ** 2).sum().backward()
        opt.step()
    np.testing.assert_allclose(w.data, target, atol=1e-3)
