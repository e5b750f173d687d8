"""CLI commands grouped by capability; `loupe.cli` lists them and imports each when it runs."""
