"""The rr HTTP API v1's routers, one module per resource.

`meta` (health, who am I), `incidents` (the delta list, create, get, patch),
`timeline` (an incident's timeline, notes, escalations) and `contacts` (the
stakeholder directory). Every route gets the store and the authenticated user
the same way, from `dependencies`; `rr_tui.server.api.create_app` mounts them.
"""
