"""Bad input and bad places get one clear line and a non-zero exit: never a traceback, never a
silent success (issue 10: output locations, spider arguments, `newsbot extract`, usage errors)."""

from __future__ import annotations

import json
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
                                                                    "spiders: archive, rt, section, warc"


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


# -- `newsbot extract`: bad files are one line and exit 1; --batch goes on past every bad line --

PAGE = ("<!doctype html><html><head><title>Talks resume in Geneva</title><meta property="
        "'article:published_time' content='2024-12-05T10:00:00+00:00'></head><body><article>"
        "<h1>Talks resume in Geneva</h1>" + "<p>Delegations met again on Monday after a pause of three weeks, "
        "officials said, and agreed to continue.</p>" * 5 + "</article></body></html>")


def bad_files(folder):
    import gzip
    import os

    (folder / "a-directory").mkdir()
    (folder / "empty.html").write_bytes(b"")
    (folder / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200))
    with (folder / "random.bin").open("wb") as file:  # 50 MB of noise
        for _ in range(50):
            file.write(os.urandom(1024 * 1024))
    (folder / "truncated.html.gz").write_bytes(gzip.compress(PAGE.encode() * 50)[:300])
    return {"missing.html": "no such file", "a-directory": "is a directory", "empty.html": "empty file",
            "image.png": "binary data, not an HTML page", "random.bin": "larger than 16 MB",
            "truncated.html.gz": "damaged or truncated gzip"}


def extract_in_child(path) -> tuple[subprocess.CompletedProcess, list[str], int]:
    """`newsbot extract PATH` in a child process: the result, its stderr lines, its peak RSS in KiB."""
    done = subprocess.run([sys.executable, "-c", "import resource, sys; from newsbot.cli import main; code = main("
                           f"['extract', {str(path)!r}]); print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, "
                           "file=sys.stderr); sys.exit(code)"], capture_output=True, text=True, timeout=120)
    *lines, peak_kib = done.stderr.splitlines()
    return done, lines, int(peak_kib)


def test_extract_of_a_bad_file_is_one_line_naming_it_and_exit_1_in_bounded_memory(tmp_path):
    good = tmp_path / "good.html"
    good.write_text(PAGE, "utf-8")
    done, _, reference_kib = extract_in_child(good)  # the same process on a good page, measured now
    assert done.returncode == 0
    for name, problem in bad_files(tmp_path).items():
        done, lines, peak_kib = extract_in_child(tmp_path / name)
        assert done.returncode == 1 and done.stdout == "", (name, done.stdout[:200])
        assert len(lines) == 1 and lines[0].startswith(f"newsbot extract: {tmp_path / name}: ") and problem in lines[0]
        # The 50 MB file is never read whole: at most the 16 MB limit over a good page's peak.
        assert peak_kib < reference_kib + 24 * 1024, (name, peak_kib, reference_kib)


def test_extract_without_url_gives_a_record_the_schema_accepts(tmp_path):
    from newsbot.cli import extract_file
    from newsbot.record import schema_errors

    page = tmp_path / "page.html"
    page.write_text(PAGE, "utf-8")
    record = extract_file(page, None)
    assert record["url"] == page.resolve().as_uri() and not schema_errors(record)


def test_batch_goes_on_past_every_bad_line_and_resolves_paths_from_the_manifest(tmp_path, capsys):
    from newsbot.cli import main

    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "good.html").write_text(PAGE, "utf-8")
    bad = bad_files(folder)
    lines = ['{"path": "good.html", "url": "https://example.com/news/talks-resume"}', "{not json", "[1, 2]",
             '{"url": "https://example.com/x"}', '{"path": "good.html", "url": "not a url"}',
             *(json.dumps({"path": name}) for name in bad), '{"path": "good.html"}']
    manifest = folder / "manifest.jsonl"
    manifest.write_text("\n".join(lines) + "\n", "utf-8")
    assert main(["extract", "--batch", str(manifest)]) == 1
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(out) == len(lines)
    assert [("error" in record) for record in out] == [False] + [True] * (len(lines) - 2) + [False]
    assert out[0]["headline"] == "Talks resume in Geneva" and out[-1]["url"].startswith("file:///")
    for record, problem in zip(out[5:-1], bad.values()):
        assert problem in record["error"]
