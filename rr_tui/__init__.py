"""rr-tui: a terminal dashboard for Trust & Safety Rapid Response teams."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("rr-tui")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"
