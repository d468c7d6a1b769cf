"""Optional distributed mode: N crawler processes (on one machine or many) share one crawl
through Redis, with scrapy-redis's scheduler (one request queue, one duplicate filter) and the
repeat-run state in the same Redis (``RedisStore``). Off unless NEWSBOT_REDIS_URL is set; see
``DistributedAddon`` and docs/operations.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from newsbot.state.store import ArticleStore

REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


def open_store(location: str | None) -> ArticleStore:
    """The state store at ``location``: a Redis URL, else a SQLite file (None: a temporary one)."""
    # Imported here: newsbot.state imports this module, and redis is needed only in distributed mode.
    if location and location.startswith(REDIS_SCHEMES):
        from newsbot.distributed.store import RedisStore

        return RedisStore(location)
    from newsbot.state.sqlite import SqliteStore

    return SqliteStore(location)
