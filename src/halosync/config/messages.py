"""A config validation error in the user's words: one line per key, `[section] key: what is wrong`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from halosync.core.products import PRODUCTS


def describe(path: Path, exc: ValidationError, text: str = "") -> str:
    """One line per distinct key, e.g. `[sync] day_of_month: must be 1-28 or "last"`. With the file's
    `text`, an unknown key also gets the line it is on."""
    lines: list[str] = []
    seen: set[str] = set()
    for error in exc.errors(include_url=False, include_input=False):
        key = _key_name(error["loc"])
        if key in seen:
            continue  # a union reports one error per branch; the first says enough
        seen.add(key)
        message = _unknown_key(error["loc"], text) if error["type"] == "extra_forbidden" else _message(error)
        lines.append(f"{key}: {message}")
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


def _unknown_key(loc: tuple[Any, ...], text: str) -> str:
    """An unknown key: the line it is on, and the key probably meant ("did you mean base_url?")."""
    import difflib
    import re

    name = str(loc[-1])
    known = _known_keys(loc[:-1])
    meant = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    line = next((n for n, row in enumerate(text.splitlines(), start=1)
                 if re.match(rf"\s*(\[+\s*)?[\"']?{re.escape(name)}[\"']?\s*(=|\]|\.)", row)), None)
    where = f" (line {line})" if line else ""
    if meant:
        return f"unknown key{where}; did you mean {meant[0]}?"
    listed = f"; the keys here are {', '.join(known)}" if known else ""
    return f"unknown key{where}{listed}"


def _known_keys(loc: tuple[Any, ...]) -> list[str]:
    """The keys allowed at `loc` (the table's path), as the schema defines them, secrets' *_file included."""
    import types
    import typing

    from pydantic import BaseModel

    from halosync.config.schema import Config

    model: Any = Config
    for part in loc:
        if isinstance(part, int):
            continue  # an entry of an array of tables
        field = model.model_fields.get(part) if isinstance(model, type) and issubclass(model, BaseModel) else None
        if field is None:
            return []
        candidates = [field.annotation, *typing.get_args(field.annotation)]
        candidates += [a for c in candidates if isinstance(c, types.GenericAlias) for a in typing.get_args(c)]
        model = next((c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None)
        if model is None:
            return []
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        return []
    keys = list(model.model_fields)
    keys += [f"{k}_file" for k in keys if k in ("api_key", "api_secret", "client_id", "client_secret")]
    return keys


def _message(error: ErrorDetails) -> str:
    kind = error["type"]
    if kind == "literal_error" and (error["loc"][0] == "products" or "minimum" in error["loc"]):
        return f"unknown product; the products are {', '.join(PRODUCTS)}"
    if kind == "extra_forbidden":
        return "unknown key (check its spelling; `halosync init` writes a starter config that names the common keys)"
    if kind == "missing":
        return "is required"
    return str(error["msg"]).removeprefix("Value error, ").replace("Input should be", "should be")


