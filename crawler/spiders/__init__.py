"""Spiders: one per source, plus generic ones."""
