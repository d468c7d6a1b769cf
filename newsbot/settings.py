"""newsbot's Scrapy settings: polite by default. Every newsbot-specific setting is listed here."""

from newsbot import __version__

BOT_NAME = "newsbot"
SPIDER_MODULES = ["newsbot.spiders"]
NEWSPIDER_MODULE = "newsbot.spiders"
COMMANDS_MODULE = "newsbot.commands"  # `scrapy crawl` with one-line usage errors (exit 2); `scrapy parse`
SPIDER_CONTRACTS = {"newsbot.contracts.PathContract": 10}  # `scrapy check`: @path under the crawl's base_url

# -- politeness: an honest name, robots.txt, few parallel requests, adaptive delay --
USER_AGENT = f"newsbot/{__version__} (news archive crawler; +https://pypi.org/project/scrapy/)"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
# What one response yields goes through the (synchronous) pipelines one at a time anyway; Scrapy's
# default of 100 starts 100 asyncio tasks per response for it (bench/crawl.py: ~15% of the CPU).
CONCURRENT_ITEMS = 1
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024  # no news page is bigger; a larger body is an attack or an error
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
# No console to the running crawl (telnet, Scrapy's remote-control HTTP server), no cookie jar; the
# SwitchedOffComponentsAddon keeps these components from being imported at all
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
COOKIES_ENABLED = False

# -- retries: transient errors are retried, each retry after a back-off (Retry-After honoured) --
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
RETRY_BACKOFF_BASE = 1.0  # seconds before the first retry; doubles each time, with jitter
RETRY_BACKOFF_MAX = 60.0  # cap, also on Retry-After
DOWNLOADER_MIDDLEWARES = {
    # Redirects stay on the allowed hosts even after a retry, and a redirect loop is an error.
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "newsbot.middlewares.StrictOffsiteMiddleware": 50,
    "newsbot.middlewares.RedirectLoopMiddleware": 610,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "newsbot.middlewares.BackoffRetryMiddleware": 550,
    # After decompression (590) and charset repair (585), before retries (550): a challenge page
    # is read as text, and never retried, parsed, or taken for an empty section.
    "newsbot.botwall.BotWallMiddleware": 580,
    # Around decompression (590): a false Content-Encoding is dropped, a wrong charset corrected.
    "newsbot.encoding.FalseContentEncodingMiddleware": 595,
    "newsbot.encoding.CharsetMiddleware": 585,
    # Archived captures (the warc spider) answered without a download, after every other process_request.
    "newsbot.warc.replay.ArchivedResponseMiddleware": 960,
}

# -- items: clean, validate, de-duplicate (each drop counted as newsbot/dropped/<reason>) --
ITEM_PIPELINES = {
    "newsbot.pipelines.clean.CleanTextPipeline": 100,
    "newsbot.pipelines.validate.ValidatePipeline": 200,
}  # and newsbot.pipelines.dedupe.DeduplicatePipeline (300), installed by the StateAddon

# One request per canonical URL (tracking parameters, fragments, AMP and mirror variants are one
# request to Scrapy's duplicate filter, and to the shared one of distributed runs)
REQUEST_FINGERPRINTER_CLASS = "newsbot.request_fingerprint.CanonicalRequestFingerprinter"
# Start requests (section page, feeds) skip the duplicate filter: a crawl resumed from a JOBDIR,
# whose filter remembers them, starts its discovery from them again. Distributed mode turns this
# off, so that one worker of the run fetches them, not each.
NEWSBOT_REFETCH_START_PAGES = True

# -- duplicates and repeat runs (newsbot/state/): same id or URL, same text, near-duplicate
# text (MinHash LSH), a copy's source_url. NEWSBOT_STATE=PATH keeps a SQLite state of what was
# exported: later runs fetch and emit only new articles; unset, every run is complete --
NEWSBOT_STATE = None
NEWSBOT_REFRESH = False  # with a state: re-read exported articles, re-emit changed ones (version + 1)
NEWSBOT_KEEP_DUPLICATES = False  # emit republished copies with duplicate_of instead of dropping them
# Where a NEWSBOT_STATE that is a URL is kept, by scheme (anything else is a SQLite path)
NEWSBOT_STATE_BACKENDS = {"redis://": "newsbot.distributed.store.RedisStore",
                          "rediss://": "newsbot.distributed.store.RedisStore",
                          "unix://": "newsbot.distributed.store.RedisStore"}

# -- output: one new JSONL file per run, UTF-8, no empty files, never visible half-written --
# Not FEEDS itself: Scrapy merges a project's FEEDS with -o/-O, so `-O file` would also write the
# default file. newsbot's spiders install this default only when no feed was given.
NEWSBOT_DEFAULT_FEEDS = {
    "output/%(name)s/%(name)s-%(time)s.jsonl": {"format": "jsonlines", "encoding": "utf8"},
}
FEED_URI_PARAMS = "newsbot.feedstorage.uri_params"  # %(time)s as 2024-12-06T08-24-00Z: safe on every file system
FEED_EXPORT_ENCODING = "utf-8"
FEED_STORE_EMPTY = False
# Atomic files, cut into parts by size where asked, each announced to the report and the state.
FEED_STORAGES = {"": "newsbot.extensions.feeds.PartedFileFeedStorage", "file": "newsbot.extensions.feeds.PartedFileFeedStorage"}

