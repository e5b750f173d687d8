"""Coded informants: where an archive names a source, and what its insight blocks say.

An intelligence firm's leak names its human sources only by codes such as
``US714`` or ``MX1``, and the same shape (two capitals and a number) is
everywhere in ordinary mail: MP3, CO2, flight AA100, the postcode SE1. The
main choice here is to accept a code *only where the context says "source"*
(a block label, an insight subject, a phrase like "according to MX1"), and
never from its shape alone, so a look-alike in staff chat does not become an
informant. ``codes`` finds the mentions; ``insights`` reads the header
blocks around them. Both are pure functions of a subject and a body, with
the code patterns passed in (they belong to the case: ``case.toml``).
"""
