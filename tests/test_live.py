"""The live site, only on request (NEWSBOT_LIVE=1): does the RT module still fit www.rt.com?"""

import os

import pytest

from conftest import crawl

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(not os.environ.get("NEWSBOT_LIVE"), reason="needs the live site: set NEWSBOT_LIVE=1"),
]


def test_live_rt_section_first_page(tmp_path):
    result = crawl("rt", tmp_path / "live.jsonl", {"max_pages": 1}, {"AUTOTHROTTLE_ENABLED": "1", "DOWNLOAD_DELAY": "1"},
                   timeout=600)
    assert result.returncode == 0 and result.items, result.log[-2000:]
    for item in result.items:
        assert item["provenance"]["body"] == "selector", item["url"]  # the layout still matches
        assert item["published_at"] and item["headline"] and item["body"]
