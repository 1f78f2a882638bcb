"""The name matcher on realistic messy names, including near-ties that must not be auto-mapped."""

from __future__ import annotations

import pytest

from halosync.core.matching import normalise, rank, score, search, unambiguous

CLIENTS = [
    (12, "Acme Dental"), (13, "Acme Dental Group"), (14, "Cedar Law Group"), (15, "Delta Logistics"),
    (16, "Evergreen Veterinary Clinic"), (18, "Granite Credit Union"), (19, "Harbour Pediatrics"),
    (20, "Ironwood Manufacturing"), (22, "Kestrel Accounting"), (23, "Kestrel Accounting Services"),
    (24, "St. Mary's Hospital"), (25, "Saint Marys Hospital"), (26, "Müller & Söhne GmbH"),
]


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("Cedar Law Group, L.L.C.", "cedar law group"),
        ("Delta Logistics Inc.", "delta logistics"),
        ("Ironwood Manufacturing Pty Ltd", "ironwood manufacturing"),
        ("Müller & Söhne GmbH", "muller and sohne"),
        ("  The  Foxglove   Architects ", "foxglove architects"),
    ],
)
def test_normalise(raw, normal):
    assert normalise(raw) == normal


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Cedar Law Group LLC", 14),
        ("Delta Logistics Inc.", 15),
        ("Ironwood Manufacturing Pty Ltd", 20),
        ("Harbor Pediatrics", 19),  # spelling
        ("Muller and Sohne", 26),  # accents and '&'
        ("Granite Credit Union", 18),
    ],
)
def test_clear_matches_are_auto_mapped(name, expected):
    choice = unambiguous(rank(name, CLIENTS), 90)
    assert choice is not None and choice.id == expected


@pytest.mark.parametrize(
    "name",
    [
        "Kestrel Accounting Svcs",  # between 'Kestrel Accounting' and 'Kestrel Accounting Services'
        "Evergreen Veterinary",  # a fair candidate, but below 90
        "Bob's Bakery",  # nothing like it
        "St Marys Hospital",  # two clients, nearly the same name
    ],
)
def test_near_ties_and_weak_matches_are_left_alone(name):
    assert unambiguous(rank(name, CLIENTS), 90) is None


def test_exact_name_beats_a_longer_one():
    best, second = rank("Acme Dental", CLIENTS)[:2]
    assert (best.id, best.score) == (12, 100) and second.id == 13 and second.score < 90
    only = unambiguous(rank("Acme Dental", CLIENTS), 90)
    assert only is not None and only.id == 12


def test_min_score_is_respected():
    candidates = rank("Evergreen Veterinary", CLIENTS)
    assert candidates[0].id == 16
    assert unambiguous(candidates, 80) is not None and unambiguous(candidates, 90) is None


def test_search_by_typed_text():
    assert [c.id for c in search("kestrel", CLIENTS)] == [22, 23]
    # nothing contains it: the fuzzy best instead, here all scoring 0 and so by name
    fallback = search("zzz", CLIENTS, limit=3)
    assert [(c.id, c.score) for c in fallback] == [(12, 0), (13, 0), (14, 0)]


def test_score_of_empty_names():
    assert score("", "Acme") == 0 and score("Inc.", "LLC") == 0
