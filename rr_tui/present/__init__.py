"""How incidents are written for people: columns, labels, styles and masks, one home each.

No Textual here: the queue widget, the detail pane, the dialogs, `rr-tui list`
and the config's validation all read the same tables.
"""