# -- output rotation and gzip: FEEDS options `batch_max_bytes` (size, this default) and
# `batch_item_count` (count) rotate parts (URI needs %(batch_id)d); gzip = FEEDS option
# "postprocessing": ["scrapy.extensions.postprocessing.GzipPlugin"] on a `.jsonl.gz` URI.
# Size rotation is JSON lines only; the add-on newsbot.extensions.feeds.FeedFilesAddon checks it --
NEWSBOT_FEED_BATCH_MAX_BYTES = 0  # 0: one file per run
EXTENSIONS = {
    "newsbot.feedstorage.OutputLocationCheck": 0,  # an unwritable output dir closes the crawl at once
    "newsbot.monitors.SpidermonExtension": 500,
    "newsbot.extensions.report.RunReport": 900,
    # With JOBDIR: a JOBDIR left by a crawl that never closed (SIGKILL) is not resumed from
    # (its disk queues may be torn, its duplicate filter remembers requests that were lost).
    "newsbot.extensions.jobdir.JobdirGuard": 0,
    "newsbot.extensions.gcfreeze.FreezeStartupObjects": 0,  # shorter garbage-collection pauses
}
NEWSBOT_GC_FREEZE = True  # freeze the objects built at start-up out of the collector's walks

# -- run report: <output stem>.report.json beside the (first) output file, or this path --
NEWSBOT_REPORT_ENABLED = True
NEWSBOT_REPORT_PATH = None

# -- monitoring (spidermon, at spider close; newsbot/monitors.py). A failure is logged as an
# ERROR, written in the run report, and makes `newsbot run` exit non-zero --
SPIDERMON_ENABLED = True
SPIDERMON_SPIDER_CLOSE_MONITORS = ["newsbot.monitors.CrawlMonitorSuite"]
# A bound the user set (CLOSESPIDER_ITEMCOUNT / _TIMEOUT / _PAGECOUNT) ends a crawl as planned.
SPIDERMON_EXPECTED_FINISH_REASONS = ["finished", "closespider_itemcount", "closespider_timeout",
                                     "closespider_pagecount"]
SPIDERMON_ADD_FIELD_COVERAGE = True
SPIDERMON_FIELD_COVERAGE_SKIP_NONE = True  # null is not a value
SPIDERMON_DICT_FIELDS_COVERAGE_LEVELS = {"image": 1, "*": 0}  # image/url etc., not provenance/*
SPIDERMON_FIELD_COVERAGE_SKIP_IF_NO_ITEM = True  # "no articles" is the Articles written check
# Share of extracted articles (before any drop) with a non-empty value ("Field coverage" check);
# the report's field_coverage is over written articles. A missing headline or body drops the
# article, so their rule matches NEWSBOT_MAX_DROP_SHARE.
SPIDERMON_FIELD_COVERAGE_RULES = {
    "Article/headline": 0.9,
    "Article/body": 0.9,
    "Article/published_at": 0.95,
    "Article/canonical_url": 1.0,
}
NEWSBOT_MAX_DROP_SHARE = 0.1  # articles dropped for a fault (not copies, repeats) or fixed, per extracted article
NEWSBOT_MAX_ERROR_RATIO = 0.1  # errors (newsbot/errors/*) per request
NEWSBOT_MAX_BOT_WALLS = 0  # challenge/block pages tolerated
NEWSBOT_MAX_GENERIC_SHARE = 0.2  # share of pages whose selector-backed field came from generic extraction

# -- distributed mode (newsbot/distributed/): with NEWSBOT_REDIS_URL set, this process is one
# worker of the run NEWSBOT_RUN_NAME (the same for all its workers): scrapy-redis queue and
# duplicate filter shared through that Redis, and the repeat-run state there too --
ADDONS = {
    "newsbot.components.SwitchedOffComponentsAddon": 0,
    # The state as one component: StateExtension, SkipExportedMiddleware, DeduplicatePipeline
    "newsbot.state.addon.StateAddon": 0,
    "newsbot.distributed.addon.DistributedAddon": 0,
    "newsbot.extensions.feeds.FeedFilesAddon": 0,
    "newsbot.warc.addon.WarcAddon": 0,  # NEWSBOT_WARC=DIR: the WARC recorder (newsbot.warc.writer)
}
NEWSBOT_REDIS_URL = None  # e.g. redis://10.0.0.5:6379/0
NEWSBOT_RUN_NAME = None  # e.g. 2024-12-06T08 from the scheduler; default "run"
NEWSBOT_RUN_KEYS_TTL = 86400  # seconds a run's queue, filter and worker keys outlive its last worker's beat

# -- WARC: NEWSBOT_WARC=DIR records every request/response pair into rotating WARC.gz files
# (newsbot/warc/); `scrapy crawl warc` and `newsbot reextract` read them back --
NEWSBOT_WARC = None
NEWSBOT_WARC_MAX_BYTES = 1_000_000_000
NEWSBOT_WARC_OFFSETS = None  # where `warc` keeps the offsets a rerun resumes at; default {NEWSBOT_STATE}.warc-offsets.json

LOG_LEVEL = "INFO"
