"""The store's Alembic migrations, shipped in the package so `pip install` users get them.

`rr_tui.server.migrate` applies them at start-up. To write the next revision, change
`schema.py`, then against a database at the newest revision:

    RR_DB_URL=sqlite:///scratch.db alembic -x script_location=... revision --autogenerate

(see `migrate.alembic_config` for the location), and read what it wrote.
"""
