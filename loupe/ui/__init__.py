"""Terminal presentation shared by commands (progress bars)."""
