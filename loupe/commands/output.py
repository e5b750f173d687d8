"""Records out as JSON Lines or CSV, the same way for every command that lists things."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Sequence
from typing import Any

import click


def emit(records: Sequence[dict[str, Any]], fmt: str, empty_header: str = "id") -> bool:
    """Print ``records`` as JSON Lines (``json``) or CSV (``csv``); False for any other format.

    In CSV, list values are joined with "; " so a spreadsheet keeps one row per record.
    """
    if fmt == "json":
        for record in records:
            click.echo(json.dumps(record, ensure_ascii=False))
        return True
    if fmt == "csv":
        writer = csv.DictWriter(sys.stdout, fieldnames=list(records[0]) if records else [empty_header])
        writer.writeheader()
        for record in records:
            writer.writerow({k: "; ".join(map(str, v)) if isinstance(v, list) else v for k, v in record.items()})
        return True
    return False
