"""config.example.toml is what users copy: it must load, and name every key the schema has."""

from __future__ import annotations

import re

from halosync.config.load import load_config
from halosync.config.schema import Config
from halosync.core.products import PRODUCT_KEYS
from tests.support import REPO

EXAMPLE = REPO / "config.example.toml"


def test_example_loads(tmp_path):
    copy = tmp_path / "config.toml"
    copy.write_text(EXAMPLE.read_text())
    copy.chmod(0o600)
    _, config = load_config(copy)
    assert config.products.mapped() == {"edr": 1001, "itdr": 1002, "sat": 1003, "siem": 1004}
    assert [o.halo_client_id for o in config.organizations] == [12, 12]


def test_example_mentions_every_key():
    text = EXAMPLE.read_text()
    keys = set(re.findall(r"^#?\s*([a-z_]+)\s*=", text, flags=re.M))
    for section in ("huntress", "halo", "sync", "log", "notify", "report"):
        model = Config.model_fields[section].annotation
        assert model is not None
        missing = set(model.model_fields) - keys
        assert not missing, f"[{section}] keys missing from config.example.toml: {missing}"
    missing_products = set(PRODUCT_KEYS) - keys
    assert not missing_products, f"[products] keys missing from config.example.toml: {missing_products}"
