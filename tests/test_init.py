"""The package's namespace (__init__.py): ``dir(tg)`` and tab completion show exactly the
public names, lazy ones included, before and after they are loaded; every name in
``__all__`` resolves."""

from __future__ import annotations

import subprocess
import sys

import tinygrad_edu as tg

HELPERS = {"Any", "TYPE_CHECKING", "annotations", "importlib"}


def public(names):
    return sorted(n for n in names if not n.startswith("_"))


def test_dir_lists_exactly_all():
    assert public(dir(tg)) == sorted(tg.__all__)
    assert not HELPERS & set(dir(tg))
    assert len(set(tg.__all__)) == len(tg.__all__)


def test_lazy_names_are_listed_and_every_name_resolves():
    for name in ("nn", "optim", "fit", "viz", "plot", "datasets", "Recorder", "trace_backward",
                 "compile", "testing", "exercises"):
        assert name in tg.__all__ and name in dir(tg)
    for name in tg.__all__:
        assert getattr(tg, name) is not None
    # loading them put modules (tg.engine, tg.train, ...) among the globals: still not listed
    assert public(dir(tg)) == sorted(tg.__all__)


def test_a_fresh_interpreter_shows_only_public_names():
    # before anything is loaded lazily, as a user's first `tg.<TAB>` sees it
    code = ("import tinygrad_edu as tg; "
            "print(sorted(n for n in dir(tg) if not n.startswith('_')) == sorted(tg.__all__), "
            "'nn' in dir(tg), 'Any' in dir(tg))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["True", "True", "False"]


def test_the_new_functions_are_public():
    for name in ("stack", "cat", "concatenate", "where", "maximum", "minimum", "clip", "tile",
                 "arange", "linspace", "eye", "zeros_like", "ones_like", "full"):
        assert name in tg.__all__ and callable(getattr(tg, name))
