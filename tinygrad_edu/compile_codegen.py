"""Writing a recorded step out as straight-line Python: the training step, as one would write it
by hand from the derivation.

    def step(x, t):
        w, b = param_w._data, param_b._data    # the parameters' values now
        v1 = matmul1.forward(x, w)             # each op's own forward, in order
        ...
        g4 = ONE                               # dL/dL = 1
        g3, _ = mse4.vjp(g4)                   # each op's own vjp, from the loss back
        ...
        accumulate_grad(param_w, g_w)          # w.grad += dL/dw
        return v4

The names in it are the recorded objects themselves: ``matmul1`` is the very ``MatMul``
instance the recording made, ``param_w`` the parameter tensor, ``c1`` a constant's array. The
backward lines follow the engine's own order (the vjps in the order the eager backward ran
them, each gradient summed back to its input's shape with ``unbroadcast``, a tensor used twice
getting the sum of its shares in the same order), so a replay computes the same bits as eager.
"""

from __future__ import annotations

import keyword
import linecache
import math
import re
import weakref
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

import numpy as np

from .arrays import to_array
from .broadcasting import summed_axes, unbroadcast
from .compile_record import Trace
from .engine import accumulate_grad
from .function import rule_of
from .tensor import Tensor

_HELPERS = {"unbroadcast": unbroadcast, "accumulate_grad": accumulate_grad,
            "as_array": partial(to_array, copy=False)}
_COMMENT_AT = 46  # the column where comments start


class _Names:
    """Unique Python names, made from the tensors' own names where they have one."""

    def __init__(self) -> None:
        self.taken = {*_HELPERS, "ONE", "_"}

    def fresh(self, base: str) -> str:
        base = re.sub(r"\W", "_", base) or "v"
        if base[0].isdigit():
            base = "_" + base
        name, k = base, 2
        while name in self.taken or keyword.iskeyword(name):
            name, k = f"{base}_{k}", k + 1
        self.taken.add(name)
        return name


def _literal(value: Any) -> str | None:
    """``repr(value)`` if it reads back as the same value (a number, a tuple of them, ...)."""
    if value is None or type(value) in (bool, int, str):
        return repr(value)
    if type(value) is float and math.isfinite(value):
        return repr(value)
    if type(value) is tuple:
        parts = [p for p in map(_literal, value) if p is not None]
        if len(parts) == len(value):  # every item reads back
            return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"
    return None


def _line(code: str, comment: str = "") -> str:
    return f"    {code:<{_COMMENT_AT - 4}}  # {comment}" if comment else f"    {code}"


