"""The reference incident backend: the rr HTTP API v1 on FastAPI over a SQL store.

Layer rule: nothing here imports Textual or the dashboard side of rr-tui.
"""
