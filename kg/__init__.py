"""The knowledge graph: RDF vocabulary, graph building, store, queries and gap analysis."""
