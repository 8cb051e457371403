#!/usr/bin/env bash
# Starts, restarts and stops a PostgreSQL server on loopback (127.0.0.1:5432, user postgres, trust auth) for the
# PostgreSQL store's tests and the Shop sample's `--store postgres`.
#
#   scripts/postgres.sh install   # apt-get install postgresql, only when no server binary is there (Debian 12: 15)
#   scripts/postgres.sh start     # creates the cluster if needed, starts it, waits until it accepts connections;
#                                 # a server already answering on 127.0.0.1:5432 is reused
#   scripts/postgres.sh restart   # stops and starts the same cluster: committed data survives
#   scripts/postgres.sh stop      # stops what `start` started (fast shutdown: SIGINT)
#   scripts/postgres.sh status    # exit 0 when a server accepts connections on 127.0.0.1:5432
#
# State (cluster, socket, log, pid file) lives in $CONTRACTS_POSTGRES_DIR, default /tmp/contracts-postgres, owned by
# the postgres user: initdb and postgres refuse to run as root, so they run through setpriv as postgres. No systemd.
# The server listens on 127.0.0.1 only (and a Unix socket in that folder), with trust auth for local connections.
# fsync is off: this server is for tests, and a crash of the machine may lose its last commits.
set -euo pipefail

DIR=${CONTRACTS_POSTGRES_DIR:-/tmp/contracts-postgres}
PORT=5432

log() { echo "postgres: $*" >&2; }

# shellcheck source=scripts/server-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/server-common.sh"

bindir() { local p; p=$(ls -d /usr/lib/postgresql/*/bin/postgres 2>/dev/null | sort -V | tail -n1) || true; [ -n "$p" ] && dirname "$p"; }

ready() {
  local bin; bin=$(bindir) || return 1
  "$bin/pg_isready" -q -h 127.0.0.1 -p "$PORT" -t 2 2>/dev/null
}

# The prefix that runs a command as the postgres user (initdb and postgres refuse root); nothing for a non-root caller.
AS_POSTGRES=()
if [ "$(id -u)" -eq 0 ]; then AS_POSTGRES=(setpriv --reuid=postgres --regid=postgres --clear-groups); fi

install() {
  # Never apt-get install when a server is there: it would upgrade it.
  bindir >/dev/null && return 0
  log "installing postgresql (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends postgresql >/dev/null
}

start() {
  if ready; then
    log "already answering on 127.0.0.1:$PORT"
    return 0
  fi

  install
  local bin; bin=$(bindir)
  mkdir -p "$DIR"
  if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$DIR"; fi
  chmod 700 "$DIR"
  if [ ! -f "$DIR/data/PG_VERSION" ]; then
    rm -rf "$DIR/data"
    "${AS_POSTGRES[@]}" "$bin/initdb" -D "$DIR/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 ||
      { log "initdb failed:"; tail -n 20 "$DIR/initdb.log" >&2; return 1; }
  fi

  # A pid file left by a killed server would make postgres refuse to start; it is stale when no server answers.
  if [ -f "$DIR/server.pid" ] && alive "$(cat "$DIR/server.pid")"; then
    log "pid $(cat "$DIR/server.pid") from an earlier start is still alive; waiting for it"
  else
    rm -f "$DIR/data/postmaster.pid"
    close_inherited_fds
    setsid "${AS_POSTGRES[@]}" "$bin/postgres" -D "$DIR/data" -k "$DIR" -h 127.0.0.1 -p "$PORT" \
      -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 \
      >>"$DIR/server.log" 2>&1 </dev/null &
    echo $! >"$DIR/server.pid"
  fi

  local pid; pid=$(cat "$DIR/server.pid")
  wait_ready "$pid" "$DIR/server.log" 60 || { alive "$pid" || rm -f "$DIR/server.pid"; return 1; }
  log "ready on 127.0.0.1:$PORT (pid $pid, cluster in $DIR/data)"
}

stop() {  # SIGINT: fast shutdown (rolls back open transactions, checkpoints); KILL after 30 s
  stop_pid "$DIR/server.pid" INT
}

restart() {
  if [ ! -f "$DIR/server.pid" ]; then
    log "no server started by this script in $DIR to restart"
    return 1
  fi
  stop
  start
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  restart) restart ;;
  status) ready ;;
  *) echo "usage: $0 install|start|restart|stop|status" >&2; exit 2 ;;
esac
