"""Migrations are the only way the schema is made: they go up, down and up again on this database."""
from flask import current_app
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from portal.extensions import db


def test_migrations_downgrade_to_nothing_and_upgrade_again(app):
    upgrade()
    assert {"cases", "case_events", "units", "users"} <= set(inspect(db.engine).get_table_names())
    downgrade(revision="base")
    db.session.remove()
    assert "cases" not in inspect(db.engine).get_table_names()
    upgrade()
    db.session.remove()
    assert "cases" in inspect(db.engine).get_table_names()


def test_schema_matches_the_models(app):
    """Autogenerate finds nothing to add: the migrations describe the models fully."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with db.engine.connect() as connection:
        # The same filter `flask db migrate` uses, so hand-made objects (the search index) are left out.
        include_name = current_app.extensions["migrate"].configure_args["include_name"]
        context = MigrationContext.configure(connection, opts={"compare_type": False, "include_name": include_name})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_the_database_refuses_to_edit_or_delete_a_case_event(app, make):
    case = make.case(unit=make.unit())
    for statement in ("UPDATE case_events SET note = 'sửa' WHERE case_id = :id",
                      "DELETE FROM case_events WHERE case_id = :id"):
        try:
            with db.engine.begin() as connection:
                connection.execute(text(statement), {"id": case.id})
        except Exception as refused:
            assert "append-only" in str(refused)
        else:
            raise AssertionError(f"the database accepted: {statement}")
    count = db.session.execute(text("SELECT count(*) FROM case_events WHERE case_id = :id"), {"id": case.id})
    assert count.scalar() == 1
