"""Reports rendered from the Jinja2 templates in api/templates/ (HTML autoescaped, text not)."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

TEMPLATES = Path(__file__).with_name("templates")


@lru_cache(maxsize=2)
def _environment(autoescape: bool):  # type: ignore[no-untyped-def]
    from jinja2 import Environment, FileSystemLoader, StrictUndefined

    return Environment(loader=FileSystemLoader(TEMPLATES), autoescape=autoescape, undefined=StrictUndefined,
                       trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def render(name: str, **values: Any) -> str:
    """Render a template: `.html.j2` ones escape every value."""
    return _environment(name.endswith(".html.j2")).get_template(name).render(**values)
