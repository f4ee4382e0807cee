import os

import pytest

# A test that runs `carte` on a SQLite database of its own tests the same thing in both runs of
# `make test`: the PostgreSQL run skips it.
own_sqlite_database = pytest.mark.skipif(
    bool(os.environ.get("CARTE_TEST_DATABASE_URL")),
    reason="runs carte on its own SQLite database: the SQLite run covers it",
)
