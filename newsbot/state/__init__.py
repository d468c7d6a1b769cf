"""What newsbot remembers between runs (with NEWSBOT_STATE) and within one: exported articles,
claims of running crawls, content fingerprints and the near-duplicate index."""

from newsbot.state.extension import StateExtension
from newsbot.state.fingerprint import ContentPrint, Fingerprinter
from newsbot.state.ledger import Candidate, Ledger, Verdict
from newsbot.state.sqlite import SqliteStore
from newsbot.state.store import ArticleStore, ClaimConflict, Entry, StateError, open_store

__all__ = ["ArticleStore", "Candidate", "ClaimConflict", "ContentPrint", "Entry", "Fingerprinter", "Ledger",
           "SqliteStore", "StateError", "StateExtension", "Verdict", "open_store"]
