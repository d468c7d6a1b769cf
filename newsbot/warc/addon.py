"""The add-on that records a crawl into WARC files when ``NEWSBOT_WARC`` is set."""

from __future__ import annotations

from newsbot.components import install_component

# Next to the downloader: records what the server sent (before decompression and redirects).
RECORDER = ("newsbot.warc.writer.WarcRecorderMiddleware", 950)


class WarcAddon:
    """Scrapy add-on (listed in ADDONS): with ``NEWSBOT_WARC=DIR`` it installs the recorder
    (newsbot.warc.writer); a crawl without it does not import warcio (8 MB of memory)."""

    def update_settings(self, settings) -> None:
        if settings.get("NEWSBOT_WARC"):
            install_component(settings, "DOWNLOADER_MIDDLEWARES", *RECORDER)
