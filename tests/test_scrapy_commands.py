"""`scrapy shell`, `scrapy parse` and `scrapy check` work on the replica as a Scrapy user expects:
no state-extension error in the shell's thread, no off-site filtering, contracts that pass."""

from __future__ import annotations

import subprocess
import sys

from conftest import CRAWL_ENV, ROOT

ARTICLE = "/russia/608821-putin-kursk-governor-khinshtein/"


def scrapy(*arguments: str, stdin: str = "", cwd=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "scrapy", *arguments], cwd=cwd, env=CRAWL_ENV, input=stdin,
                          capture_output=True, text=True, timeout=120)


def test_shell_opens_a_replica_page_without_a_state_error(replica, tmp_path):
    done = scrapy("shell", replica.base_url + ARTICLE, stdin='print("HEADLINE", response.css("h1::text").get())\n',
                  cwd=tmp_path)
    assert "HEADLINE Putin appoints new governor in Kursk" in done.stdout
    assert "ProgrammingError" not in done.stderr and "Error caught on signal handler" not in done.stderr


def test_parse_reads_an_article_and_a_listing_page_of_the_replica(replica, tmp_path):
    article = scrapy("parse", "--spider=rt", replica.base_url + ARTICLE, cwd=tmp_path)
    assert "'headline': 'Putin appoints new governor in Kursk'" in article.stdout, article.stderr[-2000:]
    assert "offsite/filtered" not in article.stderr
    listing = scrapy("parse", "--spider=rt", "-c", "parse_listing", replica.base_url + "/russia/", cwd=tmp_path)
    assert f"<GET {replica.base_url}{ARTICLE}>" in listing.stdout, listing.stderr[-2000:]


def test_check_runs_the_callbacks_contracts_against_the_replica(replica, tmp_path):
    done = scrapy("check", "rt", "-a", f"base_url={replica.base_url}", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Ran 4 contracts" in done.stderr and done.stderr.rstrip().endswith("OK")
