"""Protocols (playbooks) on incidents: the `protocol_runs` table and `incidents.protocol`.

Revision ID: 0004_protocols
Revises: 0003
Create Date: 2026-12-02

Frozen like 0001: it names its types itself.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add `protocol_runs`, and `incidents.protocol` (empty: no protocol activated).

    A database that `create_all` made with today's schema (stamped 0001 by `migrate`)
    has them already: what exists is kept, not made twice (as in 0002).
    """
    inspector = sa.inspect(op.get_bind())
    if "protocol_runs" not in inspector.get_table_names():
        _create_runs()
    columns = {column["name"] for column in inspector.get_columns("incidents")}
    if "protocol" not in columns:
        with op.batch_alter_table("incidents", schema=None) as batch_op:
            batch_op.add_column(sa.Column("protocol", sa.String(length=40), nullable=True))


def _create_runs() -> None:
    op.create_table(
        "protocol_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("incident_id", sa.String(length=64), nullable=False),
        sa.Column("protocol_id", sa.String(length=64), nullable=False),
        sa.Column("doc", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("protocol_runs", schema=None) as batch_op:
        batch_op.create_index("ix_protocol_runs_incident", ["incident_id", "id"], unique=False)


def downgrade() -> None:
    """Drop what `upgrade` added."""
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_column("protocol")
    op.drop_table("protocol_runs")
