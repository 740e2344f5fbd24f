"""The read replica's settings (issue 24.5, ADR 35), read from the environment.

With `DATABASE_REPLICA_URL` set, the database alias `replica` exists and the views marked
`core.replica.reads_from_replica` read there; everything else stays on the primary.
"""

import os

import dj_database_url

DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
REPLICA_DATABASES: dict[str, dict] = {}
if DATABASE_REPLICA_URL:
    REPLICA_DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL,
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
    # A replica that does not answer is given up quickly (the primary then serves).
    REPLICA_DATABASES["replica"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", int(os.environ.get("REPLICA_CONNECT_TIMEOUT", "2"))
    )
    # Tests run against the primary's test database through this alias too.
    REPLICA_DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["core.replica.ReplicaRouter"]
#: Seconds a user's reads stay on the primary after they wrote (read-your-writes).
REPLICA_STICKY_SECONDS = float(os.environ.get("REPLICA_STICKY_SECONDS", "10"))
#: The replica is not read while it is more than this many seconds behind the primary.
REPLICA_MAX_LAG_SECONDS = float(os.environ.get("REPLICA_MAX_LAG_SECONDS", "5"))
#: How often each process asks the replica how far behind it is (the answer is kept meanwhile).
REPLICA_CHECK_SECONDS = float(os.environ.get("REPLICA_CHECK_SECONDS", "5"))
