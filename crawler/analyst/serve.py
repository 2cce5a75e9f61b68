"""Serve a store with Datasette, its metadata (``metadata.json``) and search plugin."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

METADATA = Path(__file__).with_name("metadata.json")


def metadata_for(store: Path) -> dict:
    """The shipped metadata, its database entry named as Datasette names the store (its file stem)."""
    metadata = json.loads(METADATA.read_text(encoding="utf-8"))
    metadata["databases"] = {Path(store).stem: metadata["databases"].pop("stories")}
    return metadata


def build(store: Path):
    from datasette.app import Datasette
    from datasette.plugins import pm

    from . import datasette_plugin

    if not pm.is_registered(datasette_plugin):
        pm.register(datasette_plugin, name="crawler-search")
    return Datasette([str(store)], metadata=metadata_for(store), settings={"sql_time_limit_ms": 5000})


def serve(store: Path, host: str = "127.0.0.1", port: int = 8001) -> None:
    import uvicorn

    datasette = build(store)
    asyncio.run(datasette.invoke_startup())
    uvicorn.run(datasette.app(), host=host, port=port, log_level="warning")
