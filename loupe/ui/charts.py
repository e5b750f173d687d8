"""Charts drawn with matplotlib (Agg backend: no display needed, nothing fetched)."""

from __future__ import annotations

from pathlib import Path

from loupe.search.facets import Timeline


def timeline_chart(result: Timeline, title: str, path: Path) -> None:
    """A bar chart of a timeline, as PNG or SVG by the file's extension."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    labels = [key for key, _ in result.counts]
    values = [n for _, n in result.counts]
    width = min(16.0, max(6.0, len(labels) * 0.25))
    fig, ax = plt.subplots(figsize=(width, 4), dpi=100)
    ax.bar(range(len(values)), values, color="#3b6ea5")
    step = max(1, len(labels) // 24)
    ax.set_xticks(range(0, len(labels), step), labels[::step], rotation=45, ha="right", fontsize=8)
    ax.set_ylabel("messages")
    undated = f"  ({result.undated} undated)" if result.undated else ""
    ax.set_title(f"{title or 'all messages'} — by {result.bucket}{undated}", fontsize=10)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    fig.savefig(path, format=path.suffix.lstrip(".").lower() or "png")
    plt.close(fig)
