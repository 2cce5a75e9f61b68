"""Developer tools (not used by crawls)."""
