"""Finding article URLs: feeds, sitemaps, channel list pages (pure parsing)."""
