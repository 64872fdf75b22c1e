"""Revisions, oldest first by their numbered names; each says what it changes."""
