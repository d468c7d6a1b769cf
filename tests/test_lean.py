"""What a crawl does not carry: components switched off by their setting are not even imported."""

from __future__ import annotations

import re
import subprocess
import sys

from scrapy.settings import Settings

import newsbot.settings
from newsbot.components import SwitchedOffComponentsAddon
from tests.conftest import CRAWL_ENV, ROOT, crawl_command

COOKIES = "scrapy.downloadermiddlewares.cookies.CookiesMiddleware"
REMOTE_CONTROL = "scrapy.extensions.remote_control.RemoteControl"
# Packages an rt crawl has no use for: the remote-control server's, the cookie jar's, the WARC
# writer's (NEWSBOT_WARC unset), the generic extractor's (the rt module has its own selectors).
NOT_IMPORTED = ("aiohttp", "tldextract", "requests", "warcio", "trafilatura")


def imported_packages(stderr: str) -> set[str]:
    """Top-level packages named in ``python -X importtime`` output."""
    return {match.group(1) for match in re.finditer(r"^import time:.*\|\s+([\w]+)(?:\.\w+)*\s*$", stderr, re.M)}


def test_an_rt_crawl_does_not_import_what_it_does_not_use(replica, tmp_path):
    command = crawl_command("rt", ["-O", str(tmp_path / "out.jsonl")], {"base_url": replica.base_url},
                            {"CLOSESPIDER_ITEMCOUNT": "2"})
    done = subprocess.run([sys.executable, "-X", "importtime", *command[1:]], cwd=ROOT, env=CRAWL_ENV,
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    packages = imported_packages(done.stderr)
    assert {"scrapy", "newsbot", "numpy", "spidermon"} <= packages  # the check reads the imports
    assert not packages & set(NOT_IMPORTED)
    assert "All 7 checks passed" in done.stderr


def project_settings(**overrides) -> Settings:
    settings = Settings()
    settings.setmodule(newsbot.settings, priority="project")
    settings.update(overrides, priority="cmdline")
    SwitchedOffComponentsAddon().update_settings(settings)
    return settings


def test_switched_off_components_leave_scrapys_lists_and_come_back_when_switched_on():
    off = project_settings()
    assert COOKIES not in off.getwithbase("DOWNLOADER_MIDDLEWARES")
    assert REMOTE_CONTROL not in off.getwithbase("EXTENSIONS")
    assert "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware" in off.getwithbase("DOWNLOADER_MIDDLEWARES")
    on = project_settings(COOKIES_ENABLED=True, REMOTE_CONTROL_ENABLED=True)
    assert COOKIES in on.getwithbase("DOWNLOADER_MIDDLEWARES")
    assert REMOTE_CONTROL in on.getwithbase("EXTENSIONS")


def test_a_fingerprinted_body_is_not_kept_by_the_paragraph_key_cache():
    from newsbot.state import Fingerprinter
    from newsbot.text import normalize_key

    normalize_key.cache_clear()
    Fingerprinter().of(" ".join(f"word{number}" for number in range(2000)))
    assert normalize_key.cache_info().currsize == 0


def test_start_up_objects_are_frozen_out_of_the_collectors_walks_while_the_crawl_runs():
    import gc

    import pytest
    from scrapy.exceptions import NotConfigured
    from scrapy.utils.test import get_crawler

    from newsbot.extensions.gcfreeze import FreezeStartupObjects

    extension = FreezeStartupObjects.from_crawler(get_crawler(settings_dict={"NEWSBOT_GC_FREEZE": True}))
    try:
        extension.spider_opened()
        assert gc.get_freeze_count() > 1000  # this test process's modules and objects at least
    finally:
        extension.engine_stopped()
    assert gc.get_freeze_count() == 0
    with pytest.raises(NotConfigured):
        FreezeStartupObjects.from_crawler(get_crawler(settings_dict={"NEWSBOT_GC_FREEZE": False}))
