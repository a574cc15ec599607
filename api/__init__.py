"""The outer layer: command line, HTTP service, web page and settings."""
