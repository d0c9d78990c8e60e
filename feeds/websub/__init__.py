"""W3C WebSub: discovery links, pings to other hubs, and the site's own hub at /websub."""
