from __future__ import annotations

import os
from pathlib import Path


def repo_root() -> Path:
    """The repository checkout (functions/, statemachines/, web/ live there, not in the package)."""
    configured = os.environ.get("CTS_REPO_ROOT")
    if configured:
        return Path(configured).resolve()
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "functions").is_dir() and (parent / "statemachines").is_dir():
            return parent
    raise RuntimeError("cannot find the repository root; set CTS_REPO_ROOT")
