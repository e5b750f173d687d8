"""The newsroom server's own state: accounts, API tokens, case memberships and the audit log.

Kept apart from the cases (``loupe.store``): a case is evidence and can be
handed over whole, while who may read it and who read what belongs to the
server that hosts it. Everything here is SQLAlchemy Core without dialect
tricks, so the same code runs on the default SQLite file and on PostgreSQL.
Nothing here knows about the web: sessions and cookies build on
``accounts.authenticate`` and ``tokens.check_token`` later.
"""
