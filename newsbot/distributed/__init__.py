"""Optional distributed mode: N crawler processes (on one machine or many) share one crawl
through Redis, with scrapy-redis's scheduler (one request queue, one duplicate filter on
canonical URLs), worker liveness in one hash (``SharedRunIdle``), and the repeat-run state in
the same Redis (``RedisStore``, a backend of newsbot.state). Off unless NEWSBOT_REDIS_URL is
set; see ``DistributedAddon`` and docs/operations.md.
"""
