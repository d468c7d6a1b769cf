"""Response bodies read as what they are, not as what the server says they are.

Two downloader middlewares:

- ``FalseContentEncodingMiddleware`` drops a ``Content-Encoding: gzip`` (or x-gzip, deflate,
  zstd) whose body is plainly not compressed, so the page is read instead of failing to
  decompress (Scrapy would fail the request with BadGzipFile).
- ``CharsetMiddleware`` re-decodes a text response whose declared charset (HTTP header or
  ``<meta>``) is wrong for its bytes, e.g. windows-1251 or KOI8-R served as UTF-8 or Latin-1.

Scrapy already honours a BOM, then the header, then ``<meta>``, and guesses (charset-normalizer)
only when nothing is declared; it never doubts a declaration. The doubt here is cheap: a body
that is ASCII, or valid UTF-8 declared as UTF-8 (nearly every page), is not examined.
"""

from __future__ import annotations

import logging
import zlib

from charset_normalizer import from_bytes
from scrapy.http import HtmlResponse, Response
from w3lib.encoding import (html_body_declared_encoding, html_to_unicode, http_content_type_encoding, read_bom,
                            resolve_encoding)

from newsbot.middlewares import CountingMiddleware

logger = logging.getLogger(__name__)

# Magic numbers that every gzip and zstd body starts with.
_MAGIC = {"gzip": b"\x1f\x8b", "x-gzip": b"\x1f\x8b", "zstd": b"\x28\xb5\x2f\xfd"}
# A declared legacy charset is replaced only when charset-normalizer finds its text clearly
# garbled next to a clean alternative (KOI8-R read as windows-1251: coherence +0.3); small
# differences are noise (an English page in cp1252 vs cp850: +0.05).
MIN_CHAOS_GAIN = 0.01
MIN_COHERENCE_GAIN = 0.15


def _inflates(data: bytes) -> bool:
    """Whether ``data`` starts a zlib or a raw deflate stream (servers send either as deflate)."""
    for window in (zlib.MAX_WBITS, -zlib.MAX_WBITS):
        try:
            zlib.decompressobj(window).decompress(data, 1)
            return True
        except zlib.error:
            continue
    return False


def looks_uncompressed(body: bytes, coding: str) -> bool:
    """True when ``body`` cannot be in the content coding ``coding`` (brotli, which has no
    signature, is never doubted)."""
    if not body:
        return False
    if coding in _MAGIC:
        return not body.startswith(_MAGIC[coding])
    return coding == "deflate" and not _inflates(body[:4096])


class FalseContentEncodingMiddleware(CountingMiddleware):
    """Before decompression (priority above 590): a false Content-Encoding header is removed,
    counted as ``newsbot/fixed/false_content_encoding`` and logged with the URL."""

    def process_response(self, request, response: Response) -> Response:
        codings = [coding.strip().lower().decode("latin-1")
                   for value in response.headers.getlist("Content-Encoding") for coding in value.split(b",")]
        if len(codings) != 1 or codings[0] in ("", "identity") or not looks_uncompressed(response.body, codings[0]):
            return response
        self.stats.inc_value("newsbot/fixed/false_content_encoding")
        logger.warning("false_content_encoding: %s (says %s, body is not compressed)", response.url, codings[0])
        headers = response.headers.copy()
        del headers["Content-Encoding"]
        return response.replace(headers=headers)


def declared_charset(content_type: str | None, body: bytes) -> str | None:
    """What the page says it is in: the HTTP header, else ``<meta>`` (Python codec name)."""
    declared = http_content_type_encoding(content_type) or html_body_declared_encoding(body)
    return resolve_encoding(declared) if declared else None


def _mostly_utf8(body: bytes) -> bool:
    """Valid UTF-8, or UTF-8 with a few stray bytes (then replacement characters are right)."""
    text = body.decode("utf-8", "replace")
    broken = text.count("\ufffd")
    return broken == 0 or sum(not char.isascii() for char in text) > 2 * broken


def _guess(body: bytes, only: str | None = None):
    """charset-normalizer's best reading of ``body`` (in ``only``, if given). Its preemptive
    mode would trust the page's own <meta charset>, the very claim being checked."""
    return from_bytes(body, cp_isolation=[only] if only else None, preemptive_behaviour=False).best()


def true_charset(content_type: str | None, body: bytes) -> str | None:
    """The charset to decode ``body`` with when its declaration is wrong; None when the
    declaration (or the BOM, or Scrapy's guess for an undeclared page) is right."""
    declared = declared_charset(content_type, body)
    if declared is None or read_bom(body)[0] or body.isascii():
        return None
    if declared == "utf-8":
        if _mostly_utf8(body):
            return None
        best = _guess(body)
        return resolve_encoding(best.encoding) if best else None
    best = _guess(body)
    if best is None or resolve_encoding(best.encoding) == declared:
        return None
    as_declared = _guess(body, declared)
    if as_declared is not None and (as_declared.chaos - best.chaos < MIN_CHAOS_GAIN
                                    or best.coherence - as_declared.coherence < MIN_COHERENCE_GAIN):
        return None
    return resolve_encoding(best.encoding)


def page_text(body: bytes, content_type: str | None = None) -> str:
    """A page's bytes as text: as declared (BOM, header, ``<meta>``), unless the declaration is
    wrong for the bytes; a page stored as valid UTF-8 that declares another charset (a saved copy
    re-encoded, its meta tag left) is read as UTF-8."""
    charset = true_charset(content_type, body)
    declared = declared_charset(content_type, body)
    if charset is None and declared not in (None, "utf-8") and not read_bom(body)[0] and _valid_utf8(body):
        charset = "utf-8"
    if charset is None:
        return html_to_unicode(content_type, body)[1]
    return body.decode(charset, "replace")


def _valid_utf8(body: bytes) -> bool:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not body.isascii() and "\ufffd" not in text


class CharsetMiddleware(CountingMiddleware):
    """After decompression (priority below 590): an HTML response whose declared charset does
    not fit its bytes is re-decoded, counted as ``newsbot/fixed/wrong_charset`` and logged."""

    def process_response(self, request, response: Response) -> Response:
        if not isinstance(response, HtmlResponse):
            return response
        content_type = response.headers.get("Content-Type", b"").decode("latin-1")
        charset = true_charset(content_type, response.body)
        if charset is None:
            return response
        self.stats.inc_value("newsbot/fixed/wrong_charset")
        logger.warning("wrong_charset: %s (declared %s, decoded as %s)", response.url,
                       declared_charset(content_type, response.body), charset)
        return response.replace(encoding=charset)

