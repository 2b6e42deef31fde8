from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from cts.config.country import CountryConfig
from cts.local.paths import repo_root
from cts.local.stack import LocalStack, free_port


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalStack]:
    """The whole local stack in this process: moto server, bootstrap, pollers, API, demo data."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    country = CountryConfig.load(repo_root() / "infra" / "countries" / "JM.yaml")
    data_dir: Path = tmp_path_factory.mktemp("local-stack")
    stack = LocalStack(country=country, port=free_port(), aws_port=free_port(), data_dir=data_dir).start()
    try:
        stack.wait_until_idle(60)
        yield stack
    finally:
        stack.stop()
