"""A config as a newcomer has it before mapping: credentials, no mappings."""

from __future__ import annotations

from pathlib import Path

from halosync.sandbox.config import sandbox_config
from tests.support import SANDBOX_HOST


def first_use_config(tmp_path: Path) -> Path:
    """Credentials, no mappings yet."""
    data = sandbox_config(SANDBOX_HOST, str(tmp_path / "r.jsonl"))
    del data["products"], data["organizations"]
    path = tmp_path / "config.toml"
    path.write_text("# written by hand\n" + __import__("tomli_w").dumps(data))
    path.chmod(0o600)
    return path