class _Writer:
    """Writes the source line by line, naming each array once."""

    def __init__(self, t: Trace) -> None:
        self.t, self.names = t, _Names()
        self.lines: list[str] = []
        self.space: dict[str, Any] = dict(_HELPERS)  # what the source's names refer to
        self.value: dict[int, str] = {}  # id(tensor) -> the name of its array
        self.grad: dict[int, str] = {}  # id(tensor) -> the name of dL/d(its array)
        self.obj: dict[int, str] = {}  # id(tensor) -> the name of its op, or of the parameter
        self.constants: list[str] = []
        self.shares = 0  # how many shares were added to a gradient so far

    def line(self, code: str, comment: str = "") -> None:
        self.lines.append(_line(code, comment))

    def bind(self, base: str, obj: Any) -> str:
        name = self.names.fresh(base)
        self.space[name] = obj
        return name

    def source(self, function_name: str) -> str:
        t = self.t
        for x, n in zip(t.inputs, t.input_names, strict=True):
            self.value[id(x)] = self.names.fresh(n)
        self.lines.append(f"def {function_name}({', '.join(self.value[id(x)] for x in t.inputs)}):")
        for p in t.params:
            self.value[id(p)] = self.names.fresh(p.name or "p")
            self.obj[id(p)] = self.bind(f"param_{self.value[id(p)]}", p)
        if t.params:
            self.line(", ".join(self.value[id(p)] for p in t.params) + " = "
                      + ", ".join(f"{self.obj[id(p)]}._data" for p in t.params),
                      "the parameters' values now")
        for c in t.constants:
            self.value[id(c)] = self.bind(c.name or f"c{len(self.constants) + 1}", c._data)
            self.constants.append(self.value[id(c)])
        self.forward()
        self.backward()
        outs = [self.value[id(o)] for o in t.outputs]
        self.line("return " + ", ".join(outs))
        return "\n".join(self.lines) + "\n"

    def forward(self) -> None:
        self.lines.append(
            "    # forward: each op's own forward, in order; it keeps what its vjp needs")
        for k, node in enumerate(self.t.ops, start=1):
            fn = node._fn
            assert fn is not None
            self.obj[id(node)] = op = self.bind(f"{fn.name}{k}", fn)
            self.value[id(node)] = self.names.fresh(f"v{k}")
            args = [self.value[id(p)] for p in node._parents]
            for key, v in fn.params.items():
                # a number or a tuple is written out; anything else (an index array) by name
                args.append(f"{key}={_literal(v) or self.bind(f'{op}_{key}', v)}")
            call = f"{op}.forward({', '.join(args)})"
            if id(node) in self.t.converted:
                call = f"as_array({call})"
            shapes = ", ".join(str(p.shape) for p in node._parents)
            self.line(f"{self.value[id(node)]} = {call}", f"{shapes} -> {node.shape}")

    def grad_name(self, x: Tensor) -> str:
        v = self.value[id(x)]
        return self.names.fresh("g" + v[1:] if re.fullmatch(r"v\d+", v) else f"g_{v}")

    def backward(self) -> None:
        loss = self.t.outputs[0]
        seed = np.ones(loss.shape, loss.dtype)
        seed.flags.writeable = False  # shared by every call: no op may change it
        self.space["ONE"] = seed
        self.grad[id(loss)] = self.grad_name(loss)
        self.lines.append("    # backward: each op's vjp, from the loss back to the parameters")
        self.line(f"{self.grad[id(loss)]} = ONE", "dL/dL = 1")
        for node, shapes in self.t.backward:
            self.vjp(node, shapes)
        self.lines.append("    # the parameters' gradients, added into their .grad")
        for p in self.t.params:
            if id(p) in self.grad:
                v = self.value[id(p)]
                self.line(f"accumulate_grad({self.obj[id(p)]}, {self.grad[id(p)]})",
                          f"{v}.grad += dL/d{v}")

    def vjp(self, node: Tensor, shapes: tuple[tuple[int, ...] | None, ...]) -> None:
        """One vjp line, then (as the engine does) each share summed back to its input's
        shape and added to what that input already got."""
        fn = node._fn
        assert fn is not None
        targets: list[str] = []
        after: list[str] = []
        for x, needs, shape in zip(node._parents, fn.needs_input_grad, shapes, strict=True):
            if not needs or shape is None:  # the vjp returns None there
                targets.append("_")
                continue
            first = id(x) not in self.grad
            if first:
                self.grad[id(x)] = self.grad_name(x)
            if not first:
                self.shares += 1
            share = self.grad[id(x)] if first else self.names.fresh(f"s{self.shares}")
            targets.append(share)
            if shape != x.shape:
                after.append(_line(f"{share} = unbroadcast({share}, {x.shape})",
                                   f"summed over axes {summed_axes(shape, x.shape)}"))
            if not first:
                g = self.grad[id(x)]
                after.append(_line(f"{g} = {g} + {share}",
                                   f"{self.value[id(x)]} is used again: its shares add up"))
        unpack = ", ".join(targets) if len(targets) > 1 else f"({targets[0]},)"
        words = rule_of(type(fn))  # the rule written for this vjp (not an inherited one)
        rule = f"{fn.name}: {words}" if words else fn.name
        self.line(f"{unpack} = {self.obj[id(node)]}.vjp({self.grad[id(node)]})", rule)
        self.lines.extend(after)


def guard(t: Trace, key: Sequence[tuple[tuple[int, ...], np.dtype[Any]]]
          ) -> Callable[..., bool]:
    """``fits(*arrays)``: are the arguments of the recorded shapes and dtypes, the parameters
    too (still requiring grad, without hooks), the constant tensors unchanged? Written as
    one boolean expression because it runs before every replay (~5,000 instructions less
    than loops over the same facts: W5 in BENCHMARKS.md)."""
    space: dict[str, Any] = {}

    def dtype(d: np.dtype[Any]) -> str:  # by identity: a dtype equal but not identical fails
        name = str(d.name)               # here, and the caller then checks with ==
        space[name] = d
        return name

    facts = [f"len(a) == {len(key)}"]
    facts += [f"a[{i}].shape == {shape!r} and a[{i}].dtype is {dtype(d)}"
              for i, (shape, d) in enumerate(key)]
    for i, p in enumerate(t.params):
        space[f"p{i}"] = p
        facts.append(f"p{i}._data.shape == {p.shape!r} and p{i}._data.dtype is "
                     f"{dtype(p.dtype)} and p{i}.requires_grad and not p{i}._hooks")
    for i, c in enumerate(t.constants):
        space[f"c{i}"] = c
        facts.append(f"c{i}._version == {c._version} and not c{i}.requires_grad")
    source = "def fits(*a):\n    return " + " and ".join(facts) + "\n"
    exec(compile(source, "<tg.compile: fits>", "exec"), space)
    fits: Callable[..., bool] = space["fits"]
    return fits


def build(t: Trace, function_name: str
          ) -> tuple[Callable[..., Any], str, dict[str, np.ndarray]]:
    """The replay function, its source, and the constants it reads, by name."""
    writer = _Writer(t)
    source, space = writer.source(function_name), writer.space
    constants = {name: space[name] for name in writer.constants}
    filename = f"<tg.compile: {t.name} #{next(_numbers)}>"
    # exec runs source written here from the recorded graph, never a string a user gave
    exec(compile(source, filename, "exec"), space)
    function = space.pop(function_name)
    # tracebacks and inspect.getsource show the generated lines; forgotten with the function
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    weakref.finalize(function, linecache.cache.pop, filename, None)
    return function, source, constants


_numbers = iter(range(1, 1 << 62))
