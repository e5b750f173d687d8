"""Meaning: passages of each message's own text as vectors, to find what is said in other words.

Words find a claim restated with the same words; a second source rarely
uses them. This package embeds the text each message adds (not what it
quotes or forwards: that belongs to its own author) with static word-piece
embeddings shipped inside a PyPI wheel (``model``), cuts it into passages
(``passages``), keeps the vectors as int8 rows in the case database and an
approximate-nearest-neighbour index beside it (``store``, ``index``), and
scores passages against a claim (``score``). Everything here is derived
data: it is rebuilt from the originals like the rest of the case.
"""
