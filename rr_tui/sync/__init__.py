"""Poller, local store and contact directory: the dashboard's data, without any UI.

Layer rule: nothing here imports Textual.
"""
