#!/usr/bin/env bash
# Sets up what is missing, then runs a local cluster of silos (each with the gateway co-hosted) against the local
# PostgreSQL under .data/:
#   ./run.sh               one silo, gateway on http://127.0.0.1:8080
#   ./run.sh --silos 3     three silos: gateways on 8080, 8081, 8082 (GORELAY_HTTP_PORT changes the base port)
# Any other argument is passed to every silo. Ctrl-C (or SIGTERM to this script) stops the silos gracefully first,
# then PostgreSQL if this run started it. A silo that dies (kill -9) leaves the others running; the script ends when
# every silo has ended. Exit status: the silo's (with several, the first non-zero one, else 0).
set -euo pipefail
cd "$(dirname "$0")"

usage() { printf 'usage: ./run.sh [--silos N] [silo arguments...]\n' >&2; exit 2; }
silos=1
silo_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --silos) [ $# -ge 2 ] || usage; silos="$2"; shift 2 ;;
    --silos=*) silos="${1#--silos=}"; shift ;;
    *) silo_args+=("$1"); shift ;;
  esac
done
[[ "$silos" =~ ^[1-9][0-9]?$ ]] || { printf 'run.sh: --silos takes a number from 1 to 99, not "%s"\n' "$silos" >&2; usage; }

# Until the silos run, a signal just ends the script (the EXIT trap below stops PostgreSQL if setup started it).
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'stop_pg_if_started_here' EXIT
source scripts/setup.sh

HTTP_BASE="${GORELAY_HTTP_PORT:-8080}"
SILO_PORT_BASE=11111
GATEWAY_PORT_BASE=30000
# Longer than the silo's HostOptions__ShutdownTimeout (30 s): a silo gets SIGKILL only if its graceful stop hangs.
STOP_TIMEOUT="${GORELAY_STOP_TIMEOUT:-45}"
SILO_DLL="Silo/bin/$CONFIGURATION/net10.0/OrleansGoRelay.Silo.dll"
[ -f "$SILO_DLL" ] || die "$SILO_DLL is missing (the build did not produce it; GORELAY_SKIP_BUILD=1 skips building)"

for ((i = 0; i < silos; i++)); do
  for port in $((HTTP_BASE + i)) $((SILO_PORT_BASE + i)) $((GATEWAY_PORT_BASE + i)); do
    port_free "$port" || die "port $port on 127.0.0.1 is in use (another ./run.sh?); silo-$i needs it"
  done
done

say() { printf '\033[1;32m[run]\033[0m %s\n' "$*" >&2; }

filters=()    # the pid of silo i's output filter
pids=()       # silo i's process id (the dotnet process itself, so signals reach it directly)
names=()
declare -A index_of=()
running=()    # process ids not yet reaped
first_failure=0
stopping=0
watchdog=""

silo_process() {
  local i="$1" name="$2"
  # KUBERNETES_SERVICE_HOST is removed: a local cluster never uses Kubernetes hosting, even inside a dev pod.
  exec env -u KUBERNETES_SERVICE_HOST \
    ConnectionStrings__Postgres="$GORELAY_CONNECTION" \
    Gateway__OperatorTokenFile="$DATA/operator.token" \
    Orleans__SiloName="$name" \
    Orleans__SiloPort="$((SILO_PORT_BASE + i))" \
    Orleans__GatewayPort="$((GATEWAY_PORT_BASE + i))" \
    Orleans__AdvertisedAddress=127.0.0.1 \
    Fl__GenesisCheckpoint="$PWD/models/training/baseline" \
    Fl__ValidationGames__0="$PWD/../shared/data/tom-9d-2003-2009.sgf.gz" \
    Fl__ValidationSplitOnly=true \
    Fl__RarityCorpus__0="$PWD/../shared/data/tom-9d-2003-2009.sgf.gz" \
    dotnet "$SILO_DLL" --urls "http://127.0.0.1:$((HTTP_BASE + i))" ${silo_args[@]+"${silo_args[@]}"}
}

start_silo() {
  local i="$1" name="silo-$1" out
  # The output filter ignores INT and TERM, so it still prints a stopping silo's last lines; it ends when the silo's
  # output does. It is started here (not inside the silo's job) so that its pid is known and its last lines can be
  # awaited before the script's own closing lines.
  exec {out}> >(trap '' INT TERM; exec sed -u "s/^/[$name] /")
  filters[i]=$!
  # Background jobs of a script ignore SIGINT: a terminal's Ctrl-C reaches only this script, which then sends each
  # silo one SIGTERM. $! is the silo's own pid (the job execs dotnet), so signals reach it directly.
  silo_process "$i" "$name" >&"$out" 2>&1 &
  pids[i]=$!
  exec {out}>&-
  names[i]="$name"
  index_of[$!]="$i"
  running+=("$!")
}

