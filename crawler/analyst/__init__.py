"""The store for analysts: Datasette metadata and search plugin (``scrapy datasette``).

``metadata.json`` describes the tables and views, sets facets and holds the
canned queries; ``datasette_plugin`` makes Datasette's search box find Chinese
text; ``serve`` starts Datasette on a store with both.
"""
