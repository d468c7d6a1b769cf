"""URL canonicalisation: one spelling per article, before any request is made."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url, safe_url_string

# Parameters that identify a campaign or a click, never the page.
TRACKING_PARAM = re.compile(
    r"^(utm_[a-z_]+|fbclid|gclid|gclsrc|dclid|gbraid|wbraid|msclkid|yclid|twclid|igshid|"
    r"mc_cid|mc_eid|_ga|_gl|_hsenc|_hsmi|mkt_tok|ocid|cmpid|ref_src|ref_url|rss|spm|"
    r"vero_id|oly_enc_id|oly_anon_id|wt_mc|__twitter_impression|"
    r"amp_js_v|amp_gsa|amp_r|usqp|__amp_source_origin)$",  # the last ones: AMP viewers and caches
    re.IGNORECASE,
)
AMP_PATH = re.compile(r"(?:/amp/?|\.amp)+$")  # repeated: one pass removes all
AMP_PARAM = re.compile(r"^(amp|outputType)$", re.IGNORECASE)
# Google's AMP cache: https://www-example-com.cdn.ampproject.org/c/s/www.example.com/path
AMP_CACHE = re.compile(r"^[^/]+\.cdn\.ampproject\.org/[a-z]+/(?P<secure>s/)?(?P<target>[^/]+.*)$")


def strip_tracking(query: str) -> str:
    """Drop tracking parameters (and AMP switches), keeping the others in their order."""
    kept = [
        (key, value)
        for key, value in parse_qsl(query, keep_blank_values=True)
        if not TRACKING_PARAM.match(key) and not (AMP_PARAM.match(key) and value in ("", "1", "amp", "true"))
    ]
    return urlencode(kept)


def canonicalize(url: str, host_map: dict[str, str] | None = None, *, trailing_slash: bool | None = None) -> str:
    """Return the canonical spelling of ``url``.

    Lower-cases scheme and host, drops default ports, fragments, tracking parameters and AMP
    variants (Google's AMP cache too), maps mirror hosts through ``host_map`` (which also
    upgrades them to https), and
    with ``trailing_slash`` set forces the path to end (True) or not end (False) with "/".
    "" for a blank URL or one whose host or port is malformed (nothing to fetch there).
    """
    try:
        # An IRI and its percent-encoded forms (either case) are one URL: UTF-8 escapes, IDNA host.
        url = url.strip()
        parts = urlsplit(url if url.isascii() else safe_url_string(url))
        port = parts.port if parts.port not in (None, 80, 443) else None
    except ValueError:  # e.g. "http://[::1", "http://host:x/", port 99999
        return ""
    if not any(parts):
        return ""
    if cached := AMP_CACHE.match(f"{parts.hostname or ''}{parts.path}"):
        scheme = "https" if cached["secure"] else "http"
        target = f"{scheme}://{cached['target']}" + (f"?{parts.query}" if parts.query else "")
        return canonicalize(target, host_map, trailing_slash=trailing_slash)
    scheme = parts.scheme.lower() or "https"
    host = (parts.hostname or "").lower()
    if ":" in host:  # an IPv6 address keeps its brackets
        host = f"[{host}]"
    # A known host's www. and amp. forms are the same site.
    known = next((name for name in (host, host.removeprefix("www."), host.removeprefix("amp."))
                  if host_map and name in host_map), None)
    if known:
        host, scheme, port = host_map[known], "https", None
    # Absolute, single slashes, then no AMP suffix (in this order, so one pass is enough).
    path = AMP_PATH.sub("/", re.sub(r"/{2,}", "/", "/" + normalized_path(parts.path)))
    if trailing_slash is True and not path.endswith("/") and "." not in path.rsplit("/", 1)[-1]:
        path += "/"
    elif trailing_slash is False and path != "/":
        path = path.rstrip("/")
    netloc = f"{host}:{port}" if port else host
    # Stripped again: the fragment may have hidden trailing spaces from the first strip.
    return urlunsplit((scheme, netloc, path, strip_tracking(parts.query), "")).strip()


def normalized_path(path: str) -> str:
    """``path`` with w3lib's escaping: upper-case escapes, unreserved characters unescaped
    (``%7E`` -> ``~``), the rest (``%2F`` too) kept escaped."""
    return urlsplit(canonicalize_url(f"http://h/{path.lstrip('/')}")).path


def origin(url: str) -> str:
    """scheme://host[:port] of ``url``; "" when its host is malformed."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    return f"{parts.scheme}://{parts.netloc}"


def rebase(url: str, base: str) -> str:
    """The same path and query under another origin (how the crawl targets a replica or mirror);
    "" when ``url`` is malformed."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    target = urlsplit(base)
    return urlunsplit((target.scheme, target.netloc, parts.path, parts.query, ""))
