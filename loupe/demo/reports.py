"""The reports analysts attach: what each PDF, DOCX and CSV says, and its name.

Separate from ``attachments.py`` (which only knows file formats) because
this is about content: the text planted in each file is recorded so a test
can check that attachment text extraction finds it. Some file names are
non-ASCII so they travel as RFC 2231 ``filename*=`` parameters.
"""

from __future__ import annotations

import random

from loupe.demo.attachments import Attachment, make_csv, make_docx, make_pdf
from loupe.demo.texts import CITIES, Prose

_NAMES = {
    "pdf": ["weekly-brief-{n}.pdf", "Informe_Juárez_{n}.pdf", "threat-assessment-{n}.pdf", "Sécurité_{n}.pdf"],
    "docx": ["client-memo-{n}.docx", "Сводка_{n}.docx", "draft-analysis-{n}.docx", "Reseña_{n}.docx"],
    "csv": ["incidents-{n}.csv", "travel-log-{n}.csv", "Incidentes_año_{n}.csv"],
}


def report_attachment(
    rng: random.Random, prose: Prose, kind: str, number: int, author: str, truncated: bool = False
) -> Attachment:
    """One attachment of the given kind ("pdf", "docx", "csv")."""
    name = rng.choice(_NAMES[kind]).format(n=number)
    prefix = rng.choice(["MX", "VE", "CO", "ME"])
    title = f"Meridian Risk Analysis - {prose.topic(prefix)} (report {number})"
    sentences = [
        prose.fill(s, prefix)
        for s in (
            "Violence in {city} rose again in the reporting period.",
            "Our assessment is that the trend continues through {weekday} next week and beyond.",
            "Travellers to {city} should avoid night-time road travel.",
            "Reporting is based on {n} open sources and our own network.",
        )
    ]
    if kind == "pdf":
        lines = [title, *sentences]
        return Attachment(name, "application/pdf", make_pdf(lines), "\n".join(lines), truncated)
    if kind == "docx":
        return Attachment(
            name,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            make_docx(title, sentences, author),
            "\n".join([title, *sentences]),
            truncated,
        )
    cities = CITIES[prefix]
    rows = [[f"2010-{m:02d}", rng.choice(cities), str(rng.randrange(0, 60))] for m in range(1, 13)]
    data = make_csv(["month", "city", "incidents"], rows)
    return Attachment(name, "text/csv", data, data.decode("utf-8"), truncated)
