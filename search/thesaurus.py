"""Query expansion from a thesaurus: the field's abbreviations and everyday words (SKOS altLabels
in corpus/framework/thesaurus.ttl) and the terms that ingested standards define (英文术语,
又称/简称 in a definition) lead to the preferred term, which is added to the query of both
retrievers. Built with the index and stored beside it (`thesaurus.json`)."""
from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ingest.errors import InvalidInput
from ingest.normalise import matching_form
from ingest.records import Document

FILE = "thesaurus.json"
# "又称养老院", "简称“低保”" inside a definition: another name of the defined term
_OTHER_NAME = re.compile(r"(?:又称|也称|亦称|简称|俗称)[：:]?\s*[“\"「《]?([\u4e00-\u9fffA-Za-z]{2,12})")


@dataclass
class Thesaurus:
    """Alternative label (matching form) -> the preferred labels it stands for."""

    labels: dict[str, set[str]] = field(default_factory=dict)
    _order: list[str] = field(default_factory=list, repr=False, compare=False)   # labels, longest first

    def add(self, alternative: str, preferred: str) -> None:
        alt, pref = matching_form(alternative).strip().lower(), matching_form(preferred).strip()
        if len(alt) >= 2 and pref and alt != pref.lower():
            self.labels.setdefault(alt, set()).add(pref)

    def expansion(self, query: str) -> list[str]:
        """Preferred terms for the alternative labels in a (normalised) query that it does not name itself."""
        lowered = query.lower()
        found: list[str] = []
        if len(self._order) != len(self.labels):
            self._order = sorted(self.labels, key=len, reverse=True)
        for alt in self._order:
            if alt in lowered:
                found.extend(p for p in sorted(self.labels[alt]) if p.lower() not in lowered and p not in found)
        return found

    def expand(self, query: str) -> str:
        extra = self.expansion(query)
        return f"{query} {' '.join(extra)}" if extra else query

    # ---- building and storing -------------------------------------------------------------
    @classmethod
    def from_skos(cls, path: Path) -> Thesaurus:
        import rdflib
        from rdflib.namespace import SKOS

        graph = rdflib.Graph()
        try:
            graph.parse(path, format="turtle")
        except (OSError, SyntaxError, ValueError) as exc:   # rdflib raises BadSyntax (a SyntaxError)
            raise InvalidInput(f"the thesaurus {path} cannot be read ({exc}); fix the Turtle or remove the file") from exc
        out = cls()
        for concept in set(graph.subjects(SKOS.prefLabel, None)):
            preferred = [str(label) for label in graph.objects(concept, SKOS.prefLabel)]
            for alt in graph.objects(concept, SKOS.altLabel):
                for pref in preferred:
                    out.add(str(alt), pref)
        return out

    @classmethod
    def from_documents(cls, documents: Iterable[Document]) -> Thesaurus:
        out = cls()
        for doc in documents:
            for term in doc.terms:
                if term.english:
                    out.add(term.english, term.term)
                for m in _OTHER_NAME.finditer(term.definition):
                    out.add(m.group(1), term.term)
        return out

    def merge(self, other: Thesaurus) -> Thesaurus:
        for alt, prefs in other.labels.items():
            self.labels.setdefault(alt, set()).update(prefs)
        return self

    def save(self, directory: Path) -> None:
        body = {alt: sorted(prefs) for alt, prefs in sorted(self.labels.items())}
        (directory / FILE).write_text(json.dumps(body, ensure_ascii=False, indent=0), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> Thesaurus:
        """The thesaurus stored with an index (an index built without one expands nothing)."""
        path = directory / FILE
        if not path.exists():
            return cls()
        return cls({alt: set(prefs) for alt, prefs in json.loads(path.read_text(encoding="utf-8")).items()})


def build_thesaurus(documents: Iterable[Document], skos_file: Path | None) -> Thesaurus:
    """The field's thesaurus (when the file exists) merged with the terms the documents define."""
    base = Thesaurus.from_skos(skos_file) if skos_file is not None and skos_file.exists() else Thesaurus()
    return base.merge(Thesaurus.from_documents(documents))
