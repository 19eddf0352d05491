"""Benchmarks: tinygrad_edu against the same computation written by hand in numpy.

Run ``python -m benchmarks`` (or ``python benchmarks/run.py``) from the repository root;
``--quick`` for a few-second smoke run, ``--markdown PATH`` to write the table to a file.
See BENCHMARKS.md for the last full run and how to read it.
"""
