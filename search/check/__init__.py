"""The draft check: legal-text analysis of a draft against the corpus (duplicate, overlap,
conflict per clause), on top of any `Retriever`."""
from search.check.checker import (KINDS, CheckStopped, ClauseCheck, DraftChecker, Finding, Judged, candidate_retriever,
                                  skipped, summary)
from search.check.judge import Judge, JudgeMissing

__all__ = ["KINDS", "CheckStopped", "ClauseCheck", "DraftChecker", "Finding", "Judge", "JudgeMissing", "Judged",
           "candidate_retriever", "skipped", "summary"]
