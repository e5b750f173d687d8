"""CLI commands grouped by capability; `loupe.cli` registers them."""
