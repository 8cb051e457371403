#!/usr/bin/env bash
# Installs, starts, restarts and stops a NATS server with JetStream on loopback (127.0.0.1:4222, monitoring on
# 127.0.0.1:8222) for the NATS transport's tests and the Shop sample's `--transport nats`.
#
#   scripts/nats.sh install   # apt-get install nats-server (Debian 12 ships 2.9), when missing
#   scripts/nats.sh start     # installs if needed, starts, waits until JetStream is healthy; a running server is reused
#   scripts/nats.sh restart   # stops and starts the same server on the same store: streams, consumers and messages survive
#   scripts/nats.sh stop      # stops what `start` started
#   scripts/nats.sh status    # exit 0 when the server answers on 127.0.0.1:4222 and its monitor says healthy
#
# State (the JetStream store, the log, the pid file) lives in $CONTRACTS_NATS_DIR, default /tmp/contracts-nats. The
# server runs as a plain background process (no systemd).
set -euo pipefail

DIR=${CONTRACTS_NATS_DIR:-/tmp/contracts-nats}

log() { echo "nats: $*" >&2; }

# shellcheck source=scripts/server-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/server-common.sh"

# The client port greets with an INFO line, and the monitor's /healthz reports JetStream ready (it fails while the
# store is being recovered after a restart).
ready() {
  timeout 2 bash -c 'exec 3<>/dev/tcp/127.0.0.1/4222; head -c4 <&3 | grep -q INFO' 2>/dev/null &&
    curl -fsS --max-time 2 http://127.0.0.1:8222/healthz >/dev/null 2>&1
}

install() {
  command -v nats-server >/dev/null && return 0
  log "installing nats-server (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends nats-server >/dev/null
}

start() {
  if ready; then
    log "already answering on 127.0.0.1:4222"
    return 0
  fi

  install
  mkdir -p "$DIR/js"
  # The server outlives this script: it must not keep the caller's open files (a lock, a pipe).
  close_inherited_fds
  setsid nats-server -a 127.0.0.1 -p 4222 -m 8222 -js -sd "$DIR/js" >>"$DIR/server.log" 2>&1 </dev/null &
  local pid=$!
  echo "$pid" >"$DIR/server.pid"

  wait_ready "$pid" "$DIR/server.log" 60
  log "ready on 127.0.0.1:4222 (pid $pid, JetStream store in $DIR/js)"
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

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  restart) restart ;;
  status) ready ;;
  *) echo "usage: $0 install|start|restart|stop|status" >&2; exit 2 ;;
esac