# First signal: SIGTERM to every running silo, and a watchdog that SIGKILLs those still running after STOP_TIMEOUT.
# A second signal while they stop changes nothing (the silos are already stopping; the watchdog bounds the wait).
# (No bare `return` here: run from a trap during `wait`, bash would return wait's status 130 and set -e would exit.)
stop_silos() {
  if [ "$stopping" = 1 ]; then
    say "$1: already stopping the silos (each gets SIGKILL if still running ${STOP_TIMEOUT} s after its SIGTERM)"
  elif [ ${#running[@]} -gt 0 ]; then
    stopping=1
    say "$1: stopping ${#running[@]} silo(s) gracefully (SIGTERM; SIGKILL after ${STOP_TIMEOUT} s)"
    kill -TERM "${running[@]}" 2>/dev/null || true
    local targets=("${running[@]}")
    (
      trap 'kill "$sleeper" 2>/dev/null; exit 0' TERM
      trap '' INT
      sleep "$STOP_TIMEOUT" &
      sleeper=$!
      wait "$sleeper"
      for pid in "${targets[@]}"; do
        if kill -0 "$pid" 2>/dev/null; then
          printf '\033[1;31m[run]\033[0m pid %s still running %s s after SIGTERM: SIGKILL\n' "$pid" "$STOP_TIMEOUT" >&2
          kill -KILL "$pid" 2>/dev/null || true
        fi
      done
    ) </dev/null &
    watchdog=$!
  else
    stopping=1
  fi
  return 0
}

# Waits until every silo has been reaped, recording the first non-zero exit status. A trapped signal interrupts
# `wait` (done_pid stays unset); the trap has run by then and the loop just waits again.
reap_silos() {
  local done_pid rc
  while [ ${#running[@]} -gt 0 ]; do
    unset done_pid
    rc=0
    wait -n -p done_pid "${running[@]}" || rc=$?
    [ -n "${done_pid:-}" ] || continue
    local i="${index_of[$done_pid]}" left=()
    for pid in "${running[@]}"; do [ "$pid" = "$done_pid" ] || left+=("$pid"); done
    running=(${left[@]+"${left[@]}"})
    [ "$first_failure" != 0 ] || first_failure="$rc"
    # Let its output filter print the silo's last lines first (bounded: a leftover child could hold the pipe open).
    for _ in {1..20}; do kill -0 "${filters[i]}" 2>/dev/null || break; sleep 0.1; done
    if [ "$stopping" = 1 ]; then
      say "${names[i]} (pid $done_pid) stopped, exit status $rc"
    elif [ ${#running[@]} -gt 0 ]; then
      say "${names[i]} (pid $done_pid) ended, exit status $rc; ${#running[@]} silo(s) still running"
    else
      say "${names[i]} (pid $done_pid) ended, exit status $rc"
    fi
  done
  if [ -n "$watchdog" ]; then kill "$watchdog" 2>/dev/null || true; wait "$watchdog" 2>/dev/null || true; fi
}

# Whatever ends the script (a signal, the last silo's end, an error), silos stop before PostgreSQL does.
finish() {
  local status=$?
  trap '' INT TERM
  if [ ${#running[@]} -gt 0 ]; then
    stop_silos "exit"
    reap_silos
  fi
  stop_pg_if_started_here
  if [ ${#pids[@]} -gt 0 ]; then status="$first_failure"; fi
  exit "$status"
}
trap 'stop_silos SIGINT || true' INT
trap 'stop_silos SIGTERM || true' TERM
trap finish EXIT

log "operator token: $DATA/operator.token"
for ((i = 0; i < silos; i++)); do
  start_silo "$i"
done
for ((i = 0; i < silos; i++)); do
  say "${names[i]} (pid ${pids[i]}): http://127.0.0.1:$((HTTP_BASE + i))  (silo port $((SILO_PORT_BASE + i)), gateway port $((GATEWAY_PORT_BASE + i)))"
done
members="curl -H \"Authorization: Bearer \$(cat $DATA/operator.token)\" http://127.0.0.1:$HTTP_BASE/api/v1/cluster/silos"
if [ "$silos" -gt 1 ]; then
  say "kill one silo, e.g. kill -9 ${pids[silos - 1]} (${names[silos - 1]}), and watch the cluster carry on and its grains move: $members"
else
  say "cluster members: $members   (./run.sh --silos 3 runs three)"
fi
if [ "$PG_STARTED_HERE" = 1 ]; then
  say "Ctrl-C stops the silos gracefully, then PostgreSQL (this run started it)"
else
  say "Ctrl-C stops the silos gracefully (PostgreSQL keeps running: this run did not start it)"
fi
reap_silos
