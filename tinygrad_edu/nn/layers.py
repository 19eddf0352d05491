"""Layers of the lecture: one ``Neuron`` y = f(w·x + b), a ``Linear`` layer y = f(Wx + b),
and ``Sequential``, layers applied one after the other.

A ``Linear`` layer is just ``out_features`` neurons side by side: row j of ``weight`` is
neuron j's weight vector w_j, so for a batch X of shape (N, in) the outputs are
Y = f(X Wᵀ + b) of shape (N, out), with Y[n, j] = f(w_j · x_n + b_j).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from .. import functional as F
from ..arguments import RngLike, as_generator, whole_number
from ..errors import ShapeError
from ..tensor import Tensor
from .module import Module, nested_repr

Activation = str | Callable[[Tensor], Tensor] | None

ACTIVATIONS: dict[str, Callable[[Any], Tensor]] = {
    "identity": F.identity,
    "linear": F.identity,
    "sign": F.sign,
    "step": F.step,
    "sigmoid": F.sigmoid,
    "tanh": F.tanh,
    "relu": F.relu,
    "leaky_relu": F.leaky_relu,
    "softmax": F.softmax,
}


def get_activation(activation: Activation) -> tuple[str, Callable[[Any], Tensor]]:
    """``(name, function)`` for an activation given by name, as a callable, or None (identity).

    >>> get_activation("tanh")[0], get_activation(None)[0]
    ('tanh', 'identity')
    """
    if activation is None:
        return "identity", F.identity
    if isinstance(activation, str):
        fn = ACTIVATIONS.get(activation.lower())
        if fn is None:
            known = ", ".join(repr(k) for k in ACTIVATIONS)
            raise ValueError(f"unknown activation {activation!r}; known: {known}, None "
                             "(identity), or a function of a Tensor")
        return activation.lower(), fn
    if callable(activation):
        return getattr(activation, "__name__", type(activation).__name__), activation
    raise TypeError(f"activation must be a name, a function or None, got "
                    f"{type(activation).__name__} {activation!r}")


def uniform_init(gen: np.random.Generator, shape: tuple[int, ...], fan_in: int) -> np.ndarray:
    """Values uniform in [-1/√fan_in, 1/√fan_in]: PyTorch's default for Linear layers.

    Small enough that w·x starts near 0, where sigmoid and tanh are steepest, whatever the
    number of inputs (the sum of fan_in such terms has a spread that does not grow with it).
    """
    bound = 1.0 / math.sqrt(fan_in)
    return gen.uniform(-bound, bound, size=shape)


def _as_input(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


class Neuron(Module):
    """One neuron: y = f(w · x + b), with weight vector ``w`` (n_inputs,) and scalar bias ``b``.

    x of shape (n_inputs,) gives a scalar y; a batch X of shape (N, n_inputs) gives y of
    shape (N,) (one output per row). Weights and bias start uniform in ±1/√n_inputs, drawn
    from ``rng`` (an int seed or a Generator; None draws fresh randomness).

    >>> import tinygrad_edu as tg
    >>> n = tg.nn.Neuron(2, "sigmoid", rng=0)
    >>> n.w.data = np.array([1.0, -1.0]); n.b.data = np.array(0.0)
    >>> n(tg.Tensor([2.0, 2.0])).item()   # σ(1·2 − 1·2 + 0) = σ(0)
    0.5
    >>> n(np.ones((5, 2))).shape
    (5,)
    """

    def __init__(self, n_inputs: int, activation: Activation = "sigmoid", *,
                 rng: RngLike = None) -> None:
        self.n_inputs = whole_number(n_inputs, "n_inputs", "Neuron")
        self.activation, self._f = get_activation(activation)
        gen = as_generator(rng, "Neuron")
        self.w = Tensor(uniform_init(gen, (self.n_inputs,), self.n_inputs), True, name="w")
        self.b = Tensor(uniform_init(gen, (), self.n_inputs), True, name="b")

    def forward(self, x: Any) -> Tensor:
        x = _as_input(x)
        if x.ndim not in (1, 2) or x.shape[-1] != self.n_inputs:
            raise ShapeError(
                f"{self._label()}: expected input with {self.n_inputs} features (shape "
                f"({self.n_inputs},) or (N, {self.n_inputs})), got shape {x.shape}"
            )
        return self._f(x @ self.w + self.b)

    def _label(self) -> str:
        return f"{type(self).__name__}({self.n_inputs} inputs)"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.n_inputs}, activation={self.activation!r})"


class Linear(Module):
    """A layer of ``out_features`` neurons: y = f(x @ weightᵀ + bias).

    ``weight`` has shape (out_features, in_features), each row one neuron's weights;
    ``bias`` has shape (out_features,). x of shape (in_features,) gives (out_features,);
    a batch (N, in_features) gives (N, out_features). Initialisation as PyTorch's Linear:
    uniform in ±1/√in_features, drawn from ``rng`` (int seed, Generator, or None).

    >>> import tinygrad_edu as tg
    >>> layer = tg.nn.Linear(4, 3, "sigmoid", rng=0)
    >>> layer.weight.shape, layer.bias.shape
    ((3, 4), (3,))
    >>> layer(tg.ones(32, 4)).shape
    (32, 3)
    >>> layer(tg.ones(32, 5))
    Traceback (most recent call last):
    ...
    tinygrad_edu.errors.ShapeError: Linear(4 -> 3): expected input with 4 features
    (shape (4,) or (N, 4)), got shape (32, 5)
    """

    def __init__(self, in_features: int, out_features: int, activation: Activation = None, *,
                 bias: bool = True, rng: RngLike = None) -> None:
        self.in_features = whole_number(in_features, "in_features", "Linear")
        self.out_features = whole_number(out_features, "out_features", "Linear")
        self.activation, self._f = get_activation(activation)
        gen = as_generator(rng, "Linear")
        shape = (self.out_features, self.in_features)
        self.weight = Tensor(uniform_init(gen, shape, self.in_features), True, name="weight")
        self.bias: Tensor | None = None
        if bias:
            self.bias = Tensor(uniform_init(gen, (self.out_features,), self.in_features), True,
                               name="bias")

    def forward(self, x: Any) -> Tensor:
        x = _as_input(x)
        n = self.in_features
        if x.ndim not in (1, 2) or x.shape[-1] != n:
            raise ShapeError(
                f"Linear({n} -> {self.out_features}): expected input with {n} features "
                f"(shape ({n},) or (N, {n})), got shape {x.shape}"
            )
        z = x @ self.weight.T
        return self._f(z if self.bias is None else z + self.bias)

    def __repr__(self) -> str:
        extra = "" if self.bias is not None else ", bias=False"
        return (f"Linear({self.in_features} -> {self.out_features}, "
                f"activation={self.activation!r}{extra})")


class Sequential(Module):
    """Modules applied one after the other: ``Sequential(a, b, c)(x) == c(b(a(x)))``.

    Any callable may be a step (e.g. ``tg.functional.relu``); only modules hold parameters,
    named ``layers.<index>.<name>``.

    >>> import tinygrad_edu as tg
    >>> net = tg.nn.Sequential(tg.nn.Linear(4, 8, "relu", rng=0), tg.nn.Linear(8, 3, rng=1))
    >>> net(tg.ones(2, 4)).shape
    (2, 3)
    >>> len(net.parameters())
    4
    """

    def __init__(self, *modules: Any) -> None:
        for i, m in enumerate(modules):
            if not callable(m):
                raise TypeError(f"Sequential: step {i} is a {type(m).__name__}, not a module "
                                "or a function")
        self.layers = list(modules)

    def forward(self, x: Any) -> Any:
        for layer in self.layers:
            x = layer(x)
        return x

    def __getitem__(self, i: int) -> Any:
        return self.layers[i]

    def __len__(self) -> int:
        return len(self.layers)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.layers)

    def __repr__(self) -> str:
        return nested_repr(self, [(f"({i})", m) for i, m in enumerate(self.layers)])
