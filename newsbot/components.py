"""Adding a component to one of Scrapy's component dicts (EXTENSIONS, DOWNLOADER_MIDDLEWARES, ...)
from an add-on, by import path."""

from __future__ import annotations


def install_component(settings, setting: str, path: str, order: int) -> None:
    """Lists ``path`` in the component dict ``setting`` at ``order``, importing nothing.

    ``Settings.set_in_component_priority_dict`` imports every component already listed to compare
    it with the new one, so even a component turned off with ``None`` (the cookie middleware:
    tldextract and requests, 9 MB) would be imported by every crawl."""
    components = settings.getdict(setting)
    components[path] = order
    settings.set(setting, components, settings.getpriority(setting) or 0)


# Scrapy components that raise NotConfigured when their setting is false, by (base dict, path):
# Scrapy imports each listed component before it can say so, and these import heavy packages.
SWITCHED_BY = {
    ("EXTENSIONS_BASE", "scrapy.extensions.remote_control.RemoteControl"): "REMOTE_CONTROL_ENABLED",  # aiohttp
    ("EXTENSIONS_BASE", "scrapy.extensions.telnet.TelnetConsole"): "TELNETCONSOLE_ENABLED",
    ("DOWNLOADER_MIDDLEWARES_BASE", "scrapy.downloadermiddlewares.cookies.CookiesMiddleware"):
        "COOKIES_ENABLED",  # tldextract, requests
}


class SwitchedOffComponentsAddon:
    """Scrapy add-on (listed in ADDONS): a component of Scrapy's base lists whose own setting turns
    it off is left out of the list, so the crawl does not import it (the remote-control HTTP server,
    telnet and the cookie jar: 13 MB of a crawl's memory, 0.2-0.3 s of its start-up). Turning the
    setting on brings it back."""

    def update_settings(self, settings) -> None:
        for (base, path), switch in SWITCHED_BY.items():
            if not settings.getbool(switch):
                components = settings.getdict(base)
                if components.pop(path, None) is not None:
                    settings.set(base, components, settings.getpriority(base) or 0)
