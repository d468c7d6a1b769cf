import pytest

from newsbot.sites import get_site, site_for_url
from newsbot.urls import canonicalize, rebase, strip_tracking

RT = get_site("rt")
ARTICLE = "https://www.rt.com/russia/608821-putin-kursk-governor-khinshtein/"


@pytest.mark.parametrize("variant", [
    ARTICLE,
    ARTICLE + "?utm_source=rss&utm_medium=rss&utm_campaign=RSS",
    ARTICLE + "#comments",
    ARTICLE + "amp/",
    "https://www.rt.com/russia/608821-putin-kursk-governor-khinshtein",
    "http://rt.com/russia/608821-putin-kursk-governor-khinshtein/?fbclid=abc",
    "https://rtrunews.com/russia/608821-putin-kursk-governor-khinshtein/?gclid=1",
    "https://WWW.RT.COM:443/russia/608821-putin-kursk-governor-khinshtein/",
])
def test_every_variant_of_an_rt_article_has_one_canonical_url(variant):
    assert RT.canonical(variant) == ARTICLE


def test_meaningful_query_parameters_survive_in_order():
    assert strip_tracking("b=2&utm_source=x&a=1&fbclid=y") == "b=2&a=1"
    assert canonicalize("https://example.com/a?id=7&utm_medium=m") == "https://example.com/a?id=7"


def test_rt_article_pattern_and_id():
    assert RT.article_match(ARTICLE).group("section") == "russia"
    assert RT.article_id(ARTICLE) == "rt:608821"
    for not_article in ("https://www.rt.com/russia/", "https://www.rt.com/trends/kursk/",
                        "https://www.rt.com/in-vision/12345-gallery/", "https://www.rt.com/about-us/"):
        assert RT.article_match(not_article) is None


def test_site_lookup_by_host_includes_mirrors():
    assert site_for_url("https://runewsrt.com/news/1-a/") is RT
    assert site_for_url("https://example.com/news/1-a/") is None


def test_rebase_keeps_path_and_query_under_another_origin():
    assert rebase(ARTICLE + "?x=1", "http://127.0.0.1:8080") == \
        "http://127.0.0.1:8080/russia/608821-putin-kursk-governor-khinshtein/?x=1"


# -- percent-encoding (issue 10): an IRI and its escaped forms, either case, are one URL --

CYRILLIC = "https://пример.рф/новости/статья-1/?q=да"
ESCAPED = ("https://xn--e1afmkfd.xn--p1ai/%D0%BD%D0%BE%D0%B2%D0%BE%D1%81%D1%82%D0%B8/"
           "%D1%81%D1%82%D0%B0%D1%82%D1%8C%D1%8F-1/?q=%D0%B4%D0%B0")


@pytest.mark.parametrize("spelling", [CYRILLIC, ESCAPED, ESCAPED.lower(), ESCAPED.replace("%D0%BD", "%d0%bd")])
def test_an_iri_and_its_percent_encoded_forms_are_one_url(spelling):
    assert canonicalize(spelling) == ESCAPED


def test_unreserved_escapes_are_unescaped_and_reserved_ones_kept():
    assert canonicalize("https://example.com/%7Euser/a%2fb") == "https://example.com/~user/a%2Fb"
