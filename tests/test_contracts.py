"""Contracts with dependencies' internals that newsbot relies on where no public hook exists.
Each dependency is pinned below the next release in pyproject.toml; these tests fail on the first
release that changes what newsbot assumes, so the pin is lifted only with a fix."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from lxml import etree
from scrapy.core.scheduler import Scheduler
from scrapy.dupefilters import RFPDupeFilter
from scrapy.utils.test import get_crawler

from newsbot.extensions.jobdir import SCHEDULER_FILES


def test_scrapy_keeps_its_scheduler_files_in_jobdir_where_the_guard_discards_them(tmp_path):
    """newsbot/extensions/jobdir.py removes these after a crawl that never closed."""
    crawler = get_crawler(settings_dict={"JOBDIR": str(tmp_path)})
    scheduler = Scheduler.from_crawler(crawler)
    dupefilter = RFPDupeFilter.from_crawler(crawler)
    dupefilter.close("finished")
    assert {Path(scheduler.dqdir).name, *(path.name for path in tmp_path.iterdir())} == set(SCHEDULER_FILES)
    assert Path(scheduler.dqdir).parent == tmp_path


def test_trafilatura_turns_its_body_tree_into_lines():
    """newsbot/extract/generic.py edits trafilatura's body tree, then asks it for the text."""
    import trafilatura
    from trafilatura.xml import xmltotxt

    html = "<html><body><article><h1>Title here</h1>" + "".join(
        f"<p>Paragraph {n} of the article says enough words to be kept as text.</p>" for n in range(5)) + \
        "</article></body></html>"
    document = trafilatura.bare_extraction(html, fast=True, favor_recall=True)
    assert isinstance(document.body, etree._Element)
    lines = xmltotxt(document.body, False).split("\n")
    assert "Paragraph 0 of the article says enough words to be kept as text." in lines
    assert "Paragraph 4 of the article says enough words to be kept as text." in lines


def test_back_off_needs_no_twisted_reactor():
    """The retry back-off sleeps with asyncio where Scrapy runs without a Twisted reactor
    (TWISTED_REACTOR_ENABLED=False), and never imports one."""
    code = """if True:
        import asyncio, sys, time
        from scrapy import Request
        from scrapy.utils.test import get_crawler
        from newsbot.middlewares import BackoffRetryMiddleware
        crawler = get_crawler(settings_dict={"TWISTED_REACTOR_ENABLED": False})
        middleware = BackoffRetryMiddleware.from_crawler(crawler)
        started = time.monotonic()
        asyncio.run(middleware._wait(0.2, Request("http://example.com/")))
        print(time.monotonic() - started, "twisted.internet.reactor" in sys.modules)
    """
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    waited, reactor_imported = done.stdout.split()
    assert float(waited) >= 0.2 and reactor_imported == "False"
