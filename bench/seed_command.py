"""`python -m bench.seed_command SCALE`: bulk-seed the database at DATABASE_URL; last line is JSON."""
import json
import sys
from datetime import datetime, timezone

from bench.bulk_seed import seed_bulk
from portal import create_app
from portal.extensions import db

if __name__ == "__main__":
    scale = int(sys.argv[1])
    app = create_app()
    with app.app_context():
        made = seed_bulk(scale, datetime.now(timezone.utc))
        db.session.remove()
    print(json.dumps(made))
