"""Where halosync keeps its config and state by default (platformdirs)."""

from __future__ import annotations

import os
from pathlib import Path

APP = "halosync"
CONFIG_ENV = "HALOSYNC_CONFIG"


def default_config_path() -> Path:
    import platformdirs  # only when a default is needed: it costs start-up time

    return Path(platformdirs.user_config_dir(APP, appauthor=False)) / "config.toml"


def config_path(explicit: Path | None) -> Path:
    """--config, else $HALOSYNC_CONFIG, else the platform's config dir."""
    if explicit is not None:
        return explicit
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(env)
    return default_config_path()


def default_log_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_state_dir(APP, appauthor=False)) / "results.jsonl"
