"""Module at its edges: names that collide in a state dict, modules that contain themselves."""

from __future__ import annotations

import numpy as np
import pytest

import tinygrad_edu as tg
from tinygrad_edu import nn


class Clash(nn.Module):
    def __init__(self) -> None:
        self.layers = [tg.Tensor([1.0], requires_grad=True)]
        setattr(self, "layers.0", tg.Tensor([2.0], requires_grad=True))  # the same name


class DictClash(nn.Module):
    def __init__(self) -> None:
        self.head = nn.Linear(1, 1, rng=0)
        self.extra = {"weight": tg.Tensor([0.0])}
        self.heads = {"a.b": tg.Tensor([1.0]), "a": {"b": tg.Tensor([2.0])}}


def test_a_list_element_and_an_attribute_with_the_same_name_is_a_value_error(tmp_path):
    message = (r"Clash.state_dict: two different tensors get the name 'layers.0': "
               r"self.layers\[0\] and getattr\(self, 'layers.0'\); rename one of them")
    net = Clash()
    for action in (net.state_dict, lambda: net.save(tmp_path / "m.npz"),
                   lambda: net.load_state_dict({"layers.0": np.ones(1)}),
                   lambda: net.load(tmp_path / "m.npz")):
        with pytest.raises(ValueError, match=message):
            action()
    assert not (tmp_path / "m.npz").exists()


def test_dict_keys_with_dots_collide_too():
    with pytest.raises(ValueError, match=r"'heads.a.b': self.heads\['a.b'\] and "
                       r"self.heads\['a'\]\['b'\]"):
        DictClash().state_dict()


def test_shared_tensors_are_not_a_collision():
    layer = nn.Linear(2, 2, rng=0)
    net = nn.Sequential(layer, layer)  # the same tensors reachable under two names: kept once
    assert list(net.state_dict()) == ["layers.0.weight", "layers.0.bias"]


def test_repr_of_a_module_that_contains_itself_shows_the_cycle():
    class Loop(nn.Module):
        def __init__(self) -> None:
            self.inner = nn.Linear(1, 1)
            self.me = self

    assert repr(Loop()) == ("Loop(\n  inner: Linear(1 -> 1, activation='identity')\n"
                            "  me: <cycle: the enclosing Loop again>\n)")
    seq = nn.Sequential(nn.Linear(1, 1))
    outer = nn.Sequential(seq)
    seq.layers.append(outer)  # a longer cycle: outer -> seq -> outer
    assert repr(outer) == ("Sequential(\n  (0): Sequential(\n"
                           "    (0): Linear(1 -> 1, activation='identity')\n"
                           "    (1): <cycle: the enclosing Sequential again>\n  )\n)")
    first = repr(outer)
    assert repr(outer) == first  # nothing left half-open by the first call
