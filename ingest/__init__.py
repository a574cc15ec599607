"""Read normative texts, segment them into clauses and extract what they state."""
from ingest.records import Clause, Document, GradeLevel, Reference, Source, Term

__all__ = ["Clause", "Document", "GradeLevel", "Reference", "Source", "Term"]
