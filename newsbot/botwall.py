"""Bot walls: challenge, CAPTCHA and block pages are recognised before any spider sees them.

A wall page is neither an article nor an empty section: parsing it would write a junk record
or report a healthy site as empty. The middleware counts it as ``newsbot/errors/bot_wall``
(and ``newsbot/bot_wall/<vendor>``), logs the URL as an ERROR and drops the response with
:class:`BotWallError`, so the run report and the monitors say "bot wall", not "no articles".

Why not the ``is-antibot`` package: it tells whether a site *uses* a protection vendor (a
Cloudflare cookie, an Akamai header are on every normal page too), not whether *this response*
is the wall itself, which is what a crawler must know.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Response, TextResponse

logger = logging.getLogger(__name__)

# Statuses that walls answer with; a wall marker on these is enough.
BLOCK_STATUSES = frozenset({403, 429, 503})
# Lower-case markers that only the wall page itself carries. Not the scripts that vendors inject
# into every normal page of a protected site (Cloudflare's /cdn-cgi/challenge-platform/scripts/jsd/,
# Imperva's /_Incapsula_Resource script, DataDome's tags.js): those say nothing about this page.
WALL_MARKERS: tuple[tuple[str, tuple[bytes, ...]], ...] = (
    ("cloudflare", (b"<title>just a moment...</title>", b"window._cf_chl_opt", b"/orchestrate/chl_page/",
                    b"/orchestrate/managed/", b"/orchestrate/jsch/", b"cf-chl-", b"attention required! | cloudflare",
                    b"cf-error-details")),
    ("datadome", (b"captcha-delivery.com",)),
    ("perimeterx", (b"px-captcha", b"_pxcaptcha", b"press &amp; hold to confirm", b"press & hold to confirm")),
    ("incapsula", (b"incapsula incident id", b"request unsuccessful. incapsula")),
    ("akamai", (b"errors.edgesuite.net",)),
)
# Markers that a normal page may also carry (a comment form's reCAPTCHA, a <noscript> hint):
# they mean a wall only on a block status or on a page with almost no text.
CHALLENGE_HINTS: tuple[tuple[str, tuple[bytes, ...]], ...] = (
    ("recaptcha", (b"g-recaptcha", b"google.com/recaptcha/", b"recaptcha/api.js")),
    ("hcaptcha", (b"h-captcha", b"hcaptcha.com/1/api.js")),
    ("turnstile", (b"cf-turnstile", b"challenges.cloudflare.com/turnstile")),
    ("aws-waf", (b"awswafintegration", b".token.awswaf.com")),
    ("javascript-check", (b"enable javascript and cookies to continue", b"enable javascript to continue",
                          b"enable javascript to proceed", b"enable javascript to view", b"javascript is required",
                          b"requires javascript to be enabled", b"checking if the site connection is secure",
                          b"checking your browser")),
    ("captcha", (b"verify you are human", b"verify that you are human", b"verify you are a human",
                 b"are you a robot", b"complete the security check", b"unusual traffic from your computer",
                 b"<title>access denied</title>")),
)
# A page with less visible text than this cannot be an article page.
THIN_PAGE_CHARS = 600
# Wall pages are small (Cloudflare's challenge ~10-30 KB, the others a few KB); article pages
# mostly are not. Bigger bodies are not searched: it would cost milliseconds on every page.
MAX_WALL_BYTES = 96 * 1024


@dataclass(frozen=True)
class BotWall:
    vendor: str  # who built the wall: cloudflare, datadome, recaptcha, javascript-check, ...
    status: int

    def __str__(self) -> str:
        return f"{self.vendor} challenge/block page (HTTP {self.status})"


class BotWallError(IgnoreRequest):
    """The response was a bot wall; already counted and logged by :class:`BotWallMiddleware`."""

    def __init__(self, wall: BotWall, url: str):
        super().__init__(f"{wall}: {url}")
        self.wall = wall


def _first_match(markers, lowered: bytes) -> str | None:
    return next((vendor for vendor, needles in markers if any(needle in lowered for needle in needles)), None)


def _visible_text_length(response: HtmlResponse) -> int:
    texts = response.xpath("//body//text()[not(ancestor::script or ancestor::style or ancestor::noscript)]").getall()
    return sum(len(text.strip()) for text in texts)


def detect_bot_wall(response: Response) -> BotWall | None:
    """The wall ``response`` is, or None for an ordinary page (or an ordinary error page)."""
    if not isinstance(response, TextResponse) or not response.body or len(response.body) > MAX_WALL_BYTES:
        return None
    lowered = response.body.lower()  # substring tests: a regex per marker costs ms on a 200 KB page
    if vendor := _first_match(WALL_MARKERS, lowered):
        return BotWall(vendor, response.status)
    vendor = _first_match(CHALLENGE_HINTS, lowered) if isinstance(response, HtmlResponse) else None
    if vendor and (response.status in BLOCK_STATUSES or _visible_text_length(response) < THIN_PAGE_CHARS):
        return BotWall(vendor, response.status)
    return None


class BotWallMiddleware:
    """Downloader middleware: stops wall pages before retries, spiders and pipelines."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_response(self, request, response):
        wall = detect_bot_wall(response)
        if wall is None:
            return response
        stats = self.crawler.stats
        stats.inc_value("newsbot/errors/bot_wall")
        stats.inc_value(f"newsbot/bot_wall/{wall.vendor}")
        logger.error("bot_wall: %s (%s)", request.url, wall)
        raise BotWallError(wall, request.url)
