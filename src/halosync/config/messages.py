"""A config validation error in the user's words: one line per key, `[section] key: what is wrong`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from halosync.core.products import PRODUCTS


def describe(path: Path, exc: ValidationError) -> str:
    """One line per distinct key, e.g. `[sync] day_of_month: must be 1-28 or "last"`."""
    lines: list[str] = []
    seen: set[str] = set()
    for error in exc.errors(include_url=False, include_input=False):
        key = _key_name(error["loc"])
        if key in seen:
            continue  # a union reports one error per branch; the first says enough
        seen.add(key)
        lines.append(f"{key}: {_message(error)}")
    header = f"config file {path} is invalid:" if len(lines) > 1 else f"config file {path}:"
    if len(lines) == 1:
        return f"{header} {lines[0]}"
    return header + "".join(f"\n  {line}" for line in lines)


_UNION_TAGS = {"int", "str", "bool", "float"}


def _key_name(loc: tuple[Any, ...]) -> str:
    # Drop union branch labels such as 'int' or "literal['last']" that pydantic appends.
    parts = [p for p in loc if not (isinstance(p, str) and (p in _UNION_TAGS or "[" in p))]
    if not parts:
        return "(top level)"
    section, rest = parts[0], parts[1:]
    if rest and isinstance(rest[0], int):  # an array of tables: [[organizations]], [[clients]]
        name = f"[[{section}]] #{rest[0] + 1}"
        rest = rest[1:]
    else:
        name = f"[{section}]" if rest else str(section)
    return " ".join([name, *map(str, rest)]) if rest else name


def _message(error: ErrorDetails) -> str:
    kind = error["type"]
    if kind == "literal_error" and (error["loc"][0] == "products" or "minimum" in error["loc"]):
        return f"unknown product; the products are {', '.join(PRODUCTS)}"
    if kind == "extra_forbidden":
        return "unknown key (check its spelling; `halosync init` writes a starter config that names the common keys)"
    if kind == "missing":
        return "is required"
    return str(error["msg"]).removeprefix("Value error, ").replace("Input should be", "should be")


