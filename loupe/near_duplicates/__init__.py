"""Near-duplicate messages: the same text circulating in several copies.

In a leak one report turns up as a list copy with another footer, a forward
with a line on top, a copy stripped of its header block, a re-send with a
fix. Exact copies are already one message (the ingest hashes content); this
package finds the *near* copies, so a forward is not counted as a second,
independent report.

Two steps, split where the work is: ``signature`` runs in the ingest
workers, once per message, and keeps a MinHash of the normalised body
(``normalise``: what copies share, without the wrappers that differ);
``grouping`` runs once over the whole case, finding candidates with
MinHash LSH and keeping only pairs whose estimated Jaccard similarity
reaches the threshold. MinHash rather than comparing texts because the
case store keeps no bodies, and all-pairs comparison of a million
messages is out of reach; the signature is a fixed 128 bytes.
"""
