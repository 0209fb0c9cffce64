"""One module per page; each exposes ``render()``. Pages check the role themselves (ui.auth.require)."""
