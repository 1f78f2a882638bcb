"""Fuzzy name matching for `map`: normalise names, rank candidates, decide what is unambiguous. Pure."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz

# Words that say what kind of company it is, not which one.
LEGAL_SUFFIXES = frozenset({
    "inc", "incorporated", "llc", "llp", "lp", "ltd", "limited", "pty", "plc", "corp", "corporation", "co",
    "company", "gmbh", "ag", "bv", "nv", "sa", "sarl", "srl", "pc", "pllc", "pa", "the",
})
AMBIGUITY_MARGIN = 5  # a runner-up this close to the best makes a match ambiguous


@dataclass(frozen=True)
class Candidate:
    id: int
    name: str
    score: int  # 0-100


def normalise(name: str) -> str:
    """Lower case, no accents or punctuation, '&' as 'and', no legal suffixes: 'Cedar Law Group, L.L.C.' -> 'cedar law group'."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    text = text.replace("&", " and ").replace("'", "").replace("\u2019", "")
    text = re.sub(r"(?<=\b\w)\.(?=\w\.)", "", text)  # L.L.C. -> LLC
    text = re.sub(r"[^a-z0-9]+", " ", text)
    words = [w for w in text.split() if w not in LEGAL_SUFFIXES]
    return " ".join(words)


def score(a: str, b: str) -> int:
    na, nb = normalise(a), normalise(b)
    if not na or not nb:
        return 0
    return round(fuzz.token_sort_ratio(na, nb))


def rank(name: str, options: Iterable[tuple[int, str]], limit: int = 5) -> list[Candidate]:
    """The best `limit` options for `name`, best first (ties by name, then id)."""
    scored = [Candidate(option_id, option_name, score(name, option_name)) for option_id, option_name in options]
    scored.sort(key=lambda c: (-c.score, c.name.casefold(), c.id))
    return scored[:limit]


def search(query: str, options: Iterable[tuple[int, str]], limit: int = 10) -> list[Candidate]:
    """Options whose name contains the typed text, best match first; if none, the fuzzy best."""
    needle = normalise(query)
    options = list(options)
    containing = [(i, n) for i, n in options if needle and needle in normalise(n)]
    return rank(query, containing or options, limit)


def unambiguous(candidates: list[Candidate], min_score: int) -> Candidate | None:
    """The best candidate if it alone reaches `min_score` and no runner-up comes within the margin."""
    if not candidates or candidates[0].score < min_score:
        return None
    if len(candidates) > 1:
        runner_up = candidates[1].score
        if runner_up >= min_score or runner_up > candidates[0].score - AMBIGUITY_MARGIN:
            return None
    return candidates[0]
