"""Bot walls: challenge, CAPTCHA and block pages are recognised, counted and never parsed."""

from __future__ import annotations

import gzip

import pytest
from conftest import ROOT
from hypothesis import given, settings, strategies as st
from scrapy.http import HtmlResponse, Request, TextResponse
from scrapy.utils.test import get_crawler

from newsbot.botwall import BotWallError, BotWallMiddleware, detect_bot_wall
from newsbot.replica import ReplicaSite, listing_path
from newsbot.replica.pages import CHALLENGE_PAGE
from newsbot.spiders.rt import RtSpider

URL = "https://www.rt.com/russia/608821-putin-kursk-governor-khinshtein/"
REAL_PAGES = ROOT.parent / "shared" / "benchmarks" / "article-extraction" / "html"  # real news pages, many sites
LONG_TEXT = "<p>" + "Russian officials said on Friday that the talks would continue next week. " * 20 + "</p>"


def response(body: str, status: int = 200, url: str = URL) -> HtmlResponse:
    return HtmlResponse(url, status=status, body=body.encode(), encoding="utf-8")


def page(body_html: str, title: str = "News") -> str:
    return f"<!DOCTYPE html><html><head><title>{title}</title></head><body>{body_html}</body></html>"


# Bodies the vendors serve (abridged from the real pages).
WALLS = {
    "cloudflare": (403, CHALLENGE_PAGE),
    "datadome": (403, page('<script src="https://ct.captcha-delivery.com/c.js"></script>'
                           '<iframe src="https://geo.captcha-delivery.com/captcha/?initialCid=x"></iframe>')),
    "perimeterx": (403, page('<div id="px-captcha"></div><p>Press &amp; Hold to confirm you are a human</p>',
                             "Access to this page has been denied")),
    "incapsula": (200, page('<iframe src="/_Incapsula_Resource?SWUDNSAI=31&xinfo=1"></iframe>'
                            "<p>Request unsuccessful. Incapsula incident ID: 1234-5678</p>")),
    "recaptcha": (429, page('<form><div class="g-recaptcha" data-sitekey="k"></div></form>', "Too many requests")),
    "hcaptcha": (200, page('<script src="https://hcaptcha.com/1/api.js"></script><div class="h-captcha"></div>')),
    "javascript-check": (503, page("<noscript>Please enable JavaScript to continue.</noscript>")),
    "captcha": (200, page("<h1>Verify you are human</h1><p>Complete the security check to access the site.</p>")),
}


@pytest.mark.parametrize("vendor", WALLS)
def test_walls_are_recognised_with_their_vendor(vendor):
    status, body = WALLS[vendor]
    wall = detect_bot_wall(response(body, status))
    assert wall is not None and (wall.vendor, wall.status) == (vendor, status)


def test_the_cloudflare_challenge_is_a_wall_even_with_status_200():
    assert detect_bot_wall(response(CHALLENGE_PAGE, 200)).vendor == "cloudflare"


def test_the_scripts_vendors_inject_into_normal_pages_do_not_make_a_wall():
    protected = page(f"<h1>Talks</h1>{LONG_TEXT}"
                     "<script src=\"/cdn-cgi/challenge-platform/scripts/jsd/main.js\"></script>"
                     "<script src=\"/_Incapsula_Resource?SWJIYLWA=719d34d31c8e3a6e6fffd425f7e032f3\"></script>"
                     "<script src=\"https://js.datadome.co/tags.js\"></script>")
    assert detect_bot_wall(response(protected)) is None
    assert detect_bot_wall(response(protected, 403)) is None  # a plain 403 stays an HTTP error


def test_a_captcha_in_an_articles_comment_form_is_not_a_wall():
    article = page(f'<h1>Talks</h1>{LONG_TEXT}<form class="comments"><div class="g-recaptcha"></div></form>'
                   "<noscript>Please enable JavaScript to view the comments.</noscript>")
    assert detect_bot_wall(response(article)) is None
    assert detect_bot_wall(response(article, 403)).vendor == "recaptcha"  # a block status changes that


@pytest.mark.parametrize("status, body", [
    (404, page("<h1>Page not found</h1>")),
    (429, page("<h1>Too Many Requests</h1>")),  # an honest rate limit: retried, not a wall
    (503, page("<h1>Service Unavailable</h1>")),
    (200, ""),
])
def test_ordinary_error_pages_are_not_walls(status, body):
    assert detect_bot_wall(response(body, status)) is None


def test_only_html_pages_are_read_for_challenge_hints():
    feed = TextResponse(URL, status=200, body=b"<rss><channel><title>Enable JavaScript to continue</title></channel></rss>")
    assert detect_bot_wall(feed) is None


def test_no_page_of_the_replica_is_taken_for_a_wall():
    site = ReplicaSite.from_feed()
    paths = ["/", "/russia/", "/rss/russia/", listing_path("russia", 8, 1), "/about-us/", "/nowhere/"]
    paths += [article.path for article in site.articles] + [article.path + "amp/" for article in site.articles[:5]]
    for path in paths:
        status, content_type, body = site.get(path)
        served = HtmlResponse(f"https://www.rt.com{path}", status=status, body=body, encoding="utf-8")
        assert detect_bot_wall(served) is None, path


@pytest.mark.skipif(not REAL_PAGES.is_dir(), reason="needs shared/benchmarks beside the repository")
def test_no_real_news_page_is_taken_for_a_wall():
    pages = sorted(REAL_PAGES.glob("*.html.gz"))
    assert len(pages) >= 50
    for path in pages:
        served = HtmlResponse("https://example.org/news/1", body=gzip.decompress(path.read_bytes()), encoding="utf-8")
        assert detect_bot_wall(served) is None, path.name


def test_drifted_replica_pages_are_not_walls_and_challenge_pages_are():
    drifted = ReplicaSite.from_feed(mode="drifted")
    status, _, body = drifted.get(drifted.articles[0].path)
    assert detect_bot_wall(HtmlResponse(URL, status=status, body=body)) is None
    status, _, body = ReplicaSite.from_feed(mode="challenge").get("/russia/")
    assert status == 403 and detect_bot_wall(HtmlResponse(URL, status=status, body=body)).vendor == "cloudflare"


@settings(max_examples=50, deadline=None)
@given(st.sampled_from(sorted(WALLS)), st.text(max_size=300))
def test_a_wall_stays_a_wall_whatever_text_surrounds_its_markers(vendor, noise):
    status, body = WALLS[vendor]
    noisy = body.replace("<body>", f"<body><p>{noise.replace('<', ' ')}</p>", 1) if "<body>" in body else body
    assert detect_bot_wall(response(noisy, status)) is not None


def test_the_middleware_counts_logs_and_drops_the_wall(caplog):
    crawler = get_crawler(RtSpider)
    middleware = BotWallMiddleware.from_crawler(crawler)
    request = Request(URL)
    normal = response(page(LONG_TEXT))
    assert middleware.process_response(request, normal) is normal
    with pytest.raises(BotWallError) as raised:
        middleware.process_response(request, response(CHALLENGE_PAGE, 403))
    assert raised.value.wall.vendor == "cloudflare"
    assert crawler.stats.get_value("newsbot/errors/bot_wall") == 1
    assert crawler.stats.get_value("newsbot/bot_wall/cloudflare") == 1
    assert any(record.levelname == "ERROR" and URL in record.getMessage() for record in caplog.records)
