"""newsbot's Scrapy commands (COMMANDS_MODULE): Scrapy's own, with clear usage errors."""
