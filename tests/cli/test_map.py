"""`halosync map` through the CLI, against the sandbox (in-process via respx)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from typer.testing import CliRunner

from halosync.cli import app
from halosync.sandbox.config import sandbox_config
from tests.support import SANDBOX_HOST, write_config
from tests.support.mapping import first_use_config
from tests.support.terminal import on_a_terminal

runner = CliRunner()


def mapping(path: Path) -> tuple[dict[int, int], dict[str, int], list[int]]:
    data = tomllib.loads(path.read_text())
    orgs = {o["huntress_id"]: o["halo_client_id"] for o in data.get("organizations", [])}
    return orgs, data.get("products", {}), data.get("sync", {}).get("ignore_organizations", [])


def map_(path: Path, *args: str, input: str | None = None):
    return runner.invoke(app, ["map", "--config", str(path), *args], input=input)


def test_show_reports_and_changes_nothing(sandbox_mock, sandbox_config_file):
    before = sandbox_config_file.read_text()
    result = map_(sandbox_config_file, "--show")
    assert result.exit_code == 0
    assert "Mapped: 11 organizations" in result.stdout and "unmapped: 103 \"Bob's Bakery\"" in result.stdout
    assert "ispm" in result.stdout  # the one product not mapped
    assert sandbox_config_file.read_text() == before


def test_stale_mappings_are_reported(sandbox_mock, tmp_path):
    data = sandbox_config(SANDBOX_HOST, str(tmp_path / "r.jsonl"))
    data["organizations"].append({"huntress_id": 999, "halo_client_id": 77})
    data["products"]["ispm"] = 1099
    result = map_(write_config(tmp_path / "c.toml", data), "--show")
    assert "Huntress organization 999" in result.stderr and "HaloPSA client 77" in result.stderr
    assert "ispm = 1099" in result.stderr


def test_auto_on_first_use_maps_only_unambiguous_matches(sandbox_mock, tmp_path):
    path = first_use_config(tmp_path)
    result = map_(path, "--auto")
    assert result.exit_code == 0, result.output
    orgs, products, ignored = mapping(path)
    assert orgs == {101: 12, 103: 13, 104: 14, 105: 15, 107: 17, 108: 18, 109: 19, 110: 20, 111: 21, 112: 22}
    assert products == {"edr": 1001, "itdr": 1002, "ispm": 1005, "sat": 1003, "siem": 1004}
    assert ignored == []
    assert "left organization 102" in result.stdout and "left organization 106" in result.stdout
    assert path.read_text().startswith("# written by hand\n")


def test_auto_with_a_lower_min_score(sandbox_mock, tmp_path):
    path = first_use_config(tmp_path)
    map_(path, "--auto", "--min-score", "80")
    orgs, _, _ = mapping(path)
    assert orgs[106] == 16  # 'Evergreen Veterinary' -> 'Evergreen Veterinary Clinic' scores 85
    assert 102 not in orgs  # 79


def test_auto_never_touches_existing_mappings(sandbox_mock, sandbox_config_file):
    before = mapping(sandbox_config_file)
    result = map_(sandbox_config_file, "--auto")
    after = mapping(sandbox_config_file)
    assert after[0] == {**before[0], 103: 13}  # only the unmapped one is added
    assert after[1] == {**before[1], "ispm": 1005}
    assert result.exit_code == 0


def test_dry_run_shows_the_diff_and_writes_nothing(sandbox_mock, tmp_path):
    path = first_use_config(tmp_path)
    before = path.read_text()
    result = map_(path, "--auto", "--dry-run")
    assert path.read_text() == before
    assert "+[[organizations]]" in result.stdout and "+huntress_id = 101" in result.stdout


def test_interactive_session(sandbox_mock, tmp_path):
    path = first_use_config(tmp_path)
    # 101 Acme Dental: pick 1 · 102 Annex: search 'acme', pick 1 · 103 Bob's: ignore · 104: skip · then save and quit
    result = map_(path, input="1\n/acme\n1\ni\n\nq\n")
    assert result.exit_code == 0, result.output
    orgs, products, ignored = mapping(path)
    assert orgs == {101: 12, 102: 12}
    assert ignored == [103] and products == {}
    assert "all map to client 12" in result.stderr  # summed: allowed, but said
    assert "score 100" in result.stdout


def test_interactive_products(sandbox_mock, sandbox_config_file):
    # 103: skip; then ispm -> search 'ispm' and pick it
    result = map_(sandbox_config_file, input="\n/ispm\n1\n")
    assert result.exit_code == 0, result.output
    assert mapping(sandbox_config_file)[1]["ispm"] == 1005


@pytest.mark.parametrize("ending", ["x\n", ""], ids=["x", "end-of-input"])
def test_quit_without_saving(sandbox_mock, tmp_path, ending):
    path = first_use_config(tmp_path)
    before = path.read_text()
    result = map_(path, input="1\n" + ending)
    assert result.exit_code == 0
    assert path.read_text() == before and "unchanged" in result.stdout


def test_bad_answers_are_asked_again(sandbox_mock, tmp_path):
    path = first_use_config(tmp_path)
    result = map_(path, input="9\nwhat\n1\nq\n")
    assert "'9' is not one of the choices" in result.stdout and "'what' is not" in result.stdout
    assert mapping(path)[0] == {101: 12}


def test_missing_credentials_are_named(tmp_path, mock):
    data = sandbox_config(SANDBOX_HOST)
    del data["halo"]["client_secret"]
    result = map_(write_config(tmp_path / "c.toml", data), "--show")
    assert result.exit_code == 2 and "HALOSYNC_HALO_CLIENT_SECRET" in result.output
    assert mock.calls.call_count == 0


def test_application_without_read_customers(sandbox_mock, sandbox_config_file):
    sandbox_mock.state.application_scopes = {"read:softwarelicensing", "edit:softwarelicensing", "read:items"}
    result = map_(sandbox_config_file, "--show")
    assert result.exit_code == 3 and "read:customers" in result.output


def test_edr_is_mapped_whole_or_split_never_both(sandbox_mock, tmp_path):
    from halosync.core.mapping import excludes
    from halosync.run.mapper import names_product

    assert excludes("edr_servers", ["edr"]) and excludes("edr", ["edr_workstations"]) and not excludes("sat", ["edr"])
    assert names_product("Huntress Managed EDR - Servers", "edr_servers")
    assert not names_product("Huntress Managed EDR", "edr_servers")
    path = first_use_config(tmp_path)
    map_(path, "--auto")
    products = mapping(path)[1]
    assert "edr" in products and "edr_servers" not in products and "edr_workstations" not in products
    # A config billing the split is not offered edr, but is offered the other half of the split
    data = tomllib.loads(path.read_text())
    data["products"] = {"edr_servers": 1006}
    write_config(path, data)
    result = map_(path, "--show")
    assert "products unmapped: itdr, ispm, sat, siem, edr_workstations\n" in result.stdout


def test_a_config_folder_that_refuses_new_files_stops_map_before_any_question(sandbox_mock, tmp_path, monkeypatch):
    path = first_use_config(tmp_path)

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("halosync.config.editor.tempfile.mkstemp", refuse)
    result = map_(path, input="1\nq\n")
    assert result.exit_code == 2
    assert result.stderr.startswith("halosync: error: ") and str(path) in result.stderr and "--dry-run" in result.stderr
    assert "[1/" not in result.stdout and sandbox_mock.requests == []  # nothing asked, nothing contacted
    assert map_(path, "--dry-run", "--auto").exit_code == 0  # a dry run needs no write


@pytest.mark.parametrize("beside_works", [True, False])
def test_a_save_that_fails_keeps_the_choices(sandbox_mock, tmp_path, monkeypatch, beside_works):
    path = first_use_config(tmp_path)
    before = path.read_text()

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("halosync.config.editor.os.replace", full_disk)
    if not beside_works:
        real_open = __import__("os").open
        monkeypatch.setattr("halosync.config.editor.os.open",
                            lambda p, *a, **k: full_disk() if str(p).endswith(".new") else real_open(p, *a, **k))
    result = map_(path, input="1\nq\n")  # map the first organization to its best candidate, then save
    assert result.exit_code == 1
    assert "No space left on device" in result.stderr and path.read_text() == before
    if beside_works:
        kept = (tmp_path / "config.toml.new").read_text()
        assert str(tmp_path / "config.toml.new") in result.stderr
    else:
        kept = result.stdout[result.stdout.index("# written by hand"):]
        assert not (tmp_path / "config.toml.new").exists()
    assert "[[organizations]]" in kept and "# written by hand" in kept
    assert tomllib.loads(kept)["organizations"]


def test_at_80_columns_the_legend_and_summary_wrap_between_words(sandbox_mock, tmp_path, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setattr("halosync.formats.console._consoles", {})  # made again, at 80 columns
    path = first_use_config(tmp_path)
    result = map_(path, input="x\n")
    lines = result.stdout.splitlines()
    assert lines and all(len(line) <= 80 for line in lines)
    text = " ".join(result.stdout.split())
    assert "number: choose · Enter: skip · /text: search · /: back to the suggestions · i: ignore (not billed) · " \
           "q: save and quit · x: quit without saving" in text
    assert "Mapped: 0 organizations · unmapped: 12 · ignored: 0 · products unmapped:" in text


def test_slash_alone_goes_back_to_the_suggestions_after_a_search(sandbox_mock, tmp_path):
    path = first_use_config(tmp_path)
    # 101 Acme Dental: search 'kestrel' (its first hit is Kestrel), then '/' back, then pick the first suggestion
    result = map_(path, input="/kestrel\n/\n1\nq\n")
    assert result.exit_code == 0, result.output
    assert mapping(path)[0] == {101: 12}  # Acme Dental, the first suggestion, not Kestrel


def test_on_a_terminal_ctrl_c_quits_without_saving_and_says_so(tmp_path):
    from halosync.sandbox import Sandbox, serve

    with serve(Sandbox()) as url:
        data = sandbox_config(url, str(tmp_path / "r.jsonl"))
        del data["products"], data["organizations"]
        path = write_config(tmp_path / "config.toml", data)
        before = path.read_text()
        code, screen = on_a_terminal(["map", "--config", str(path)], [b"1\r", b"\x03"])
    assert code == 130, screen
    assert "Interrupted" in screen and "the config is unchanged" in screen
    assert path.read_text() == before


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
