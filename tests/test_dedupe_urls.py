"""The first duplicate layer: every spelling of an article's URL has one canonical form, before
any request. (tests/test_urls.py has the common variants; these are the rest.)"""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsbot.sites import get_site
from newsbot.urls import canonicalize

RT = get_site("rt")
ARTICLE = "https://www.rt.com/russia/608821-putin-kursk-governor-khinshtein/"
PATH = "/russia/608821-putin-kursk-governor-khinshtein/"


@pytest.mark.parametrize("variant", [
    ARTICLE + "?amp=1",
    ARTICLE + "?outputType=amp",
    ARTICLE[:-1] + ".amp",
    ARTICLE + "amp",
    ARTICLE + "#!/comments",
    ARTICLE + "?UTM_SOURCE=a&Fbclid=b&gclid=c&_ga=d&mc_cid=e#top",
    "https://www.rt.com//russia//608821-putin-kursk-governor-khinshtein/",
    "https://amp.rt.com" + PATH,  # an AMP subdomain of a known host
    "https://www.rtrunews.com" + PATH,  # a mirror's www. form
    "https://www-rt-com.cdn.ampproject.org/c/s/www.rt.com" + PATH,  # Google's AMP cache
    "https://rurtnews-com.cdn.ampproject.org/v/s/rurtnews.com" + PATH + "amp/?amp_js_v=0.1&usqp=mq331AQ",
])
def test_amp_mirror_and_tracking_variants_of_an_rt_article(variant):
    assert RT.canonical(variant) == ARTICLE


def test_amp_cache_of_an_http_page_keeps_http_and_meaningful_query():
    assert canonicalize("https://example-org.cdn.ampproject.org/c/example.org/story?id=7&utm_medium=x") == \
        "http://example.org/story?id=7"


def test_unknown_hosts_are_not_mapped():
    assert RT.canonical("https://amp.example.com" + PATH) == "https://amp.example.com" + PATH
    assert RT.canonical("https://www.rt.com.evil.example" + PATH).startswith("https://www.rt.com.evil.example/")


@pytest.mark.parametrize("trailing_slash, url, expected", [
    (True, "https://example.com/news/story", "https://example.com/news/story/"),
    (True, "https://example.com/feed.xml", "https://example.com/feed.xml"),  # a file keeps its name
    (False, "https://example.com/news/story/?id=1", "https://example.com/news/story?id=1"),
    (None, "https://example.com/news/story/", "https://example.com/news/story/"),
])
def test_trailing_slash_as_the_site_uses_it(trailing_slash, url, expected):
    assert canonicalize(url, trailing_slash=trailing_slash) == expected


tracking = st.dictionaries(st.sampled_from(["utm_source", "utm_campaign", "fbclid", "gclid", "_ga", "mc_eid"]),
                           st.text("abcxyz019", min_size=1, max_size=6), max_size=4)
fragment = st.one_of(st.just(""), st.text("abc!/-", min_size=1, max_size=8).map(lambda text: "#" + text))


@given(tracking, fragment, st.sampled_from(["www.rt.com", "rt.com", "rtrunews.com", "www.runewsrt.com"]),
       st.sampled_from(["https", "http"]), st.booleans())
def test_canonical_form_is_unique_and_stable(params, frag, host, scheme, amp):
    query = "&".join(f"{key}={value}" for key, value in params.items())
    url = f"{scheme}://{host}{PATH}{'amp/' if amp else ''}{'?' + query if query else ''}{frag}"
    canonical = RT.canonical(url)
    assert canonical == ARTICLE
    assert RT.canonical(canonical) == canonical
