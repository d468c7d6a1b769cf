"""Bad input and bad places get one clear line and a non-zero exit: never a traceback, never a
silent success (issue 10: output locations, spider arguments, `newsbot extract`, usage errors)."""

from __future__ import annotations

import subprocess
import sys

import pytest


def newsbot(*arguments: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "newsbot.cli", *arguments], capture_output=True, text=True,
                          timeout=timeout)


def test_run_with_an_unwritable_output_dir_fails_before_crawling(tmp_path):
    blocker = tmp_path / "a-file"  # a directory under a regular file cannot be made, even by root
    blocker.write_text("")
    done = newsbot("run", "rt", "--output-dir", str(blocker / "runs"), "-a", "base_url=http://127.0.0.1:9")
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [f"newsbot run: cannot write to --output-dir {blocker / 'runs'}: "
                                                "Not a directory"]


SITE_MODULE = """
from newsbot.sites.base import Selectors, Site
SITE = Site(name="typo", host="typo.example", selectors=Selectors(headline="h1[", image="img::atr(src)"),
            layers={"sumary": ("selector",), "body": ("selectr", "generic")})
"""


def test_a_site_module_with_typos_fails_when_imported_with_one_error_naming_each(tmp_path):
    (tmp_path / "typo_site.py").write_text(SITE_MODULE)
    done = subprocess.run([sys.executable, "-c", "import typo_site"], cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 1
    [error] = [line for line in done.stderr.splitlines() if line.startswith("ValueError")]
    for problem in ("layers['sumary']: no such field", "no such layer 'selectr'", "selectors.headline 'h1['",
                    "selectors.image 'img::atr(src)'"):
        assert problem in error


def scrapy_crawl(*arguments: str) -> subprocess.CompletedProcess:
    from conftest import CRAWL_ENV, ROOT

    return subprocess.run([sys.executable, "-m", "scrapy", "crawl", *arguments], cwd=ROOT, env=CRAWL_ENV,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("argument, message", [
    ("since=2999-01-01", "since='2999-01-01' is in the future"),
    ("since=yesterday", "since='yesterday' is not a date (expected YYYY-MM-DD or ISO 8601)"),
    ("max_pages=-3", "max_pages='-3' must be positive"),
    ("max_pages=abc", "max_pages='abc' is not a whole number of listing pages"),
    ("base_url=not-a-url", "base_url='not-a-url' is not an http(s) URL"),
    ("sectoin=business", "unknown argument sectoin for spider 'rt'; valid: section, base_url, max_pages, since, "
                         "listing, feeds"),
])
def test_a_bad_spider_argument_is_one_line_and_exit_2(argument, message):
    done = scrapy_crawl("rt", "-a", argument)
    assert done.returncode == 2
    [line] = [line for line in done.stderr.splitlines() if line.startswith("scrapy crawl rt:")]
    assert message in line and "Traceback" not in done.stderr


def test_an_unknown_spider_is_one_line_and_exit_2():
    done = scrapy_crawl("rtt")
    assert done.returncode == 2 and done.stderr.splitlines()[-1] == "scrapy crawl rtt: no spider named 'rtt'; " \
                                                                    "spiders: rt, section"


def test_newsbot_run_checks_spider_arguments_before_crawling(tmp_path):
    done = newsbot("run", "rt", "--output-dir", str(tmp_path), "-a", "max_pages=abc")
    assert done.returncode == 2 and done.stderr.splitlines() == [
        "newsbot run: max_pages='abc' is not a whole number of listing pages"]
    assert not list(tmp_path.iterdir())


def test_a_section_the_module_does_not_list_is_crawled_with_a_warning(replica, tmp_path):
    from conftest import crawl

    result = crawl("rt", tmp_path / "out.jsonl", {"base_url": replica.base_url, "section": "no-such-section",
                                                   "feeds": 0})
    assert "WARNING: Section 'no-such-section' is not one the rt module lists" in result.log
    assert "http_404" in result.log  # crawled, and the 404 is an error
