"""The starter config init writes, decided without a terminal: which answer goes where, which log it names."""

from __future__ import annotations

from pathlib import Path

from halosync.config.schema import RECOMMENDED_GUARD, Config
from halosync.config.starter import config_data, environment_variable, log_path, missing_options

ANSWERS: dict[str, str | None] = {"huntress_key": "k" * 8, "huntress_secret": "s" * 8,
                                  "halo_url": "https://acme.halopsa.com", "halo_client_id": "c" * 8,
                                  "halo_client_secret": "x" * 8}


def test_every_answer_goes_into_its_table_with_the_recommended_guard():
    data = config_data(ANSWERS, left_in_environment=(), huntress_url=None, tenant="acme", log=None)
    assert data == {
        "huntress": {"api_key": "k" * 8, "api_secret": "s" * 8},
        "halo": {"url": "https://acme.halopsa.com", "client_id": "c" * 8, "client_secret": "x" * 8, "tenant": "acme"},
        "sync": {"frequency": "monthly", "day_of_month": 1},
        "guard": RECOMMENDED_GUARD,
    }
    assert data["guard"] is not RECOMMENDED_GUARD  # a copy: writing the file must not change the recommendation
    Config.model_validate(data)


def test_a_secret_left_in_the_environment_is_never_written():
    answers = {**ANSWERS, "huntress_secret": "from-env", "halo_client_secret": None}
    data = config_data(answers, left_in_environment={"huntress_secret", "halo_client_secret"},
                       huntress_url="http://127.0.0.1:9/huntress", tenant=None, log=None)
    assert data["huntress"] == {"api_key": "k" * 8, "base_url": "http://127.0.0.1:9/huntress"}
    assert data["halo"] == {"url": "https://acme.halopsa.com", "client_id": "c" * 8}
    assert "from-env" not in repr(data)


def test_a_chosen_log_is_written_as_its_path(tmp_path):
    data = config_data(ANSWERS, left_in_environment=(), huntress_url=None, tenant=None, log=tmp_path / "r.jsonl")
    assert data["log"] == {"path": str(tmp_path / "r.jsonl")}


def test_the_variable_holding_a_secret_is_named_and_a_file_variable_counts():
    assert environment_variable("HALOSYNC_X", {"HALOSYNC_X": "v"}) == "HALOSYNC_X"
    assert environment_variable("HALOSYNC_X", {"HALOSYNC_X": "", "HALOSYNC_X_FILE": "/run/x"}) == "HALOSYNC_X_FILE"
    assert environment_variable("HALOSYNC_X", {"HALOSYNC_X_FILE": ""}) is None
    assert environment_variable(None, {"HALOSYNC_X": "v"}) is None  # a URL is never left in the environment


def test_missing_options_name_the_options_in_order_and_skip_the_environment():
    answers = {**ANSWERS, "huntress_key": None, "halo_url": "", "halo_client_secret": None}
    assert missing_options(answers, {"halo_client_secret"}) == ["--huntress-key", "--halo-url"]
    assert missing_options(ANSWERS, ()) == []


def test_the_log_is_the_option_else_beside_the_config_for_a_rehearsal_else_the_default(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "rehearsal.toml"
    assert log_path(config, Path("logs/r.jsonl"), "http://127.0.0.1:9/halo", None) == tmp_path / "logs" / "r.jsonl"
    assert log_path(config, None, "https://acme.halopsa.com", "http://[::1]:9/huntress") == \
        tmp_path / "rehearsal-results.jsonl"
    assert log_path(config, None, "https://acme.halopsa.com", None) is None
