"""newsbot: crawl news-site sections into clean, de-duplicated JSONL articles."""

__version__ = "0.1.0"
