"""Terminal presentation shared by commands: progress bars, charts, and mail text made safe to print."""
