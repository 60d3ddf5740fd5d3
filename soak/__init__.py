"""`make soak`: load and faults against the portal under gunicorn on PostgreSQL (see soak/run.py)."""
