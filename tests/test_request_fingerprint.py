"""The canonical request fingerprint: what Scrapy's duplicate filter (and the shared one) compares."""

from scrapy import Request
from scrapy.utils.test import get_crawler

from newsbot.request_fingerprint import CanonicalRequestFingerprinter
from newsbot.spiders.rt import RtSpider

ARTICLE = "https://www.rt.com/russia/608821-putin-kursk-governor-khinshtein/"


def fingerprinter() -> CanonicalRequestFingerprinter:
    crawler = get_crawler(RtSpider)
    crawler.spider = RtSpider.from_crawler(crawler)
    return CanonicalRequestFingerprinter.from_crawler(crawler)


def test_url_variants_of_one_article_are_one_request():
    of = fingerprinter().fingerprint
    variants = (ARTICLE + "?utm_source=rss&utm_medium=rss", ARTICLE + "#comments", ARTICLE + "amp/",
                ARTICLE.replace("www.rt.com", "rtrunews.com"), ARTICLE.rstrip("/"))
    assert {of(Request(url)) for url in variants} == {of(Request(ARTICLE))}
    # an article request is known by the canonical URL the spider gave it, wherever it is fetched
    assert of(Request("http://127.0.0.1:8000/russia/608821-x/", meta={"canonical_url": ARTICLE})) == of(Request(ARTICLE))
    assert of(Request("https://www.rt.com/russia/608815-musk-russia/")) != of(Request(ARTICLE))


def test_a_redirect_is_never_taken_for_a_repeat_of_the_request_it_answers():
    of = fingerprinter().fingerprint
    original = Request(ARTICLE, meta={"canonical_url": ARTICLE})
    hop = original.replace(url=ARTICLE + "?page=2", meta={"canonical_url": ARTICLE, "redirect_urls": [ARTICLE]})
    back = original.replace(meta={"canonical_url": ARTICLE, "redirect_urls": [ARTICLE, ARTICLE + "?page=2"]})
    assert len({of(original), of(hop), of(back)}) == 3  # a loop reaches the redirect middlewares, which report it
