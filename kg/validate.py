"""Validate a graph against the project's SHACL shapes (kg/shapes.ttl)."""
from __future__ import annotations

from pathlib import Path

from rdflib import Graph

SHAPES = Path(__file__).with_name("shapes.ttl")


def validate(graph: Graph) -> tuple[bool, str]:
    """(conforms, report text)."""
    from pyshacl import validate as shacl

    shapes = Graph().parse(SHAPES, format="turtle")
    conforms, _, text = shacl(graph, shacl_graph=shapes, advanced=True, inference="none")
    return bool(conforms), str(text)
