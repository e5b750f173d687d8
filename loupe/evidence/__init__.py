"""Evidence packs: messages, their originals, renderings and citations, with hashes anyone can check.

``pack`` writes one (``loupe export QUERY --pack DIR``), ``render`` draws a
message as PDF, ``check`` verifies a pack with the standard library alone (it
travels inside every pack as ``verify_pack.py``), and ``citations`` re-reads
each cited passage from its original (``loupe verify-pack``).
"""
