"""The `section` spider: link rules (newsbot.listing) alone, then crawls of the WordPress
republisher replica (the seed page end to end) and of the RT replica, in subprocesses."""

from __future__ import annotations


import pytest
from parsel import Selector

from conftest import crawl
from newsbot.listing import is_article_url, next_page_url
from newsbot.record import schema_errors
from newsbot.replica import ReplicaServer
from newsbot.replica.wordpress import WordPressSite, expected_records, seed_post
from newsbot.spiders.section import SectionSpider, _template_match
from test_wordpress_site import noise, strings

SECTION = "https://blog.example/category/russia-fsu/"


@pytest.mark.parametrize("url", [
    "https://blog.example/2024/12/06/putin-appoints-new-governor-in-kursk/",
    "https://www.blog.example/2024/12/06/putin-appoints-new-governor/",
    "https://blog.example/news/2024/12/6/kursk/",
    "https://blog.example/putin-appoints-new-governor-in-kursk/",
    "https://blog.example/608821-putin-kursk/",
    "https://blog.example/category/russia-fsu/kursk-governor/",
    "https://blog.example/?p=18342",
])
def test_article_links(url):
    assert is_article_url(url, SECTION)


@pytest.mark.parametrize("url", [
    SECTION,
    "https://blog.example/category/russia-fsu/page/2/",
    "https://blog.example/category/world/",
    "https://blog.example/tag/putin-and-the-kremlin/",
    "https://blog.example/author/admin/",
    "https://blog.example/feed/",
    "https://blog.example/2024/12/06/putin-appoints-new-governor-in-kursk/feed/",
    "https://blog.example/wp-content/uploads/2024/12/a-b-c.jpg",
    "https://blog.example/about-us-and-our-team/",
    "https://blog.example/contact/",
    "https://blog.example/",
    "https://blog.example/?s=putin",
    "https://blog.example/2024/12/06/putin-appoints-new-governor-in-kursk/?share=telegram",
    "https://other.example/2024/12/06/putin-appoints-new-governor-in-kursk/",
    "mailto:desk@blog.example",
])
def test_not_article_links(url):
    assert not is_article_url(url, SECTION)


@pytest.mark.parametrize("markup, expected", [
    ('<link rel="next" href="/category/x/page/2/"><a href="/category/x/page/3/">3</a>', "/category/x/page/2/"),
    ('<a class="next page-numbers" rel="next" href="/page/2/">Next »</a>', "/page/2/"),
    ('<div class="nav-previous"><a href="/page/2/">Older posts</a></div>', "/page/2/"),
    ('<a href="/page/2/"><span class="pagination-icon"></span>Предыдущие записи</a>', "/page/2/"),
    ('<li class="the-next-page"><a href="/category/x/page/2/">»</a></li>', "/category/x/page/2/"),
    ('<a href="/category/x/page/2/">2</a><a href="/category/x/page/3/">3</a>', "/category/x/page/2/"),
    ('<a href="/category/x/">1</a><a href="/about/">More</a>', None),
])
def test_next_page(markup, expected):
    found = next_page_url(Selector(text=f"<html><body>{markup}</body></html>"), "https://blog.example/category/x/")
    assert found == (f"https://blog.example{expected}" if expected else None)


def test_next_page_counts_from_the_current_page():
    page = Selector(text='<a href="/category/x/">1</a><a href="/category/x/page/3/">3</a>')
    assert next_page_url(page, "https://blog.example/category/x/page/2/") == "https://blog.example/category/x/page/3/"


def test_section_slug_read_through_a_module_template():
    assert _template_match("/{section}/", "/russia/") == "russia"
    assert _template_match("/category/{section}/", "/category/russia-fsu/") == "russia-fsu"
    assert _template_match("/{section}/", "/category/russia-fsu/") is None


def test_section_spider_needs_a_url():
    for bad in (None, "", "russia", "ftp://blog.example/x/"):
        with pytest.raises(ValueError, match="url=SECTION_URL"):
            SectionSpider(url=bad)


# -- end to end: the WordPress republisher, the seed page among its posts ----------------------------

@pytest.fixture(scope="module")
def wordpress_site() -> WordPressSite:
    return WordPressSite.from_replica()


@pytest.fixture(scope="module")
def wordpress(wordpress_site):
    with ReplicaServer(wordpress_site) as server:
        yield server


