from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

from fakes_api import API_DIR, World, make_world

if str(API_DIR) not in sys.path:
    sys.path.insert(0, str(API_DIR))

from chalice.test import Client

from chalicelib.container import set_container


@pytest.fixture
def world() -> Iterator[World]:
    w = make_world()
    set_container(w.container)
    yield w
    set_container(None)


@pytest.fixture
def client(world: World) -> Client:
    from app import app

    return Client(app, project_dir=str(API_DIR))
