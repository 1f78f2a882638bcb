"""One output boundary: every --json command prints exactly one JSON document, also when it fails,
and the same situation has the same exit code in every command."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import respx
from typer.testing import CliRunner

from halosync.cli import app
from halosync.sandbox.config import sandbox_config
from tests.support import write_config

runner = CliRunner()
JSON_COMMANDS = [["run", "--force"], ["check-permissions"], ["audit"], ["history"]]


def one_document(stdout: str) -> dict[str, Any]:
    text = stdout.strip()
    document = json.loads(text)  # exactly one document: json.loads refuses trailing data
    assert isinstance(document, dict)
    return document


@pytest.mark.parametrize("args", JSON_COMMANDS, ids=lambda a: a[0])
def test_a_config_error_is_one_json_error_document_exit_2(tmp_path, args):
    missing = tmp_path / "nope.toml"
    result = runner.invoke(app, [*args, "--json", "--config", str(missing)])
    assert result.exit_code == 2
    document = one_document(result.stdout)
    assert document["error"]["exit_code"] == 2 and str(missing) in document["error"]["message"]
    assert result.stderr.startswith("halosync: error: ")


@pytest.fixture
def unreachable(tmp_path):
    """A config whose services refuse every connection."""
    with respx.mock(assert_all_mocked=True, assert_all_called=False) as router:
        router.route(host="sandbox.test").mock(side_effect=httpx.ConnectError("refused"))
        yield write_config(tmp_path / "config.toml", sandbox_config("https://sandbox.test", str(tmp_path / "r.jsonl")))


@pytest.mark.parametrize("args", [["run", "--force"], ["check-permissions"], ["audit"], ["map", "--show"]],
                         ids=lambda a: a[0])
def test_a_service_that_cannot_be_reached_is_exit_5_in_every_command(unreachable, args, sleeps):
    result = runner.invoke(app, [*args, "--config", str(unreachable)])
    assert result.exit_code == 5, result.output


@pytest.mark.parametrize("args", [["run", "--force"], ["check-permissions"], ["audit"]], ids=lambda a: a[0])
def test_unreachable_in_json_mode_is_one_document_with_the_error(unreachable, args, sleeps):
    result = runner.invoke(app, [*args, "--json", "--config", str(unreachable)])
    assert result.exit_code == 5
    document = one_document(result.stdout)
    assert document["error"]["exit_code"] == 5 and "could not be reached" in json.dumps(document)
