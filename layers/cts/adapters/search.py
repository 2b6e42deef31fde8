"""Choose the search engine from configuration: OpenSearch in AWS, the embedded engine locally."""

from __future__ import annotations

from pathlib import Path

from cts.ports.search import SearchIndex


def make_search_index(*, url: str | None, path: str | None, region: str | None) -> SearchIndex:
    if url:
        from cts.adapters.opensearch_search import OpenSearchIndex, make_client

        return OpenSearchIndex(lambda: make_client(url, region))
    if path:
        from cts.adapters.embedded_search import EmbeddedSearchIndex

        return EmbeddedSearchIndex(Path(path))
    raise ValueError("no search engine configured: set a URL (OpenSearch) or a path (embedded)")
