# Sourced by .ci/run and .ci/nightly: starts PostgreSQL, Redis and installs Chromium when missing, makes a fresh
# database for this run (dropped on exit) and exports where the suite finds them.
export DEBIAN_FRONTEND=noninteractive MLFLOW_DISABLE_TELEMETRY=true DO_NOT_TRACK=true
RUN_DIR="${RUN_DIR:-/tmp/lodestar-ci}"
mkdir -p "$RUN_DIR"
apt_updated=""
apt_install() {
  [ -n "$apt_updated" ] || { apt-get update -qq; apt_updated=1; }
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# --- PostgreSQL ---------------------------------------------------------------------------------
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  command -v pg_ctlcluster >/dev/null || apt_install postgresql postgresql-contrib
  version=$(ls /etc/postgresql | sort -n | tail -1)
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 100); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.2; done
fi
pg_isready -h 127.0.0.1 -p 5432
DB_NAME="lodestar_ci_$(date +%s)_$$"
runuser -u postgres -- psql -v ON_ERROR_STOP=1 -q <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='lodestar') THEN
    CREATE ROLE lodestar LOGIN PASSWORD 'lodestar' CREATEDB; END IF; END \$\$;
CREATE DATABASE $DB_NAME OWNER lodestar;
SQL
drop_db() {
  runuser -u postgres -- psql -q -c "DROP DATABASE IF EXISTS $DB_NAME" >/dev/null 2>&1 || true
  runuser -u postgres -- psql -q -c "DROP DATABASE IF EXISTS test_$DB_NAME" >/dev/null 2>&1 || true
}
trap drop_db EXIT

# --- Redis --------------------------------------------------------------------------------------
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  command -v redis-server >/dev/null || apt_install redis-server
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir "$RUN_DIR" --logfile "$RUN_DIR/redis.log" --pidfile "$RUN_DIR/redis.pid"
  for _ in $(seq 1 50); do redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && break; sleep 0.1; done
fi
redis-cli -h 127.0.0.1 -p 6379 ping

# --- Chromium -----------------------------------------------------------------------------------
[ -x /usr/bin/chromium ] || apt_install chromium

# --- Where the suite finds them ------------------------------------------------------------------
export DATABASE_URL="postgres://lodestar:lodestar@127.0.0.1:5432/$DB_NAME"
export CELERY_BROKER_URL="redis://127.0.0.1:6379/0"
export CELERY_RESULT_BACKEND="redis://127.0.0.1:6379/1"
