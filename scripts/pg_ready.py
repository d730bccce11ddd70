"""Exit 0 if a PostgreSQL server answers at the URL given (used by `make test`)."""

import sys
from urllib.parse import urlsplit

import psycopg

url = urlsplit(sys.argv[1])
try:
    psycopg.connect(host=url.hostname, port=url.port or 5432, user=url.username or "postgres",
                    dbname="postgres", connect_timeout=3).close()
except Exception:
    sys.exit(1)
