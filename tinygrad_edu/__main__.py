"""``python -m tinygrad_edu demo``: the same as the ``tinygrad-edu`` command (see cli.py)."""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; imported lazily so ``import tinygrad_edu`` stays light."""
    from .cli import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":
    sys.exit(main())
