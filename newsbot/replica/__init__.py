"""An offline replica of www.rt.com built from a real RT RSS feed, and its local server."""

from .feed import DEFAULT_FEED, FeedArticle, load_feed
from .server import ReplicaServer, serve_forever
from .site import ReplicaSite, expected_records, listing_path

__all__ = [
    "DEFAULT_FEED",
    "FeedArticle",
    "ReplicaServer",
    "ReplicaSite",
    "expected_records",
    "listing_path",
    "load_feed",
    "serve_forever",
]
