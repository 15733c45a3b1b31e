#!/usr/bin/env bash
# Makes PostgreSQL and Redis reachable at DATABASE_URL / REDIS_URL (defaults on 127.0.0.1).
# Answering already: nothing to do. Installed but stopped: start them. Missing on Debian/Ubuntu:
# apt-get install them, then start. Creates the database (and the test database) if missing.
set -euo pipefail

DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/kuaiche}"
REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"

log() { echo "[services] $*" >&2; }
die() { echo "[services] ERROR: $*" >&2; exit 1; }

# postgres://user[:pass]@host[:port]/db  ->  parts
pg_re='^postgres(ql)?://([^:@/]+)(:([^@/]*))?@([^:/]+)(:([0-9]+))?/([^?]+)'
[[ "$DATABASE_URL" =~ $pg_re ]] || die "DATABASE_URL must look like postgres://user@host:port/db (got $DATABASE_URL)"
PGUSER_="${BASH_REMATCH[2]}"; PGPASS_="${BASH_REMATCH[4]}"; PGHOST_="${BASH_REMATCH[5]}"; PGPORT_="${BASH_REMATCH[7]:-5432}"; PGDB_="${BASH_REMATCH[8]}"
redis_re='^rediss?://([^@/]*@)?([^:/]+)(:([0-9]+))?'
[[ "$REDIS_URL" =~ $redis_re ]] || die "REDIS_URL must look like redis://host:port (got $REDIS_URL)"
RHOST="${BASH_REMATCH[2]}"; RPORT="${BASH_REMATCH[4]:-6379}"

is_local() { [[ "$1" == "127.0.0.1" || "$1" == "localhost" || "$1" == "::1" ]]; }
port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }
as_root() { if [[ $(id -u) -eq 0 ]]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }

APT_UPDATED=0
apt_install() {
  command -v apt-get >/dev/null || die "$* not installed and this is not a Debian/Ubuntu machine; install it, or run: docker compose up -d"
  if [[ $APT_UPDATED -eq 0 ]]; then log "apt-get update"; as_root apt-get update -qq >&2 || die "apt-get update failed (need root or sudo)"; APT_UPDATED=1; fi
  log "apt-get install $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2 || die "apt-get install $* failed"
}

wait_port() { # host port what
  for _ in $(seq 1 60); do port_open "$1" "$2" && return 0; sleep 0.5; done
  die "$3 did not come up on $1:$2"
}

ensure_postgres() {
  if port_open "$PGHOST_" "$PGPORT_"; then return 0; fi
  is_local "$PGHOST_" || die "PostgreSQL at $PGHOST_:$PGPORT_ does not answer (remote host: start it there)"
  if ! command -v pg_ctlcluster >/dev/null && ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    apt_install postgresql
  fi
  log "starting PostgreSQL"
  if command -v pg_ctlcluster >/dev/null && ls /etc/postgresql/*/main >/dev/null 2>&1; then
    for v in $(ls /etc/postgresql); do as_root pg_ctlcluster --skip-systemctl-redirect "$v" main start >&2 || true; done
  elif command -v service >/dev/null; then
    as_root service postgresql start >&2 || true
  fi
  wait_port "$PGHOST_" "$PGPORT_" PostgreSQL
}

psql_admin() { # run SQL as a superuser able to create databases
  if PGPASSWORD="$PGPASS_" psql -h "$PGHOST_" -p "$PGPORT_" -U "$PGUSER_" -d postgres -tAc "$1" 2>/dev/null; then return 0; fi
  if is_local "$PGHOST_" && command -v runuser >/dev/null && [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- psql -p "$PGPORT_" -d postgres -tAc "$1"; return $?; fi
  return 1
}

ensure_database() { # name
  command -v psql >/dev/null || apt_install postgresql-client
  local exists
  exists=$(psql_admin "SELECT 1 FROM pg_database WHERE datname = '$1'") || die "cannot connect to PostgreSQL as $PGUSER_ at $PGHOST_:$PGPORT_ (check DATABASE_URL and pg_hba.conf)"
  if [[ "$exists" != "1" ]]; then
    log "creating database $1"
    psql_admin "CREATE DATABASE \"$1\"" >/dev/null || die "could not create database $1"
  fi
}

ensure_redis() {
  if port_open "$RHOST" "$RPORT"; then return 0; fi
  is_local "$RHOST" || die "Redis at $RHOST:$RPORT does not answer (remote host: start it there)"
  command -v redis-server >/dev/null || apt_install redis-server
  log "starting Redis"
  mkdir -p /tmp/kuaiche-redis
  redis-server --daemonize yes --bind 127.0.0.1 --port "$RPORT" --save "" --appendonly no --dir /tmp/kuaiche-redis --logfile /tmp/kuaiche-redis/redis.log >&2 \
    || die "redis-server failed to start (see /tmp/kuaiche-redis/redis.log)"
  wait_port "$RHOST" "$RPORT" Redis
}

ensure_postgres
ensure_database "$PGDB_"
if [[ -n "${TEST_DATABASE_NAME:-}" ]]; then ensure_database "$TEST_DATABASE_NAME"; fi
ensure_redis
log "PostgreSQL $PGHOST_:$PGPORT_/$PGDB_ and Redis $RHOST:$RPORT are up"
