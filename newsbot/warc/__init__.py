"""WARC (ISO 28500) in and out: record a crawl's traffic (writer), read captures back (reader)."""
