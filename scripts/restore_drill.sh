#!/usr/bin/env bash
# Restore drill: prove a backup of the LTC CRM database restores to a working app.
#
#   scripts/restore_drill.sh SOURCE_URL TARGET_URL [DUMP_FILE]
#
# 1. pg_dump SOURCE (custom format, the same command as the nightly backup in
#    docs/backup-restore.md) to DUMP_FILE (a temp file unless given);
# 2. drop and re-create the TARGET database (it must not be the source) and pg_restore into it;
# 3. run `manage.py migrate` on the restored copy (a backup from an older release catches up);
# 4. smoke-check it: Django's system checks, the audit trail and the money reconcile
#    (`manage.py restore_smoke_check`), with the row counts of the source and the copy compared.
# Exits non-zero at the first step that fails. Needs pg_dump/pg_restore/psql on PATH.
set -euo pipefail

SOURCE_URL=${1:?usage: restore_drill.sh SOURCE_URL TARGET_URL [DUMP_FILE]}
TARGET_URL=${2:?usage: restore_drill.sh SOURCE_URL TARGET_URL [DUMP_FILE]}
DUMP_FILE=${3:-$(mktemp -t ltc-backup.XXXXXX.dump)}
HERE=$(cd "$(dirname "$0")/.." && pwd)
PYTHON=${PYTHON:-$HERE/.venv/bin/python}

if [[ "$SOURCE_URL" == "$TARGET_URL" ]]; then
    echo "restore_drill: the target must not be the source" >&2
    exit 2
fi
target_db=${TARGET_URL##*/}
target_db=${target_db%%\?*}
server_url=${TARGET_URL%/*}/postgres

echo "== 1. backup: pg_dump $SOURCE_URL -> $DUMP_FILE"
pg_dump --format=custom --no-owner --no-privileges --file="$DUMP_FILE" "$SOURCE_URL"

echo "== 2. restore into a fresh $target_db"
psql --quiet --no-psqlrc "$server_url" -v ON_ERROR_STOP=1 \
    -c "DROP DATABASE IF EXISTS \"$target_db\" WITH (FORCE)" \
    -c "CREATE DATABASE \"$target_db\""
pg_restore --no-owner --no-privileges --exit-on-error --dbname="$TARGET_URL" "$DUMP_FILE"

export DATABASE_URL="$TARGET_URL" DEBUG="${DEBUG:-1}"
echo "== 3. migrate"
"$PYTHON" "$HERE/manage.py" migrate --noinput

echo "== 4. smoke check"
"$PYTHON" "$HERE/manage.py" check
"$PYTHON" "$HERE/manage.py" restore_smoke_check --compare-with "$SOURCE_URL"
"$PYTHON" "$HERE/manage.py" shell -c "
from receivables.selectors import reconciliation
broken = {k: v for k, v in reconciliation().items() if v}
assert not broken, broken
print('books reconcile')"
echo "restore drill passed: $DUMP_FILE restores to a working app"
