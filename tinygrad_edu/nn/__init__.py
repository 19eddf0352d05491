"""Networks: ``Module`` (parameters, state dicts, checkpoints), ``Neuron``, ``Linear``,
``Sequential`` and the ``Perceptron``.

>>> import numpy as np
>>> import tinygrad_edu as tg
>>> layer = tg.nn.Linear(3, 2, "sigmoid", rng=0)    # y = σ(x @ Wᵀ + b)
>>> [name for name, p in layer.named_parameters()], layer.weight.shape
(['weight', 'bias'], (2, 3))
>>> layer(np.ones((4, 3))).shape
(4, 2)
"""

from .layers import ACTIVATIONS, Linear, Neuron, Sequential, get_activation
from .module import Module
from .perceptron import Perceptron, PerceptronResult

__all__ = [
    "ACTIVATIONS", "Linear", "Module", "Neuron", "Perceptron", "PerceptronResult", "Sequential",
    "get_activation",
]
