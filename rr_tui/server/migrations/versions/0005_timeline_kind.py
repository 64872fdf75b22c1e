"""Trends read the timeline by kind (issue 16): an index on `timeline (kind, incident_id, at)`.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02

The analytics endpoint asks, per incident, for the first event of some kinds
(acknowledgements, escalations, status changes, resolutions): with the kind first,
the database skips every `created` and `note` event, and with `incident_id, at`
after it, the per-incident minimum is read off the index.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the index."""
    op.create_index("ix_timeline_kind", "timeline", ["kind", "incident_id", "at"])


def downgrade() -> None:
    """Drop it."""
    op.drop_index("ix_timeline_kind", table_name="timeline")
