"""URL canonicalisation: one spelling per article, before any request is made."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Parameters that identify a campaign or a click, never the page.
TRACKING_PARAM = re.compile(
    r"^(utm_[a-z_]+|fbclid|gclid|gclsrc|dclid|gbraid|wbraid|msclkid|yclid|twclid|igshid|"
    r"mc_cid|mc_eid|_ga|_gl|_hsenc|_hsmi|mkt_tok|ocid|cmpid|ref_src|ref_url|rss|spm|"
    r"vero_id|oly_enc_id|oly_anon_id|wt_mc|__twitter_impression)$",
    re.IGNORECASE,
)
AMP_PATH = re.compile(r"/amp/?$|\.amp$")
AMP_PARAM = re.compile(r"^(amp|outputType)$", re.IGNORECASE)


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
    variants, maps mirror hosts through ``host_map`` (which also upgrades them to https), and
    with ``trailing_slash`` set forces the path to end (True) or not end (False) with "/".
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower() or "https"
    host = (parts.hostname or "").lower()
    port = parts.port if parts.port not in (None, 80, 443) else None
    if host_map and host in host_map:
        host, scheme, port = host_map[host], "https", None
    path = AMP_PATH.sub("/", parts.path) or "/"
    path = re.sub(r"/{2,}", "/", path)
    if trailing_slash is True and not path.endswith("/") and "." not in path.rsplit("/", 1)[-1]:
        path += "/"
    elif trailing_slash is False and path != "/":
        path = path.rstrip("/")
    netloc = f"{host}:{port}" if port else host
    return urlunsplit((scheme, netloc, path, strip_tracking(parts.query), ""))


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def rebase(url: str, base: str) -> str:
    """The same path and query under another origin (how the crawl targets a replica or mirror)."""
    parts = urlsplit(url)
    target = urlsplit(base)
    return urlunsplit((target.scheme, target.netloc, parts.path, parts.query, ""))
