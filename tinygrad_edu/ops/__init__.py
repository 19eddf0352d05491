"""The primitive operations: one class per op, its forward and its vjp side by side.

Ops see only numpy arrays (never ``Tensor``), so each can be read and tested on its own.
"""
