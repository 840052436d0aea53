import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _shared_data() -> Path:
    return Path(os.environ.get("NASBOOK_DATA", REPO.parent / "shared" / "data")).resolve()


@pytest.fixture(scope="session", autouse=True)
def nasbook_data():
    """Point nasbook at the shared data. Tests that need it fail (never skip) when it is missing."""
    path = _shared_data()
    os.environ["NASBOOK_DATA"] = str(path)
    return path


@pytest.fixture(scope="session")
def shared_data(nasbook_data):
    if not (nasbook_data / "README.md").exists():
        raise RuntimeError(f"test data missing: expected ../shared/data beside the checkout "
                           f"(looked at {nasbook_data}); set NASBOOK_DATA to its location")
    return nasbook_data
