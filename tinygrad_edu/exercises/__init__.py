"""Checks for the exercises of docs/tutorial/09_exercises.md.

Each ``check_*`` function takes your code (a class, a function or your numbers), runs it on
fixed inputs and says, in words, what is right and what is wrong:

>>> import numpy as np
>>> import tinygrad_edu as tg
>>> class Softsign(tg.Function):
...     def forward(self, x):
...         self.x = x
...         return x / (1 + np.abs(x))
...     def vjp(self, g):
...         return (-g / (1 + np.abs(self.x)) ** 2,)        # a sign error
>>> print(tg.exercises.check_softsign(Softsign))
softsign: not yet
  ✓ forward computes x / (1 + |x|)
  ✗ the gradient has the wrong sign everywhere (check the sign of each factor)

The result is truthy when everything is right. Nothing is random: a check gives the same
verdict every time. Worked solutions: docs/tutorial/09_solutions.md.
"""

from .by_hand import (
    check_gradient_shapes,
    check_linear_backward,
    check_mse_sigmoid,
    check_perceptron_and,
)
from .debugging import Bump, Softplus, check_locate, check_property, mystery_loss
from .feedback import Feedback
from .vjps import check_huber, check_softsign, check_swish

__all__ = ["Bump", "Feedback", "Softplus", "check_gradient_shapes", "check_huber",
           "check_linear_backward", "check_locate", "check_mse_sigmoid", "check_perceptron_and",
           "check_property", "check_softsign", "check_swish", "mystery_loss"]
