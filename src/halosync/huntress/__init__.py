"""The source: Huntress organizations and their per-product counts."""
