"""Where each key of a TOML document is written: see `rr_tui.toml_lines`.

The scanner moved to the bottom layer so that the clock rules catalogue (read by
the server, which never imports `config`) names lines the same way.
"""

from rr_tui.toml_lines import KeyPath, key_lines, line_of

__all__ = ["KeyPath", "key_lines", "line_of"]
