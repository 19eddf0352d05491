"""Property: on any graph of broadcasting ops with reuse, compiled training equals eager
training bit for bit, step after step, with new data on every step."""

from __future__ import annotations

from collections.abc import Callable

import hypothesis.extra.numpy as hnp
import numpy as np
from hypothesis import given
from hypothesis import strategies as st

import tinygrad_edu as tg
from tinygrad_edu import Tensor

# elements in [-2, 2] and ops that keep values bounded (a product goes through tanh), so no
# draw can overflow or warn: bit-equality then holds for every draw
ELEMENTS = st.floats(-2.0, 2.0, allow_nan=False, width=64)
OPS: dict[str, Callable[[Tensor, Tensor], Tensor]] = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul_tanh": lambda a, b: (a * b).tanh(),
    "sigmoid_of_left": lambda a, b: a.sigmoid(),
    "tanh_of_right": lambda a, b: b.tanh(),
}


@st.composite
def programs(draw: st.DrawFn) -> tuple[list[np.ndarray], list[tuple[str, int, int]],
                                       list[list[np.ndarray]]]:
    """Two parameters and one input of mutually broadcastable shapes, a list of ops (each
    reading two earlier values, so values are reused), and the input for each of 3 steps."""
    shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=3,
                                                    max_side=3)).input_shapes
    params = [draw(hnp.arrays(np.float64, s, elements=ELEMENTS)) for s in shapes[:2]]
    n_ops = draw(st.integers(1, 6))
    ops = [(draw(st.sampled_from(sorted(OPS))), draw(st.integers(0, 2 + k)),
            draw(st.integers(0, 2 + k))) for k in range(n_ops)]
    data = [[draw(hnp.arrays(np.float64, shapes[2], elements=ELEMENTS))] for _ in range(3)]
    return params, ops, data


def build(params0: list[np.ndarray], ops: list[tuple[str, int, int]]):
    params = [Tensor(p.copy(), requires_grad=True) for p in params0]

    def loss(x: Tensor) -> Tensor:
        values = [*params, x]
        for name, i, j in ops:
            values.append(OPS[name](values[i], values[j]))
        total = values[0].sum() + values[1].sum()  # every parameter reaches the loss
        for v in values[3:]:
            total = total + (v * v).mean()
        return total
    return loss, params, tg.optim.SGD(params, lr=0.1, momentum=0.5)


@given(programs())
def test_compiled_training_equals_eager_bit_for_bit(program):
    params0, ops, data = program
    loss_e, params_e, opt_e = build(params0, ops)
    loss_c, params_c, opt_c = build(params0, ops)
    step = tg.compile(loss_c)
    for (x,) in data:
        eager = loss_e(Tensor(x))
        eager.backward()
        got = step(x)
        assert got.tobytes() == eager.data.tobytes()
        for pe, pc in zip(params_e, params_c, strict=True):
            assert pc.grad.shape == pe.grad.shape == pe.shape
            assert pc.grad.tobytes() == pe.grad.tobytes()
        opt_e.step()
        opt_c.step()
        opt_e.zero_grad()
        opt_c.zero_grad()
        for pe, pc in zip(params_e, params_c, strict=True):
            assert pc.data.tobytes() == pe.data.tobytes()
