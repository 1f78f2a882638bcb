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


def test_map_auto_labels_the_state_before_and_prints_the_state_after(sandbox_mock, tmp_path):
    import tomllib

    from typer.testing import CliRunner

    from halosync.cli import app
    from halosync.sandbox.config import sandbox_config
    from tests.support import SANDBOX_HOST

    data = sandbox_config(SANDBOX_HOST, str(tmp_path / "r.jsonl"))
    del data["products"], data["organizations"]
    path = tmp_path / "config.toml"
    path.write_text(__import__("tomli_w").dumps(data))
    path.chmod(0o600)
    result = CliRunner().invoke(app, ["map", "--auto", "--config", str(path)])
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    assert "Before --auto: mapped: 0 organizations · unmapped: 12" in text
    saved = tomllib.loads(path.read_text())
    after = (f"After --auto: mapped: {len(saved['organizations'])} organizations · "
             f"unmapped: {12 - len(saved['organizations'])} ·")
    assert after in text and text.index("Before --auto") < text.index("After --auto")
