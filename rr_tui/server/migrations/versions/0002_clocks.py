"""Legal clocks: the `clocks` table, and the soonest running clock on each incident.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02

Frozen like 0001: it names its types itself (`TIME` is how `schema.UtcDateTime` is stored).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIME = sa.String(length=27)
"""Fixed-width ISO 8601 UTC text (`schema.UtcDateTime`)."""


def upgrade() -> None:
    """Add `clocks`, and `incidents.deadline_at` / `deadline_rule` (empty: no clock running).

    A database that `create_all` made with today's schema (stamped 0001 by `migrate`,
    since it has no version) has them already: what exists is kept, not made twice.
    """
    inspector = sa.inspect(op.get_bind())
    if "clocks" not in inspector.get_table_names():
        _create_clocks()
    columns = {column["name"] for column in inspector.get_columns("incidents")}
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        if "deadline_at" not in columns:
            batch_op.add_column(sa.Column("deadline_at", TIME, nullable=True))
        if "deadline_rule" not in columns:
            batch_op.add_column(sa.Column("deadline_rule", sa.String(length=64), nullable=True))


def _create_clocks() -> None:
    op.create_table(
        "clocks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("incident_id", sa.String(length=64), nullable=False),
        sa.Column("rule_id", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("due_at", TIME, nullable=False),
        sa.Column("doc", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("clocks", schema=None) as batch_op:
        batch_op.create_index("ix_clocks_incident", ["incident_id", "id"], unique=False)


def downgrade() -> None:
    """Drop what `upgrade` added."""
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_column("deadline_rule")
        batch_op.drop_column("deadline_at")
    op.drop_table("clocks")
