#!/usr/bin/env bash
# Installs, starts, restarts and stops a Redis server on loopback (127.0.0.1:6379, no password) for the Redis Streams
# transport's tests and the Shop sample's `--transport redis`.
#
#   scripts/redis.sh install   # apt-get install redis-server (Debian 12 ships 7.0), when missing
#   scripts/redis.sh start     # installs if needed, starts, waits until PING answers; a running server is reused
#   scripts/redis.sh restart   # stops (SIGTERM: the append-only file is flushed) and starts it on the same data
#   scripts/redis.sh kill      # SIGKILL the server (fault tests): what the append-only file had synced survives
#   scripts/redis.sh stop      # stops what `start` started
#   scripts/redis.sh status    # exit 0 when PING answers on 127.0.0.1:6379
#
# State (data, log, pid file) lives in $CONTRACTS_REDIS_DIR, default /tmp/contracts-redis; the port is
# $CONTRACTS_REDIS_PORT, default 6379. The server runs as a plain background process (no systemd, --daemonize no)
# with the append-only file on and fsynced on every write (appendfsync always): a write Redis acknowledged is on
# disk before the reply, so it survives a restart and a SIGKILL of the server (not only a clean shutdown).
# Set CONTRACTS_REDIS_FSYNC=everysec to trade that for speed: then up to one second of acknowledged writes may be
# lost when the server (or the machine) dies, none on a clean restart.
set -euo pipefail

DIR=${CONTRACTS_REDIS_DIR:-/tmp/contracts-redis}
PORT=${CONTRACTS_REDIS_PORT:-6379}
FSYNC=${CONTRACTS_REDIS_FSYNC:-always}

log() { echo "redis: $*" >&2; }

# shellcheck source=scripts/server-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/server-common.sh"

ready() {
  [ "$(timeout 2 redis-cli -h 127.0.0.1 -p "$PORT" ping 2>/dev/null)" = PONG ]
}

install() {
  command -v redis-server >/dev/null && return 0
  log "installing redis-server (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends redis-server >/dev/null
}

start() {
  if ready; then
    log "already answering on 127.0.0.1:$PORT"
    return 0
  fi

  install
  mkdir -p "$DIR/data"
  # The server outlives this script: it must not keep the caller's open files (a lock, a pipe).
  close_inherited_fds
  setsid redis-server --bind 127.0.0.1 --port "$PORT" --dir "$DIR/data" --daemonize no \
    --appendonly yes --appendfsync "$FSYNC" --save '' --protected-mode yes \
    --logfile "$DIR/server.log" >>"$DIR/server.log" 2>&1 </dev/null &
  local pid=$!
  echo "$pid" >"$DIR/server.pid"

  wait_ready "$pid" "$DIR/server.log" 60
  log "ready on 127.0.0.1:$PORT (pid $pid, appendfsync $FSYNC, data in $DIR/data)"
}

stop() {
  stop_pid "$DIR/server.pid"
}

restart() {
  if [ ! -f "$DIR/server.pid" ]; then
    log "no server started by this script in $DIR to restart"
    return 1
  fi
  stop_pid "$DIR/server.pid"
  start
}

kill_server() {
  if [ ! -f "$DIR/server.pid" ]; then
    log "no server started by this script in $DIR to kill"
    return 1
  fi
  stop_pid "$DIR/server.pid" KILL
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  restart) restart ;;
  kill) kill_server ;;
  status) ready ;;
  *) echo "usage: $0 install|start|restart|kill|stop|status" >&2; exit 2 ;;
esac
