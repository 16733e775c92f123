"""config.settings plus the database changes bench/README.md proposes.

`bench/earn.py --settings bench.settings_tuned` runs the server with these,
so the proposals come with measured figures. Not for production as is: it
exists to measure, and the product's settings stay the single source.
"""

from config.settings import *  # noqa: F403
from config.settings import DATABASES

# Django's health check costs every request a `SELECT 1` round trip on a
# persistent connection; a dropped connection then fails one request instead.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
# Server-side parameter binding lets psycopg prepare the statements a worker
# repeats (after 5 runs), so PostgreSQL stops planning each one afresh.
DATABASES["default"].setdefault("OPTIONS", {})["server_side_binding"] = True