@pytest.fixture(scope="module")
def result(wordpress, tmp_path_factory):
    output = tmp_path_factory.mktemp("section") / "russia-fsu.jsonl"
    return crawl("section", output, {"url": f"{wordpress.base_url}/category/russia-fsu/"})


@pytest.fixture(scope="module")
def truth(wordpress_site):
    return {record["id"]: record for record in expected_records(wordpress_site)}


def test_crawl_finishes_cleanly(result):
    assert result.returncode == 0, result.log[-3000:]
    assert "'finish_reason': 'finished'" in result.log
    assert "newsbot/errors" not in result.log
    assert "site module 'wordpress', site origin https://novosti-mira.example" in result.log


def test_every_post_of_the_category_once_and_nothing_else(result, truth, wordpress, wordpress_site):
    assert sorted(item["id"] for item in result.items) == sorted(truth)
    posts = {post.path for post in wordpress_site.posts}
    fetched = {path for path in wordpress.hits if path in posts}
    assert fetched == {post.path for post in wordpress_site.category_posts("russia-fsu")}  # not the sidebar's
    assert all(wordpress.hits[path] == 1 for path in fetched)
    assert {wordpress.hits[f"/category/russia-fsu/{page}"] for page in ("", "page/2/", "page/3/")} == {1}


def test_every_item_matches_the_schema(result):
    for item in result.items:
        assert schema_errors(item) == [], item["url"]


@pytest.mark.parametrize("field", ["canonical_url", "section", "section_name", "headline", "summary", "authors",
                                   "published_at", "modified_at", "image", "tags", "related", "source_url"])
def test_fields_exact(result, truth, field):
    for item in result.items:
        assert item[field] == truth[item["id"]][field], (item["url"], field)


def test_body_is_the_originals_text(result, truth):
    for item in result.items:
        # word for word; a <br><br> inside one feed paragraph may split it in two
        assert item["body"].split() == truth[item["id"]]["body"].split(), item["url"]


def test_seed_page_end_to_end(result):
    seed = next(item for item in result.items if item["url"].endswith(seed_post().path))
    assert seed["headline"] == "Russia urges India and Pakistan to exercise restraint"
    assert seed["summary"] == ("Moscow has called for de-escalation after New Delhi attacked alleged terrorist "
                               "facilities across the border")
    assert seed["image"]["caption"] == ("FILE PHOTO: An Indian Border Security Forces patrol near the Line of "
                                        "Control in North Kashmir, May 4, 2025.")
    assert seed["image"]["credit"] == "Nasir Kachroo / NurPhoto via Getty Images"
    assert seed["source_url"] == "https://www.rt.com/russia/617046-russia-india-pakistan-restraint/"
    teaser = "India-Pakistan standoff deepens after Kashmir attack: Key developments"
    assert [entry["headline"] for entry in seed["related"]] == [teaser]
    assert all(teaser not in text for name, value in seed.items() if name != "related" for text in strings(value))


def test_no_noise_in_any_field(result):
    for item in result.items:
        for name, value in item.items():
            if name in ("provenance", "section_name"):
                continue
            for text in strings(value):
                assert noise(text) is None, (item["url"], name, noise(text))


def test_provenance_names_the_text_rules(result):
    for item in result.items:
        layers = item["provenance"]
        assert layers["summary"] == layers["source_url"] == layers["image.credit"] == "text", item["url"]
        assert layers["headline"] == "json-ld" and layers["body"] == "selector"


# -- end to end: the RT replica through `section`, and the copies against their originals ------------

@pytest.mark.slow
def test_rt_section_then_copies_hold_the_originals_text(replica, result, tmp_path):
    originals = crawl("section", tmp_path / "rt.jsonl", {"url": f"{replica.base_url}/russia/"})
    assert originals.returncode == 0, originals.log[-3000:]
    assert "site module 'rt', site origin https://www.rt.com, section 'russia'" in originals.log
    by_url = {item["canonical_url"]: item for item in originals.items}
    assert len(by_url) == 32 and all(item["id"].startswith("rt:") for item in by_url.values())
    copies = [item for item in result.items if item["source_url"] in by_url]
    assert len(copies) == 16  # every copy but the seed's, whose original the RT replica lacks
    for copy in copies:
        original = by_url[copy["source_url"]]
        for field in ("headline", "summary", "body", "related", "tags"):
            assert copy[field] == original[field], (copy["url"], field)
        assert {k: copy["image"][k] for k in ("caption", "credit")} == \
            {k: original["image"][k] for k in ("caption", "credit")}
