"""The add-on that installs the state as one component: its extension, middleware and pipeline."""

from __future__ import annotations

from newsbot.components import install_component

# (setting, component, order): the bookkeeping, the skip before download, the admit after the
# pipelines that clean and validate (100, 200).
STATE_COMPONENTS = (
    ("EXTENSIONS", "newsbot.state.extension.StateExtension", 100),
    ("DOWNLOADER_MIDDLEWARES", "newsbot.state.middleware.SkipExportedMiddleware", 120),  # after robots.txt (100)
    ("ITEM_PIPELINES", "newsbot.pipelines.dedupe.DeduplicatePipeline", 300),
)


class StateAddon:
    """Scrapy add-on (listed in ADDONS): what earlier runs exported is not fetched again, each
    story is emitted once, and a run's claims are committed once its output is in place
    (newsbot.state.extension). The parts find each other through the crawler's extension."""

    def update_settings(self, settings) -> None:
        for setting, path, order in STATE_COMPONENTS:
            install_component(settings, setting, path, order)
