"""Extraction: a page parsed once, then fields in layers (structured data, site selectors, generic)."""

from newsbot.extract.article import extract_article
from newsbot.extract.page import Page

__all__ = ["Page", "extract_article"]
