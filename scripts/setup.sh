#!/usr/bin/env bash
# Sets up whatever is missing on this machine for OrleansGoRelay, then builds it and starts the local PostgreSQL.
# Sourced by run.sh and test.sh. Idempotent: a second run only checks.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA="$REPO/.data"
CONFIGURATION="${CONFIGURATION:-Release}"
PG_USER="gorelay-pg"          # the OS user PostgreSQL runs as when setup runs as root (postgres refuses root)
mkdir -p "$DATA"

# Callers trap EXIT with stop_pg_if_started_here (after their silos or tests have stopped); it is defined before
# anything can fail, so an early exit (a missing package, a failed build) still finds it.
PG_STARTED_HERE=0
PGDATA_DIR="$DATA/pg"
stop_pg_if_started_here() {
  if [ "$PG_STARTED_HERE" = 1 ]; then
    log "stopping PostgreSQL"
    as_pg pg_ctl -D "$PGDATA_DIR" -m fast -w stop >/dev/null || true
    PG_STARTED_HERE=0
  fi
}

log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[setup] error:\033[0m %s\n' "$*" >&2; exit 1; }

# --- system packages ---------------------------------------------------------------------------------------------
pg_bin_dir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
missing=()
[ -n "$(pg_bin_dir)" ] && [ -x "$(pg_bin_dir)/pgbench" ] || missing+=(postgresql postgresql-contrib)
command -v psql >/dev/null || missing+=(postgresql-client)
[ -x /usr/games/gnugo ] || missing+=(gnugo)
command -v node >/dev/null && command -v npm >/dev/null || missing+=(nodejs npm)
# The dashboard's browser tests drive Debian's Chromium through Playwright (no browser download).
[ -x /usr/bin/chromium ] || missing+=(chromium)
# The pictures' font (Pictures/PictureStyle).
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    die "missing packages: ${missing[*]} (install them, or run this script as root on Debian/Ubuntu)"
  fi
fi
command -v dotnet >/dev/null || die "the .NET SDK 10 is required (dotnet not on PATH)"
PG_BIN="$(pg_bin_dir)"
export PATH="$PG_BIN:$PATH"

# --- the dashboard's charting library (npm), embedded into the gateway by the build -------------------------------
if [ ! -f "$REPO/Gateway/Dashboard/node_modules/uplot/dist/uPlot.iife.min.js" ]; then
  log "installing the dashboard's chart library (npm)"
  (cd "$REPO/Gateway/Dashboard" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >/dev/null)
fi

# --- build ---------------------------------------------------------------------------------------------------------
if [ "${GORELAY_SKIP_BUILD:-0}" != 1 ]; then
  log "restoring and building ($CONFIGURATION)"
  dotnet build "$REPO/OrleansGoRelay.sln" -c "$CONFIGURATION" -nologo -clp:ErrorsOnly -v:q
fi

# --- npm tools (offline Kubernetes manifest validation) ------------------------------------------------------------
if [ ! -d "$REPO/k8s/validate/node_modules" ]; then
  log "installing the Kubernetes manifest validator (npm)"
  (cd "$REPO/k8s/validate" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >/dev/null)
fi
# The official TypeScript MCP client the MCP tests drive the server with (pinned in Tests/Mcp/package-lock.json).
if [ ! -d "$REPO/Tests/Mcp/node_modules/@modelcontextprotocol/sdk" ]; then
  log "installing the TypeScript MCP client (npm)"
  (cd "$REPO/Tests/Mcp" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >/dev/null)
fi

# --- PostgreSQL, as a non-root user, data directory inside the repo ------------------------------------------------
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u "$PG_USER" -- "$@"; else "$@"; fi
}
if [ "$(id -u)" = 0 ]; then
  id "$PG_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_USER"
  # The server's user must be able to reach its data directory: add search (x) permission where a parent lacks it.
  dir="$DATA"
  while [ "$dir" != / ]; do
    [ "$(stat -c %A "$dir" | cut -c10)" = x ] || [ "$(stat -c %A "$dir" | cut -c10)" = t ] || chmod o+x "$dir"
    dir="$(dirname "$dir")"
  done
fi

if [ ! -s "$DATA/pg.password" ]; then
  umask 077; head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$DATA/pg.password"; umask 022
fi
PG_PASSWORD="$(cat "$DATA/pg.password")"

if [ ! -f "$PGDATA_DIR/PG_VERSION" ]; then
  log "creating the PostgreSQL data directory $PGDATA_DIR"
  rm -rf "$PGDATA_DIR"; mkdir -p "$PGDATA_DIR"
  pwfile="$(mktemp)"; printf '%s\n' "$PG_PASSWORD" > "$pwfile"
  if [ "$(id -u)" = 0 ]; then chown "$PG_USER" "$PGDATA_DIR" "$pwfile"; fi
  as_pg initdb -D "$PGDATA_DIR" -U gorelay --pwfile="$pwfile" -A scram-sha-256 -E UTF8 --locale=C.UTF-8 >/dev/null
  rm -f "$pwfile"
fi

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if as_pg pg_ctl -D "$PGDATA_DIR" status >/dev/null 2>&1; then
  PG_PORT="$(cat "$DATA/pg.port")"
else
  PG_PORT="${GORELAY_PG_PORT:-55432}"
  while ! port_free "$PG_PORT"; do PG_PORT=$((PG_PORT + 1)); done
  echo "$PG_PORT" > "$DATA/pg.port"
  log "starting PostgreSQL on 127.0.0.1:$PG_PORT"
  touch "$DATA/pg.log"; [ "$(id -u)" = 0 ] && chown "$PG_USER" "$DATA/pg.log"
  PG_STARTED_HERE=1   # before the start: a signal right after it must still stop it
  as_pg pg_ctl -D "$PGDATA_DIR" -l "$DATA/pg.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -c port=$PG_PORT -c unix_socket_directories='' -c max_connections=300 -c shared_buffers=256MB" \
    start >/dev/null || { tail -n 20 "$DATA/pg.log" >&2; die "PostgreSQL did not start"; }
fi

export PGHOST=127.0.0.1 PGPORT="$PG_PORT" PGUSER=gorelay PGPASSWORD="$PG_PASSWORD"
if [ "$(psql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'gorelay'")" != 1 ]; then
  createdb gorelay
fi
GORELAY_CONNECTION="Host=127.0.0.1;Port=$PG_PORT;Username=gorelay;Password=$PG_PASSWORD;Database=gorelay;Maximum Pool Size=40"
printf '%s\n' "$GORELAY_CONNECTION" > "$DATA/connection-string"; chmod 600 "$DATA/connection-string"
export GORELAY_CONNECTION

# --- operator token ------------------------------------------------------------------------------------------------
if [ ! -s "$DATA/operator.token" ]; then
  umask 077; head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$DATA/operator.token"; umask 022
fi
