"""One client, one name: run, history, approve and the people's notification label a client the same way."""

from __future__ import annotations

import tomllib

from typer.testing import CliRunner

from halosync.cli import app
from halosync.formats.labels import client_label, percent_label, product_label
from tests.support import write_config
from tests.support.notify import Receiver, with_people

runner = CliRunner()


def test_a_client_is_named_alike_everywhere(sandbox_mock, sandbox_config_file):
    """HaloPSA calls client 14 "Cedar Law Group"; the config calls it "Cedar LG": the config's name wins everywhere."""
    with Receiver() as receiver:
        config = with_people(sandbox_config_file, [receiver.url])
        data = tomllib.loads(config.read_text())
        data["clients"] = [{"halo_client_id": 14, "name": "Cedar LG"}]
        write_config(config, data)
        assert runner.invoke(app, ["run", "--json", "--force", "--config", str(config)]).exit_code == 0
        sandbox_mock.state.set_count(104, "edr", 0)
        run = runner.invoke(app, ["run", "--force", "--config", str(config)])
    assert run.exit_code == 6, run.output
    history = runner.invoke(app, ["history", "--rows", "--client", "14", "--config", str(config)])
    approve = runner.invoke(app, ["approve", "--all", "--dry-run", "--config", str(config)])
    [message] = receiver.received
    for output in (run.stdout, history.stdout, approve.stdout, message["message"]):
        assert "Cedar LG (14)" in output, output
        assert "Cedar Law Group (14)" not in output and "client 14 " not in output
    assert "client Cedar LG (14) Managed EDR" in approve.stdout


def test_the_labels():
    assert client_label(21, {21: "Juniper SD"}) == "Juniper SD (21)" and client_label(21, {}) == "21"
    assert product_label("edr") == "Managed EDR" and product_label("retired") == "retired"
    assert percent_label(40, 52) == " (+30%)" and percent_label(57, 0) == " (-100%)"
    assert percent_label(0, 5) == "" and percent_label(None, 5) == ""
