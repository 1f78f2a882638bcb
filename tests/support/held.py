"""A sync the guard held: the setup approve's tests share. The CLI runs in process against the sandbox."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from typer.testing import CliRunner, Result

from halosync.cli import app
from halosync.sandbox import Sandbox
from halosync.sandbox.config import sandbox_config
from tests.support import read_log, write_config

GUARD = {"max_decrease_percent": 20, "max_increase_percent": 50, "min_units": 5}
runner = CliRunner()


def cli(*args: str) -> Result:
    return runner.invoke(app, list(args))


def decisions(config_file: Path) -> list[dict[str, Any]]:
    """The approve decisions in the results log beside `config_file`."""
    return [r for r in read_log(config_file.parent / "results.jsonl") if r["type"] == "decision"]


def synced_with_guard(sandbox: Sandbox, config_file: Path, counts: dict[tuple[int, str], int]) -> None:
    """Turn the guard on, sync once (exit 0), then change the sandbox's counts: (organization, product) -> count."""
    data = tomllib.loads(config_file.read_text())
    data["guard"] = GUARD
    write_config(config_file, data)
    result = cli("run", "--force", "--json", "--config", str(config_file))  # --json: the table is not read
    assert result.exit_code == 0, result.output
    for (organization, product), count in counts.items():
        sandbox.state.set_count(organization, product, count)


def held_run(sandbox: Sandbox, config_file: Path, counts: dict[tuple[int, str], int]) -> tuple[Sandbox, Path]:
    """Synced once with the guard on; then the counts changed beyond it and a second sync held them (exit 6)."""
    synced_with_guard(sandbox, config_file, counts)
    result = cli("run", "--force", "--json", "--config", str(config_file))  # --json: the table is not read
    assert result.exit_code == 6, result.output
    return sandbox, config_file


def held_at(sandbox: Sandbox, url: str, folder: Path, counts: dict[tuple[int, str], int]) -> Path:
    """A config in `folder` aimed at the sandbox served at `url`, and a sync it held (see held_run)."""
    config = write_config(folder / "config.toml", sandbox_config(url, str(folder / "results.jsonl")))
    held_run(sandbox, config, counts)
    return config


# Cedar Law's EDR (organization 104, client 14) reads 0; Granite's SAT (108, client 18) doubles.
GLITCH = {(104, "edr"): 0, (108, "sat"): 350}


def synced(config_file: Path, *args: str) -> Result:
    """A sync in process (exit 0), as the setup of a test about what the installed command does next."""
    result = cli("run", "--json", "--config", str(config_file), *args)  # --json: the table is not read
    assert result.exit_code == 0, result.output
    return result


def held_for_a_terminal(sandbox: Sandbox, config_file: Path, counts: dict[tuple[int, str], int] = GLITCH) -> None:
    """The same held sync for tests that go on at a terminal, whose config already has the guard on: a first
    run, then the counts changed and a forced run held them (exit 6). In process: it is only their setup."""
    synced(config_file)
    for (organization, product), count in counts.items():
        sandbox.state.set_count(organization, product, count)
    second = cli("run", "--force", "--json", "--config", str(config_file))
    assert second.exit_code == 6, second.output
