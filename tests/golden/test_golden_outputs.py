"""Refactoring keeps behaviour: the rule pipelines give the reference outputs on fixed letters.

A field present in the reference must come out the same; fields added since (new record keys) are
allowed, so additive features do not rewrite the reference, while any changed value fails.
"""

from __future__ import annotations

import json
from typing import Any

from golden_outputs import GOLDEN, outputs


def _differences(expected: Any, actual: Any, where: str) -> list[str]:
    if isinstance(expected, dict) and isinstance(actual, dict):
        out: list[str] = []
        for key, value in expected.items():
            if key not in actual:
                out.append(f"{where}.{key}: missing")
            else:
                out += _differences(value, actual[key], f"{where}.{key}")
        return out
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            return [f"{where}: {len(expected)} entries expected, {len(actual)} found: {actual!r:.300}"]
        return [d for i, (e, a) in enumerate(zip(expected, actual, strict=True))
                for d in _differences(e, a, f"{where}[{i}]")]
    return [] if expected == actual else [f"{where}: expected {expected!r:.200}, got {actual!r:.200}"]


def test_rule_pipelines_reproduce_the_reference_outputs() -> None:
    expected = [json.loads(line) for line in GOLDEN.read_text(encoding="utf-8").splitlines()]
    actual = list(outputs())
    assert [e["letter"] for e in expected] == [a["letter"] for a in actual]
    problems = [d for e, a in zip(expected, actual, strict=True) for d in _differences(e, a, e["letter"])]
    assert not problems, f"{len(problems)} differences, first ones:\n" + "\n".join(problems[:15])
