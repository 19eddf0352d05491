"""fit(compile=True): the same training run as eager fit, bit for bit, one recording per
batch shape."""

from __future__ import annotations

import warnings

import tinygrad_edu as tg


def run_fit(compile: bool, **kwargs):
    X, t = tg.datasets.xor_gate()
    net = tg.nn.Sequential(tg.nn.Linear(2, 4, "tanh", rng=0), tg.nn.Linear(4, 1, rng=1))

    def model(x):
        return net(x).reshape(-1)
    opt = tg.optim.Adam(net.parameters(), lr=0.05)
    seen = []
    cb = type("Seen", (), {"on_backward": lambda self, m, v, s: seen.append(
        [p.grad.copy() for p in net.parameters()])})()
    h = tg.fit(model, X, t, loss="binary_cross_entropy_with_logits", optimizer=opt,
               rng=0, progress=False, callbacks=[cb], compile=compile, **kwargs)
    return h, [p.data.copy() for p in net.parameters()], seen


def test_fit_compiled_equals_eager_bit_for_bit():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the smaller last batch records again, silently
        runs = [run_fit(c, epochs=30, batch_size=3) for c in (False, True)]
    (h_e, p_e, g_e), (h_c, p_c, g_c) = runs
    assert h_c.loss == h_e.loss and h_c.accuracy == h_e.accuracy
    assert all(a.tobytes() == b.tobytes() for a, b in zip(p_c, p_e, strict=True))
    assert len(g_c) == len(g_e) == 60  # callbacks saw the same gradients at every step
    assert all(a.tobytes() == b.tobytes()
               for ga, gb in zip(g_c, g_e, strict=True) for a, b in zip(ga, gb, strict=True))


def test_fit_compiled_full_batch_learns_xor():
    h, _, _ = run_fit(True, epochs=300)
    assert h.loss[-1] < 0.1 * h.loss[0] and h.accuracy[-1] == 1.0
