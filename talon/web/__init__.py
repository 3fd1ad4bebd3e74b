"""The page textual-serve sends to a browser (``app_index.html``): offline fonts, self-reload, chime."""
