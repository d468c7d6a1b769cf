"""Scrapy extensions: the run report written beside each run's output, size-rotated feeds."""
