"""CPU time of newsbot's RT extraction beside trafilatura's, on the RT replica's article pages.

    python bench/extract_rt.py [--rounds N]

Every article page of the offline replica, page by page in turn and in one run: newsbot parses
it, extracts it with the RT module and cleans the record (what a crawl does per page, the
pipelines' cleaning included); trafilatura.extract takes the same decoded page. Prints the CPU
milliseconds per page of each (time.process_time) and their ratio (target: at most 0.5).
"""

from __future__ import annotations

import argparse
import logging
import sys
import time

import trafilatura
from itemadapter import ItemAdapter

from newsbot.extract import Page, extract_article
from newsbot.pipelines.clean import clean_article
from newsbot.replica import ReplicaSite
from newsbot.sites import rt

TARGET_RATIO = 0.5


def newsbot_rt(html: str, url: str) -> str:
    adapter = ItemAdapter(extract_article(Page(url, html), rt.SITE))
    clean_article(adapter)
    return adapter["body"]


def trafilatura_default(html: str, url: str) -> str:
    return trafilatura.extract(html, url=url) or ""


def replica_pages() -> list[tuple[str, str]]:
    """(url, decoded page) of every article of the replica, as served."""
    site = ReplicaSite.from_feed()
    pages = []
    for article in site.articles:
        status, _, body = site.get(article.path)
        if status == 200:
            pages.append((article.url, body.decode("utf-8")))
    return pages


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="passes over the pages (default 3)")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)
    pages = replica_pages()
    extractors = {"newsbot rt": newsbot_rt, "trafilatura": trafilatura_default}
    seconds = dict.fromkeys(extractors, 0.0)
    for extract in extractors.values():  # warm-up: imports and caches are not per page
        extract(pages[0][1], pages[0][0])
    for _ in range(args.rounds):
        for url, html in pages:
            for name, extract in extractors.items():
                started = time.process_time()
                extract(html, url)
                seconds[name] += time.process_time() - started
    runs = len(pages) * args.rounds
    ours, theirs = (seconds[name] / runs * 1000 for name in extractors)
    print(f"{len(pages)} RT replica article pages x {args.rounds} rounds")
    print(f"newsbot rt   {ours:7.2f} ms/page")
    print(f"trafilatura  {theirs:7.2f} ms/page")
    print(f"ratio        {ours / theirs:7.2f}  (target <= {TARGET_RATIO})")
    return 0 if ours / theirs <= TARGET_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
