"""A backup made with `flask backup` restores, and every case is found in the restored copy."""
import sqlite3
import subprocess
import uuid

from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from portal.extensions import db
from portal.models import Case
from tests.conftest import IS_POSTGRES


def _cases(make, count=25):
    ward = make.unit("UBND Phường Văn Chương")
    return {make.case(unit=ward, title=f"Phản ánh số {n}").code for n in range(count)}


def test_backup_restores_every_case(app, make, runner, tmp_path):
    codes = _cases(make)
    destination = tmp_path / ("portal.dump" if IS_POSTGRES else "portal-backup.sqlite3")
    db.session.remove()
    result = runner.invoke(args=["backup", str(destination)])
    assert result.exit_code == 0, result.output
    assert "Đã sao lưu" in result.output

    if IS_POSTGRES:
        url = make_url(str(db.engine.url.render_as_string(hide_password=False)))
        restored_name = f"portal_restore_{uuid.uuid4().hex[:8]}"
        admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{restored_name}"'))
        try:
            completed = subprocess.run(
                ["pg_restore", "--no-owner", f"--host={url.host}", f"--port={url.port or 5432}",
                 f"--username={url.username}", f"--dbname={restored_name}", str(destination)],
                capture_output=True, text=True)
            assert completed.returncode == 0, completed.stderr
            restored = create_engine(url.set(database=restored_name))
            with restored.connect() as connection:
                found = set(connection.execute(select(Case.code)).scalars())
            restored.dispose()
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{restored_name}" WITH (FORCE)'))
            admin.dispose()
    else:
        with sqlite3.connect(destination) as connection:
            found = {row[0] for row in connection.execute("SELECT code FROM cases")}
    assert found == codes
