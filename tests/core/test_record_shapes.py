"""The log reader's record shapes (core/record_shapes.py) are the models' (core/models.py): written once, held here."""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any, Literal, get_args, get_origin

import pytest

from halosync.core import models
from halosync.core.record_shapes import COUNTS, SHAPES, WORDS, well_formed

MODELS: dict[str, Any] = {"run": models.RunRecord, "row": models.Row, "unmapped": models.Unmapped,
                          "invoice_fix": models.InvoiceFix, "decision": models.Decision}


def plain_types(annotation: Any) -> set[type]:
    """The Python types a JSON value of this annotation has: Literal of words is str, X | None adds NoneType."""
    origin = get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return set().union(*(plain_types(a) for a in get_args(annotation)))
    if origin is Literal:
        return {type(a) for a in get_args(annotation)}
    if annotation is type(None):
        return {type(None)}
    return {origin or annotation}


def hints(kind: str) -> dict[str, Any]:
    return typing.get_type_hints(MODELS[kind], include_extras=False)


def test_every_kind_the_reader_checks_is_a_model_and_every_model_is_checked():
    assert set(SHAPES) == set(MODELS)
    assert all(hints(kind)["type"] == Literal[kind] for kind in MODELS)


@pytest.mark.parametrize("kind", sorted(SHAPES))
def test_each_key_and_type_is_the_models(kind):
    fields = hints(kind)
    for key, allowed in SHAPES[kind].items():
        assert key in fields, f"{kind}.{key} is not a field of {MODELS[kind].__name__}"
        assert set(allowed) == plain_types(fields[key]), f"{kind}.{key}"


@pytest.mark.parametrize("kind", sorted(WORDS))
def test_each_word_list_is_the_models_literal(kind):
    fields = hints(kind)
    for key, words in WORDS[kind].items():
        assert words == set(get_args(fields[key])), f"{kind}.{key}"


def test_counted_fields_are_the_models_dicts_of_int():
    for kind, keys in COUNTS.items():
        for key in keys:
            assert hints(kind)[key] == dict[str, int]


def test_what_a_model_writes_the_reader_takes():
    row = models.Row(run_id="r", time="2026-11-30T02:00:00Z", halo_client_id=1, huntress_organization_ids=[2], product="edr",
                     halo_item_id=3, licence_id=None, previous_count=None, count=4, action="create", status="ok")
    assert well_formed(row.dump())
    assert not well_formed({**row.dump(), "status": "maybe"}) and not well_formed({**row.dump(), "count": "4"})
    assert [f.name for f in dataclasses.fields(models.Row)]  # the models are dataclasses: hints read their fields
