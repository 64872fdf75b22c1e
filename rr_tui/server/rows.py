"""Table rows to models: how the store turns `incidents` rows into `Incident`s.

Shared by the read side (`store.Store`) and the write transaction
(`transaction.Tx`), so both validate rows the same way. A full list decodes
tens of thousands of rows, so rows become plain dicts once and the whole list
is validated in one call into pydantic-core.
"""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import Connection, Result, RowMapping, Table, select

from rr_tui.models import Incident
from rr_tui.server import schema
from rr_tui.server.errors import NotFound

_INCIDENT_LIST = TypeAdapter(list[Incident])


def dicts(result: Result[Any]) -> list[dict[str, Any]]:
    """Rows as plain dicts (zip with the keys once: RowMapping is slow per row)."""
    keys = list(result.keys())
    return [dict(zip(keys, row, strict=True)) for row in result]


def incidents(rows: list[dict[str, Any]]) -> list[Incident]:
    """Incidents from table rows, validated in one call into pydantic-core."""
    for row in rows:
        row.pop("change_seq", None)
    return _INCIDENT_LIST.validate_python(rows)


def incident(row: RowMapping) -> Incident:
    """One incident from one table row."""
    return incidents([dict(row)])[0]


def load_incident(conn: Connection, incident_id: str) -> Incident:
    """The incident `incident_id` as `conn` sees it, or NotFound."""
    row = (
        conn.execute(select(schema.incidents).where(schema.incidents.c.id == incident_id))
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound(f"no incident {incident_id}")
    return incident(row)


def incident_doc(conn: Connection, table: Table, row_id: int, incident_id: str, what: str) -> Any:
    """The `doc` of row `row_id` of an incident's clocks or protocol runs, or NotFound."""
    doc = conn.scalar(
        select(table.c.doc).where(table.c.id == row_id, table.c.incident_id == incident_id)
    )
    if doc is None:
        raise NotFound(f"no {what} {row_id} on {incident_id}")
    return doc
