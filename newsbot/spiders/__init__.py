"""Spiders: thin and generic; what differs between sites lives in newsbot.sites."""
