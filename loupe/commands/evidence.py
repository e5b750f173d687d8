"""``loupe verify-pack DIR``: check an evidence pack, without the case it came from (``loupe.evidence``)."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("verify-pack")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--expect", default="", help="The fingerprint printed when the pack was made.")
def verify_pack(folder: Path, expect: str) -> None:
    """Check an evidence pack: every file as listed, byte for byte, and every cited passage.

    Re-hashes every file against SHA256SUMS, names any file missing, changed
    or added, checks the manifest against the list, and reads each cited
    passage again from its original at its offsets. Needs no case. Prints one
    line per problem and a summary with the pack's fingerprint; exits 1 when
    anything is wrong. The pack's own verify_pack.py makes the same checks
    (all but the passages) with Python alone.

    Example: loupe verify-pack mx1-evidence/ --expect 3f9a...
    """
    from loupe.evidence.check import check_pack, report
    from loupe.evidence.citations import check_citations

    result = check_pack(folder, expect)
    check_citations(folder, result)
    click.echo(report(result))
    if not result.ok:
        raise SystemExit(1)
