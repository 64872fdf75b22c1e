"""The store's Alembic migrations, shipped in the package so `pip install` users get them.

`rr_tui.server.migrate` applies them at start-up. To write the next revision,
change `schema.py`, then let Alembic compare it with a scratch database at the
newest revision, and read (and name) what it wrote in `versions/`:

    RR_DB_URL=sqlite:////tmp/scratch.db python -c "from alembic import command
    from rr_tui.server.migrate import alembic_config as c
    command.upgrade(c(), 'head')
    command.revision(c(), 'what changed', autogenerate=True, rev_id='0002')"

`tests/test_migrations.py` fails until the revision builds what the metadata says.
"""
