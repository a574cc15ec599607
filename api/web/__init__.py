"""The web page: server-rendered HTML (f-strings) plus small vanilla JS under static/."""
