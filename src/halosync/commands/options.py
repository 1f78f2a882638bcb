"""Options shared by several commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

ConfigOption = Annotated[
    Optional[Path],
    typer.Option(
        "--config",
        "-c",
        help="Config file. Default: $HALOSYNC_CONFIG, else the platform's config dir (halosync/config.toml).",
        show_default=False,
        dir_okay=False,
    ),
]
