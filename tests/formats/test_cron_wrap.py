"""Prose on an 80-column page without a terminal (cron mail): wrapped between words, nothing dropped."""

from __future__ import annotations

from halosync.formats import console

LONG = ("Not due: the last sync followed Huntress invoice 8002 of 2026-11-01 (Huntress Reseller, 960 units), "
        "still Huntress's newest; the next sync runs once Huntress issues a newer invoice. Use --force to sync now.")


def test_warnings_errors_and_prose_wrap_at_80_without_a_terminal(monkeypatch, capsys):
    monkeypatch.delenv("COLUMNS", raising=False)
    console.warn("warning: " + LONG)
    console.error(LONG + "\n  - a second line kept as its own line")
    console.say_wrapped(LONG)
    captured = capsys.readouterr()
    for text, expected in ((captured.err, "warning: " + LONG + " halosync: error: " + LONG), (captured.out, LONG)):
        assert all(len(line) <= 80 for line in text.splitlines()), text
        assert " ".join(text.split()).startswith(expected)  # every word, in order
    assert "\n  - a second line kept as its own line\n" in captured.err


def test_json_is_never_wrapped(monkeypatch, capsys):
    monkeypatch.delenv("COLUMNS", raising=False)
    document = '{"message": "' + LONG + '"}'
    console.say(document)
    assert capsys.readouterr().out == document + "\n"

