"""The Welsh catalogue's tests compile it first (as `make setup` does), so a changed .po
is what they read."""

from __future__ import annotations

import pytest

from monitoring.catalogue import compile_catalogue


@pytest.fixture(autouse=True, scope="session")
def compiled_catalogue() -> None:
    compile_catalogue()
