"""newsbot's Scrapy settings: polite by default. Every newsbot-specific setting is listed here."""

from newsbot import __version__

BOT_NAME = "newsbot"
SPIDER_MODULES = ["newsbot.spiders"]
NEWSPIDER_MODULE = "newsbot.spiders"

# -- politeness: an honest name, robots.txt, few parallel requests, adaptive delay --
USER_AGENT = f"newsbot/{__version__} (news archive crawler; +https://pypi.org/project/scrapy/)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024  # no news page is bigger; a larger body is an attack or an error
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
TELNETCONSOLE_ENABLED = False
COOKIES_ENABLED = False

# -- retries: transient errors are retried, each retry after a back-off (Retry-After honoured) --
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
RETRY_BACKOFF_BASE = 1.0  # seconds before the first retry; doubles each time, with jitter
RETRY_BACKOFF_MAX = 60.0  # cap, also on Retry-After
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "newsbot.middlewares.BackoffRetryMiddleware": 550,
}

# -- items: clean, validate, de-duplicate (each drop counted as newsbot/dropped/<reason>) --
ITEM_PIPELINES = {
    "newsbot.pipelines.clean.CleanTextPipeline": 100,
    "newsbot.pipelines.validate.ValidatePipeline": 200,
    "newsbot.pipelines.dedupe.DeduplicatePipeline": 300,
}

# -- output: one new JSONL file per run, UTF-8, no empty files, never visible half-written --
FEEDS = {
    "output/%(name)s/%(time)s.jsonl": {"format": "jsonlines", "encoding": "utf8"},
}
FEED_EXPORT_ENCODING = "utf-8"
FEED_STORE_EMPTY = False
FEED_STORAGES = {"": "newsbot.feedstorage.AtomicFileFeedStorage", "file": "newsbot.feedstorage.AtomicFileFeedStorage"}

LOG_LEVEL = "INFO"
