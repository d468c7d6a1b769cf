"""The add-on that turns a crawl into one worker of a distributed run (scrapy-redis)."""

from __future__ import annotations

from importlib.util import find_spec

from scrapy.settings import SETTINGS_PRIORITIES

from newsbot.components import install_component


class DistributedAddon:
    """Scrapy add-on (listed in ADDONS). With NEWSBOT_REDIS_URL set, this process is one worker of
    the crawl run named NEWSBOT_RUN_NAME: requests go through one Redis queue and one duplicate
    filter (``newsbot:<spider>:<run>:requests`` / ``:dupefilter``) shared with the run's other
    workers, and the repeat-run state is in the same Redis unless NEWSBOT_STATE names another.
    Without NEWSBOT_REDIS_URL it changes nothing."""

    def update_settings(self, settings) -> None:
        url = settings.get("NEWSBOT_REDIS_URL")
        if not url:
            return
        if find_spec("scrapy_redis") is None:
            raise RuntimeError("NEWSBOT_REDIS_URL is set but scrapy-redis is not installed: "
                                "pip install 'newsbot[distributed]'")
        keys = f"newsbot:%(spider)s:{settings.get('NEWSBOT_RUN_NAME') or 'run'}"
        for name, value in {
            "SCHEDULER": "newsbot.distributed.scheduler.RecoveringScheduler",
            "SCHEDULER_QUEUE_CLASS": "scrapy_redis.queue.PriorityQueue",  # a sorted set: TAKE_SCRIPT pops it
            "SCHEDULER_PERSIST": True,  # a worker that ends first must not flush the others' queue
            "SCHEDULER_QUEUE_KEY": f"{keys}:requests",
            "SCHEDULER_DUPEFILTER_KEY": f"{keys}:dupefilter",
            "DUPEFILTER_CLASS": "newsbot.distributed.dupefilter.CanonicalDupeFilter",
            "REDIS_URL": url,
        }.items():
            settings.set(name, value, priority="addon")
        install_component(settings, "EXTENSIONS", "newsbot.distributed.idle.SharedRunIdle", 200)
        # Nearest the engine (below Scrapy's 25): it sees each request as the engine would.
        install_component(settings, "SPIDER_MIDDLEWARES", "newsbot.distributed.scheduler.ListingDoneMiddleware", 10)
        # The section page and feeds through the shared filter: one worker per run fetches them.
        # (Over the project's default; a value given on the command line stands.)
        if (settings.getpriority("NEWSBOT_REFETCH_START_PAGES") or 0) <= SETTINGS_PRIORITIES["project"]:
            settings.set("NEWSBOT_REFETCH_START_PAGES", False, priority="project")
        if not settings.get("NEWSBOT_STATE"):  # fill in the unset default, at its own priority
            settings.set("NEWSBOT_STATE", url, priority=settings.getpriority("NEWSBOT_STATE") or "addon")
