"""Edit the mapping part of a config file in place, keeping every comment and unrelated setting (tomlkit)."""

from __future__ import annotations

import difflib
import os
import stat
import tempfile
from pathlib import Path

import tomlkit
from tomlkit.items import AoT, Array, Table


def _set_key(table: Table, key: str, value: object) -> None:
    """Set a key; a new one goes after the table's last key, not after its trailing comments."""
    if key in table:
        table[key] = value
        return
    keys = [k.key for k, _ in table.value.body if k is not None]
    if keys:
        table.value._insert_after(keys[-1], key, value)
    elif table.value.body:  # only the blank line that separates it from the next table
        table.value._insert_at(0, key, value)
    else:
        table[key] = value


class ConfigEditor:
    def __init__(self, path: Path):
        self.path = path
        self.original = path.read_text(encoding="utf-8")
        self.doc = tomlkit.parse(self.original)

    @property
    def text(self) -> str:
        return tomlkit.dumps(self.doc)

    @property
    def changed(self) -> bool:
        return self.text != self.original

    def map_organization(self, huntress_id: int, halo_client_id: int, name: str | None = None) -> None:
        entry: dict[str, object] = {"huntress_id": huntress_id, "halo_client_id": halo_client_id}
        if name:
            entry["name"] = name
        existing = self.doc.get("organizations")
        if isinstance(existing, Array):  # written inline: organizations = [{...}, ...]
            inline = tomlkit.inline_table()
            inline.update(entry)
            existing.append(inline)
            return
        table = tomlkit.table()
        table.update(entry)
        if existing is None:
            aot = tomlkit.aot()
            aot.append(table)
            self.doc.append("organizations", aot)
        elif isinstance(existing, AoT):
            existing.append(table)
            table.trivia.indent = "\n"  # a blank line between [[organizations]] tables, as people write them
        else:
            raise ValueError("organizations in the config is neither [[organizations]] tables nor an array")

    def ignore_organization(self, huntress_id: int) -> None:
        sync = self._table("sync")
        ignored = sync.get("ignore_organizations")
        if ignored is None:
            _set_key(sync, "ignore_organizations", [huntress_id])
        elif huntress_id not in ignored:
            ignored.append(huntress_id)

    def map_product(self, product: str, item_id: int) -> None:
        _set_key(self._table("products"), product, item_id)

    def _table(self, name: str) -> Table:
        if name not in self.doc:
            table = tomlkit.table()
            body = self.doc.body
            # A new table goes before [[organizations]], where a person would put it.
            position = next((i for i, (key, item) in enumerate(body) if key is not None and key.key == "organizations"
                             and isinstance(item, AoT)), None)
            if position is None:
                self.doc.append(name, table)
            else:
                table.add(tomlkit.nl())  # keys go before it (see _set_key): a blank line before the next table
                self.doc._insert_at(position, name, table)
        found = self.doc[name]
        if not isinstance(found, Table):
            raise ValueError(f"[{name}] in the config is not a table")
        return found

    def diff(self) -> str:
        return "".join(difflib.unified_diff(
            self.original.splitlines(keepends=True), self.text.splitlines(keepends=True),
            fromfile=str(self.path), tofile=f"{self.path} (after map)"))

    def check_writable(self) -> None:
        """Raise OSError now if save() could not work later: it needs a new file in the config's folder."""
        fd, temporary = tempfile.mkstemp(dir=self.path.resolve().parent, prefix=f".{self.path.name}.", suffix=".tmp")
        os.close(fd)
        os.unlink(temporary)

    def save_elsewhere(self) -> Path | None:
        """After save() failed: the new config beside the old one (config.toml.new, 0600), else None."""
        target = self.path.resolve()
        beside = target.with_name(target.name + ".new")
        try:
            fd = os.open(beside, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(self.text)
                f.flush()
                os.fsync(f.fileno())
        except OSError:
            return None
        return beside

    def save(self) -> None:
        """Write atomically (temporary file in the same folder, then rename), keeping the file's mode (0600 if it had none stricter)."""
        target = self.path.resolve()
        try:
            mode = stat.S_IMODE(target.stat().st_mode)
        except FileNotFoundError:
            mode = 0o600
        fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        try:
            os.fchmod(fd, mode)
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(self.text)
                f.flush()
                os.fsync(f.fileno())
            os.replace(temporary, target)
        except BaseException:
            try:
                os.unlink(temporary)
            except FileNotFoundError:
                pass
            raise
        self.original = self.text
