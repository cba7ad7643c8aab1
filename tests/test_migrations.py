"""`flask db upgrade` builds the schema from zero, and it matches the models exactly."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect

from club.extensions import db
from tests.conftest import make_test_app, throwaway_postgres_schema


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrated.sqlite3'}"
        return
    # An empty schema in the run's database (skipped or failed as the suite decides), the
    # only one the migrations see: a database of its own would cost a server checkpoint.
    database = request.getfixturevalue("postgres_database")
    with throwaway_postgres_schema(database, "club_migrate") as url:
        yield url


@pytest.mark.slow
def test_migrations_build_the_models_schema_and_go_back_down(empty_database_url):
    app = make_test_app(empty_database_url, None)
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
        assert differences == [], f"models and migrations differ: {differences}"
        downgrade(revision="base")
        tables = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert tables == set()
        db.engine.dispose()
    create_engine(empty_database_url.replace("postgresql+psycopg", "postgresql+psycopg")).dispose()
