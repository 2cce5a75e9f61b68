"""Pure functions that turn a fetched page into article fields."""
