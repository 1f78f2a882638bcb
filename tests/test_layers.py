"""The package's imports point one way: cli -> commands -> formats -> run -> huntress/halo -> config -> core/transport -> errors.

Every import counts, the lazy ones inside functions and those under TYPE_CHECKING too: a lower
layer that needs a higher one has its job in the wrong place.
"""

from __future__ import annotations

import ast
import functools
from datetime import UTC
from pathlib import Path

import halosync

PACKAGE = Path(halosync.__file__).parent

# Layer of each top-level part of the package; an import may go to a lower layer, or within its own part.
LAYERS = {
    "errors": 0, "writes_so_far": 0, "__init__": 0,
    "core": 1, "transport": 1,
    "config": 2,
    "huntress": 3, "halo": 3, "sandbox": 3,
    "run": 4,
    "formats": 5,
    "commands": 6,
    "cli": 7, "__main__": 8,
}


def part_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


@functools.cache
def modules() -> dict[str, Path]:
    """Every module of the package by name (read once: callers must not change it)."""
    found = {}
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE.parent).with_suffix("")
        name = ".".join(relative.parts).removesuffix(".__init__")
        found[name] = path
    return found


@functools.cache
def imports_of(path: Path, name: str) -> frozenset[str]:
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name.startswith("halosync"))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            if base.startswith("halosync"):
                known = modules()
                for alias in node.names:  # `from halosync.run import resultslog` imports the module halosync.run.resultslog
                    found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base)
    return frozenset(found)


def test_every_import_points_down_or_stays_in_its_part():
    wrong = []
    for name, path in modules().items():
        source = part_of(name)
        for target in imports_of(path, name):
            if part_of(target) == source:
                continue
            if LAYERS[part_of(target)] >= LAYERS[source]:
                wrong.append(f"{name} imports {target}")
    assert wrong == []


def test_no_import_circle():
    graph = {name: {t for t in imports_of(path, name) if t in modules() and t != name} for name, path in modules().items()}
    state: dict[str, int] = {}
    cycles = []

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in graph.get(node, ()):
            if state.get(nxt) == 1:
                cycles.append(" -> ".join(trail[trail.index(nxt):] + [nxt]) if nxt in trail else nxt)
            elif nxt not in state:
                visit(nxt, [*trail, nxt])
        state[node] = 2

    for node in graph:
        if node not in state:
            visit(node, [node])
    assert cycles == []


def test_every_part_has_a_layer():
    assert {part_of(name) for name in modules()} <= set(LAYERS)


def test_starting_the_cli_loads_no_heavy_library():
    """An hourly `run` that is not due must start fast: what only some commands need loads when they run."""
    import subprocess
    import sys

    code = ("import sys, halosync.cli; heavy = ('rapidfuzz', 'httpx', 'rich', 'tomlkit', 'tomli_w', 'filelock', 'apprise', "
            "'halosync.core.models', 'halosync.run.sync', 'halosync.formats.results'); print(sorted({m.split('.')[0] if not m.startswith('halosync') "
            "else m for m in sys.modules if m.startswith(heavy)}))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == "[]"


def test_a_not_due_run_loads_no_heavy_library(tmp_path):
    """The hourly cron call that finds nothing to do: no HTTP, no rich, no models, no Apprise."""
    import subprocess
    import sys
    from datetime import datetime

    from tests.support import basic_config, write_config

    log = tmp_path / "results.jsonl"
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    log.write_text(f'{{"type": "run", "run_id": "x", "started": "{now}", "finished": "{now}", "dry_run": false, "forced": false, '
                   '"exit_code": 0, "rows": {}, "requests": {}}\n')
    config = write_config(tmp_path / "config.toml", basic_config(log={"path": str(log)}))
    code = ("import sys\nfrom halosync.cli import main\nsys.argv = ['halosync', 'run', '--config', sys.argv[1]]\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "heavy = ('rapidfuzz', 'httpx', 'rich', 'tomlkit', 'apprise', 'halosync.core.models', 'halosync.run.sync', "
            "'halosync.formats.results')\n"
            "print(sorted({m for m in sys.modules if m.startswith(heavy)}), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code, str(config)], capture_output=True, text=True, check=True)
    assert "Not due" in done.stdout
    assert done.stderr.strip().splitlines()[-1] == "[]"
