"""The command line: ``tinygrad-edu COMMAND`` (also ``python -m tinygrad_edu COMMAND``).

    tinygrad-edu demo                                # biopsy: breast-cancer data, 30 features
    tinygrad-edu demo --dataset and --epochs 300     # the AND gate (or, xor too)
    tinygrad-edu demo --plot loss.png                # also save the loss and accuracy curves

Each command is one ``add_<command>(commands)`` function that declares its options and sets
``run``, the function called with the parsed arguments; ``main`` handles what every command
shares: Ctrl-C (exit status 130) and a closed output pipe (``| head``: exit quietly, 141).
The argparse types, ``script_parser`` and ``StopIfDiverged`` serve the examples too, so their
options mean the same everywhere.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from . import __version__
from .arguments import real_number, whole_number
from .demo import DEFAULTS, check_writable, picture_path, plot_formats, run_demo
from .explore import explore_demo
from .train import diverged

__all__ = ["StopIfDiverged", "build_parser", "main", "output_directory", "positive_number",
           "run_demo", "script_parser", "whole_number_type"]

EXIT_INTERRUPTED = 130  # 128 + SIGINT, what a shell reports for a program stopped by Ctrl-C
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, what `yes | head -1` reports for `yes`


# ----- argparse types: a value, or a message saying what is wrong -----

def whole_number_type(minimum: int) -> Callable[[str], int]:
    """An argparse type: an int of at least ``minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        try:
            return whole_number(value, "the value", "", minimum=minimum)
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}") from None

    return parse


def positive_number(text: str) -> float:
    """An argparse type: a finite number > 0 (a learning rate, say)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    try:
        return real_number(value, "the value", "", low=0.0, low_inclusive=False)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}") from None


def output_directory(text: str) -> Path:
    """An argparse type: a folder to write into (made when missing), not an existing file."""
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is a file, not a folder")
    return path


def script_parser(doc: str, out: Path, *, epochs: int | None = None, lr: float | None = None,
                  seed: int | None = None) -> argparse.ArgumentParser:
    """The options the example scripts share, each checked the same way: ``--epochs`` (>= 1),
    ``--lr`` (> 0), ``--seed`` (>= 0), each only when given a default, and ``--out DIR``."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    if epochs is not None:
        parser.add_argument("--epochs", type=whole_number_type(1), default=epochs,
                            help="passes over the training data (default %(default)s)")
    if lr is not None:
        parser.add_argument("--lr", type=positive_number, default=lr,
                            help="learning rate (default %(default)s)")
    if seed is not None:
        parser.add_argument("--seed", type=whole_number_type(0), default=seed,
                            help="seed of the data, the weights and the shuffling "
                            "(default %(default)s)")
    parser.add_argument("--out", type=output_directory, default=out,
                        help="folder for the pictures (default: examples/out)")
    return parser


class StopIfDiverged:
    """For a training script: ``stop_if_diverged(loss)`` at each step exits, saying to lower
    ``--lr``, when the loss runs away (NaN, infinite, or a million times the first one: see
    ``tinygrad_edu.train.diverged``), before a picture of nonsense is drawn."""

    def __init__(self) -> None:
        self.first: float | None = None
        self.step = 0

    def __call__(self, loss: float) -> None:
        self.first = loss if self.first is None else self.first
        if diverged(loss, self.first):
            raise SystemExit(f"diverged: lower the learning rate (--lr); the loss reached "
                             f"{loss:.3g} at step {self.step} (first: {self.first:.3g})")
        self.step += 1


# ----- the commands -----

def add_demo(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = commands.add_parser(
        "demo", help="train one neuron on a built-in dataset and print loss and accuracy",
        description="Train one sigmoid neuron y = σ(w·x + b) with binary cross-entropy by "
        "gradient descent, and print its loss and accuracy.")
    demo.add_argument("--dataset", type=str.lower, choices=sorted(DEFAULTS), default="biopsy",
                      help="biopsy: breast-cancer biopsies, 30 features, 80/20 split "
                      "(default); and / or / xor: the logic gates (any case)")
    demo.add_argument("--epochs", type=whole_number_type(1), help="passes over the training "
                      "data (default: 100 for biopsy, 1000 for the gates)")
    demo.add_argument("--lr", type=positive_number,
                      help="learning rate (default: 0.1 for biopsy, 1.0 for the gates)")
    demo.add_argument("--seed", type=whole_number_type(0), default=0,
                      help="seed of the split, the initial weights and the shuffling (default 0)")
    demo.add_argument("--plot", metavar="PATH",
                      help="save the loss and accuracy after each epoch, on the training "
                      "and the test set, to this picture (needs matplotlib; the format from "
                      "the suffix, .png when there is none)")
    demo.set_defaults(run=_run_demo)


def _run_demo(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    plot = None
    if args.plot is not None:  # every check of --plot comes before the training
        try:
            formats = plot_formats()
        except ImportError:
            parser.exit(1, "tinygrad-edu demo: --plot needs matplotlib: pip install "
                        "'tinygrad_edu[examples]' (or pip install matplotlib)\n")
        plot, problem = picture_path(args.plot, formats)
        if plot is None:
            parser.error(f"argument --plot: {problem}")
        problem = check_writable(plot)
        if problem:
            parser.exit(1, f"tinygrad-edu demo: --plot: {problem}\n")
    run_demo(args.dataset, args.epochs, args.lr, args.seed, plot)
    return 0


def add_explore(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    explore = commands.add_parser(
        "explore", help="write the demo neuron's backprop explorer (an HTML page); print its path")
    explore.add_argument("-o", "--output", type=Path, default=Path("tinygrad_edu_explorer.html"),
                         help="where to write the page (default: tinygrad_edu_explorer.html)")
    explore.set_defaults(run=_run_explore)


def _run_explore(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    print(explore_demo(args.output).resolve())
    return 0


COMMANDS = (add_demo, add_explore)  # a new command: write add_<name>(commands), list it here


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tinygrad-edu",
        description="tinygrad_edu: a small autograd framework on numpy, written to be read.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for add in COMMANDS:
        add(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``tinygrad-edu``; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "run", None) is None:
        parser.print_help()
        return 2
    try:
        status: int = args.run(args, parser)
        sys.stdout.flush()  # a closed pipe shows here, not as a message at interpreter exit
        return status
    except KeyboardInterrupt:
        print("tinygrad-edu: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # the reader is gone (`| head`): nothing more can be shown. Point stdout at devnull so
        # that Python's own flush at exit does not fail again with a traceback.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
