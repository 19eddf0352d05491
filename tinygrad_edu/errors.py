"""The project's own exception types."""


class ShapeError(ValueError):
    """Raised for every shape mismatch: the message names the operation and the shapes.

    It subclasses ``ValueError`` so code that already catches ``ValueError`` keeps working.

    >>> import tinygrad_edu as tg
    >>> try:
    ...     tg.ones(32, 4) @ tg.ones(3, 1)
    ... except tg.ShapeError as e:
    ...     print(e)
    matmul: (32, 4) @ (3, 1): inner dimensions differ (4 != 3); the last axis ...
    (transpose one operand with .T?)
    """
