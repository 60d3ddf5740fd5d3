"""`python -m bench.seed_command SCALE`: bulk-seed the database at DATABASE_URL; last line is JSON."""
import json
import sys
import time
from datetime import datetime, timedelta, timezone

from bench.bulk_seed import seed_bulk
from portal import create_app
from portal.domain import figures
from portal.extensions import db

if __name__ == "__main__":
    scale = int(sys.argv[1])
    app = create_app()
    with app.app_context():
        now = datetime.now(timezone.utc)
        made = seed_bulk(scale, now)
        # What the nightly `flask figures snapshot` would have recorded over the year: the week ends
        # the compliance trend shows (26 weeks), counted once here rather than by the first visitor.
        started = time.monotonic()
        last_sunday = figures.local_day(now) - timedelta(days=figures.local_day(now).weekday() + 1)
        figures.open_overdue_at_day_ends(None, [last_sunday - timedelta(weeks=n) for n in range(27)], now=now)
        made["snapshot_seconds"] = round(time.monotonic() - started, 1)
        print(f"  week-end overdue counts recorded in {made['snapshot_seconds']} s", flush=True)
        db.session.remove()
    print(json.dumps(made))
