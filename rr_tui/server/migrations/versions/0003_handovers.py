"""Shift handover notes (issue 16): the `handovers` table.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02

Frozen: names its types itself, like 0001.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TIME = sa.String(length=27)
"""Fixed-width ISO 8601 UTC text (`schema.UtcDateTime`)."""


def upgrade() -> None:
    """Create the handover table and its index of notes waiting for acknowledgement."""
    op.create_table(
        "handovers",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("since", TIME, nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("acknowledged_by", sa.String(length=64), nullable=True),
        sa.Column("acknowledged_at", TIME, nullable=True),
        sa.Column("reply", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_handovers_pending", "handovers", ["acknowledged_at", "id"])


def downgrade() -> None:
    """Drop the handover notes."""
    op.drop_index("ix_handovers_pending", table_name="handovers")
    op.drop_table("handovers")
