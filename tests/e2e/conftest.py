"""The local stack, started exactly as `make run` starts it (`cts local run`), in its own process.

Its own process keeps its moto state apart from the in-process moto that integration tests use, and
tests drive it only from the outside: HTTP, the local AWS endpoint, and `.local/stack.json`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from running_stack import RunningStack, run_local_stack


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    with run_local_stack(tmp_path_factory.mktemp("local-stack")) as stack:
        stack.wait_until_idle()
        yield stack
