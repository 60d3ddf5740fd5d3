"""Command line: `flask --app wsgi seed-demo`, `create-user`, `load-units`."""
from __future__ import annotations

import getpass
import time
from datetime import datetime, timezone

import click
from flask import Flask
from sqlalchemy import select

from portal import seed
from portal.domain.passwords import policy_problem
from portal.extensions import db
from portal.models import Unit, User
from portal.models.user import ROLES


def init_app(app: Flask) -> None:
    app.cli.add_command(seed_demo)
    app.cli.add_command(create_user)
    app.cli.add_command(load_units)
    app.cli.add_command(backup)
    app.cli.add_command(figures_group)


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has units.")
@click.option("--cases", default=5700, show_default=True, help="How many demo cases.")
@click.option("--now", "now_text", default=None, help="Anchor moment (ISO 8601); default: now.")
def seed_demo(if_empty: bool, cases: int, now_text: str | None) -> None:
    """Load Hanoi's units, categories, demo accounts and two months of demo cases."""
    if not seed.database_is_empty():
        if if_empty:
            click.echo("Cơ sở dữ liệu đã có dữ liệu, bỏ qua nạp dữ liệu mẫu.")
            return
        raise click.ClickException("Cơ sở dữ liệu đã có dữ liệu; dữ liệu mẫu chỉ nạp vào cơ sở dữ liệu trống.")
    now = datetime.fromisoformat(now_text) if now_text else datetime.now(timezone.utc)
    if now.tzinfo is None:
        now = now.replace(tzinfo=timezone.utc)
    started = time.monotonic()
    made = seed.seed_demo(now, cases=cases)
    click.echo(f"Đã nạp {made['cases']} phản ánh, {made['events']} sự kiện trong "
               f"{time.monotonic() - started:.1f} giây. Trạng thái: {made['states']}")


@click.command("load-units")
@click.argument("csv_path", type=click.Path(exists=True, dir_okay=False))
def load_units(csv_path: str) -> None:
    """Add the units of a CSV file (code, name, kind, parent_code) that are not there yet."""
    created = seed.load_units(csv_path)
    db.session.commit()
    click.echo(f"Đã thêm {created} đơn vị.")


@click.command("create-user")
@click.option("--username", prompt="Tên đăng nhập")
@click.option("--full-name", prompt="Họ và tên")
@click.option("--unit", "unit_code", prompt="Mã đơn vị")
@click.option("--role", type=click.Choice(sorted(ROLES)), prompt="Vai trò")
@click.option("--password", default=None, help="Default: asked without echo.")
def create_user(username: str, full_name: str, unit_code: str, role: str, password: str | None) -> None:
    """Create a staff account for a real deployment."""
    username = username.strip().lower()
    unit = db.session.scalar(select(Unit).where(Unit.code == unit_code))
    if unit is None:
        raise click.ClickException(f"Không có đơn vị mã {unit_code}.")
    if db.session.scalar(select(User).where(User.username == username)):
        raise click.ClickException(f"Tên đăng nhập {username} đã tồn tại.")
    if password is None:
        password = getpass.getpass("Mật khẩu: ")
    problem = policy_problem(password, username)
    if problem:
        raise click.ClickException(problem)
    user = User(username=username, full_name=full_name, unit=unit, role=role)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    click.echo(f"Đã tạo tài khoản {username} ({ROLES[role]}, {unit.name}).")


@click.command("backup")
@click.argument("destination", type=click.Path(dir_okay=False))
def backup(destination: str) -> None:
    """Write a consistent copy of the live database: SQLite's online backup, or pg_dump's custom format."""
    url = db.engine.url
    if url.get_backend_name() == "sqlite":
        import sqlite3

        source = sqlite3.connect(url.database)
        target = sqlite3.connect(destination)
        with target:
            source.backup(target)  # consistent even while the portal writes
        target.close()
        source.close()
    elif url.get_backend_name() == "postgresql":
        import os
        import subprocess

        env = dict(os.environ, PGPASSWORD=url.password or "")
        command = ["pg_dump", "--format=custom", "--no-owner", f"--file={destination}",
                   f"--host={url.host or 'localhost'}", f"--port={url.port or 5432}",
                   f"--username={url.username or 'postgres'}", url.database]
        result = subprocess.run(command, env=env, capture_output=True, text=True)
        if result.returncode != 0:
            raise click.ClickException(f"pg_dump thất bại: {result.stderr.strip()}")
    else:
        raise click.ClickException(f"Không hỗ trợ sao lưu cơ sở dữ liệu {url.get_backend_name()}.")
    click.echo(f"Đã sao lưu vào {destination}.")


@click.group("figures")
def figures_group() -> None:
    """The compliance figures kept by the database (roll-ups and end-of-day counts)."""


@figures_group.command("snapshot")
@click.option("--weeks", default=26, show_default=True, help="Also record the week ends of the last WEEKS weeks.")
def figures_snapshot(weeks: int) -> None:
    """Record yesterday's open overdue counts (and the missing week ends): run it after midnight."""
    from datetime import timedelta

    from portal.domain import figures

    now = datetime.now(timezone.utc)
    yesterday = figures.local_day(now) - timedelta(days=1)
    days = [yesterday] + [yesterday - timedelta(days=(yesterday.weekday() + 1) % 7 + 7 * n) for n in range(weeks)]
    started = time.monotonic()
    counts = figures.open_overdue_at_day_ends(None, days, now=now)
    click.echo(f"Đã ghi số phản ánh quá hạn chưa xử lý cuối {len(counts)} ngày trong "
               f"{time.monotonic() - started:.1f} giây.")


@figures_group.command("rebuild")
def figures_rebuild() -> None:
    """Recount the roll-ups and the queue's tab counts from the cases (after a bulk load made with the
    triggers off)."""
    from portal.domain import rollups, tab_counts

    started = time.monotonic()
    rollups.rebuild()
    tab_counts.rebuild()
    db.session.commit()
    click.echo(f"Đã tính lại số liệu tổng hợp trong {time.monotonic() - started:.1f} giây.")
