"""The dashboard's own theme, for those who need more contrast than the defaults."""

from __future__ import annotations

from textual.theme import Theme

from rr_tui.options import HIGH_CONTRAST_THEME


def high_contrast_theme() -> Theme:
    """White on black with saturated, distinct severity colours."""
    return Theme(
        name=HIGH_CONTRAST_THEME,
        primary="#00D7FF",
        secondary="#FFFFFF",
        accent="#FF5FFF",
        foreground="#FFFFFF",
        background="#000000",
        surface="#000000",
        panel="#262626",
        warning="#FFD700",
        error="#FF2020",
        success="#00FF5F",
        dark=True,
    )
