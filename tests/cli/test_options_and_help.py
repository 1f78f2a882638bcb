"""The newcomer's first hour at the command line: --config where it makes no sense, the default path in --help,
--set-count's product, and the demo's next step."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from halosync.cli import app
from halosync.config.paths import default_config_path
from halosync.sandbox import Sandbox
from halosync.sandbox.control import control
from halosync.sandbox.wire import Request

runner = CliRunner()


def flat(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("command", ["demo", "sandbox"])
@pytest.mark.parametrize("where", ["after", "before"])
def test_demo_and_sandbox_say_they_make_their_own_config(command, where):
    args = [command, "--config", "x.toml"] if where == "after" else ["--config", "x.toml", command]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "No such option" not in result.output
    assert f"{command} takes no --config: it makes its own config" in result.stderr


@pytest.mark.parametrize("args", [["run", "--help"], ["history", "--help"], ["--help"]])
def test_help_names_the_actual_default_config_path(args):
    result = runner.invoke(app, args)
    assert result.exit_code == 0
    assert str(default_config_path()) in "".join(result.stdout.split())  # wrapped anywhere, even at a hyphen
    assert "the platform's config dir" not in result.stdout


def test_the_cli_import_still_leaves_platformdirs_for_later():
    code = "import sys, halosync.cli; print('platformdirs' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "False"


@pytest.mark.parametrize("product", ["edr_servers", "edr_workstations", "nope", "EDR"])
def test_set_count_blames_the_product_not_the_format(product):
    result = runner.invoke(app, ["sandbox", "--port", "1", "--set-count", f"104:{product}=1"])
    assert result.exit_code == 2
    assert f"cannot set product {product!r}" in result.stderr and "edr, itdr, ispm, sat, siem" in result.stderr
    assert "ORGANIZATION:PRODUCT=COUNT" not in result.stderr


def test_the_sandbox_control_gives_the_same_product_message():
    body = json.dumps({"organization": 104, "product": "edr_servers", "count": 1}).encode()
    answer = control(Sandbox().state, Request("POST", "/sandbox/count", {}, {}, body))
    assert answer.status == 400 and b"cannot set product 'edr_servers'" in answer.body


def test_the_demo_points_at_a_forced_dry_run():
    result = runner.invoke(app, ["demo"])
    assert result.exit_code == 0, result.output
    assert "halosync run --force --dry-run" in flat(result.stdout)
    assert "`halosync run --dry-run`" not in flat(result.stdout)


def test_the_edit_licences_fix_reads_as_a_sentence(sandbox_mock, sandbox_config_file):
    result = runner.invoke(app, ["check-permissions", "--config", str(sandbox_config_file)])
    text = "".join(result.stdout.split())  # the table wraps the fix anywhere
    assert "MakesurethattheagenttiedtotheAPIapplicationhas'SoftwareLicensingAccessLevel'ReadandModify" in text
    assert "andthattheapplicationhasthescopeedit:softwarelicensing" in text
