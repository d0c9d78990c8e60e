"""WebSub in the builder process of `feeds serve`: the one Hub of the server and the pings.

`Push.follow(config)` starts the Hub when `[websub] hub = true` (and stops it when the
setting goes); `Push.on_changes` is the builder's hook after a build that changed
something: the Hub owes the changed feeds to their subscribers, and the hubs of `hubs` are
pinged from a thread of its own, so a slow hub never holds up the next build.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from feeds.config import Config
from feeds.engine import Changes
from feeds.websub.hub import Hub
from feeds.websub.publish import ping_changed


class Push:
    def __init__(self) -> None:
        self._hub: Hub | None = None
        self._pings = ThreadPoolExecutor(max_workers=1, thread_name_prefix="websub-ping")
        self._lock = threading.Lock()

    def follow(self, config: Config, out_dir: Path) -> Hub | None:
        """Run the Hub if `config` asks for one; the Hub, if running."""
        wanted = config.websub is not None and config.websub.hub
        with self._lock:
            if wanted and self._hub is None:
                self._hub = Hub(config, out_dir)
                self._hub.start()
            elif not wanted and self._hub is not None:
                self._hub.stop()
                self._hub = None
            return self._hub

    def on_changes(self, config: Config, out_dir: Path, changes: Changes) -> None:
        hub = self.follow(config, out_dir)
        if hub is not None:
            hub.on_changes(config, out_dir, changes)
        if config.websub is not None and config.websub.hubs:
            self._pings.submit(ping_changed, config, changes)

    def close(self) -> None:
        """Stop the Hub; pings not yet started are dropped, one under way ends in bounded time."""
        self._pings.shutdown(wait=True, cancel_futures=True)
        with self._lock:
            if self._hub is not None:
                self._hub.stop()
                self._hub = None
