#!/usr/bin/env bash
# Sets up what is missing, then runs one silo with the gateway on http://127.0.0.1:8080 (GORELAY_HTTP_PORT to change)
# against the local PostgreSQL under .data/. Ctrl-C stops the silo gracefully (and PostgreSQL, if this script started it).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/setup.sh
trap stop_pg_if_started_here EXIT

HTTP_PORT="${GORELAY_HTTP_PORT:-8080}"
log "operator token: $DATA/operator.token"
log "silo with gateway on http://127.0.0.1:$HTTP_PORT (Ctrl-C to stop)"
# In the foreground, so Ctrl-C (SIGINT) reaches the silo, which then shuts down gracefully.
ConnectionStrings__Postgres="$GORELAY_CONNECTION" \
Gateway__OperatorTokenFile="$DATA/operator.token" \
GrainRuntime__SiloName="${GORELAY_SILO_NAME:-$(hostname)}" \
  dotnet "Silo/bin/$CONFIGURATION/net10.0/OrleansGoRelay.Silo.dll" --urls "http://127.0.0.1:$HTTP_PORT" "$@"
