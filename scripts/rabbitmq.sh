#!/usr/bin/env bash
# Installs, starts, restarts and stops a RabbitMQ broker on loopback (127.0.0.1:5672, guest/guest, no plugins)
# for the RabbitMQ transport's tests and the Shop sample's `--transport rabbitmq`.
#
#   scripts/rabbitmq.sh install   # apt-get install rabbitmq-server (Debian 12 ships 3.10), when missing
#   scripts/rabbitmq.sh start     # installs if needed, starts, waits until AMQP answers; a running broker is reused
#   scripts/rabbitmq.sh restart   # stops and starts the same node: durable queues and persistent messages survive
#   scripts/rabbitmq.sh stop      # stops what `start` started (the broker, then its epmd)
#   scripts/rabbitmq.sh pause     # SIGSTOP the broker's Erlang VM: connections stay open, nothing answers (fault tests)
#   scripts/rabbitmq.sh resume    # SIGCONT it again
#   scripts/rabbitmq.sh status    # exit 0 when AMQP answers on 127.0.0.1:5672
#
# State (data, logs, pid files) lives in $CONTRACTS_RABBITMQ_DIR, default /tmp/contracts-rabbitmq. The broker runs as
# a plain background process: no systemd, and /usr/lib/rabbitmq/bin/rabbitmq-server directly (the /usr/sbin wrapper
# switches user). Erlang's epmd is started bound to loopback, or Erlang would leave one listening on every interface.
set -euo pipefail

DIR=${CONTRACTS_RABBITMQ_DIR:-/tmp/contracts-rabbitmq}
SERVER=/usr/lib/rabbitmq/bin/rabbitmq-server

log() { echo "rabbitmq: $*" >&2; }

# shellcheck source=scripts/server-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/server-common.sh"

# AMQP 0-9-1 handshake: the broker answers the protocol header with a Connection.Start frame (type 1).
ready() {
  timeout 2 bash -c 'exec 3<>/dev/tcp/127.0.0.1/5672; printf "AMQP\x00\x00\x09\x01" >&3; head -c1 <&3 | od -An -tx1 | grep -q 01' 2>/dev/null
}

install() {
  [ -x "$SERVER" ] && return 0
  log "installing rabbitmq-server (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends rabbitmq-server >/dev/null
}

start() {
  if ready; then
    log "already answering on 127.0.0.1:5672"
    return 0
  fi

  install
  mkdir -p "$DIR/home" "$DIR/log"
  # epmd and the broker outlive this script: they must not keep the caller's open files (a lock, a pipe).
  close_inherited_fds
  if [ ! -f "$DIR/epmd.pid" ] || ! alive "$(cat "$DIR/epmd.pid")"; then
    setsid epmd -address 127.0.0.1 -port 4369 >"$DIR/log/epmd.log" 2>&1 </dev/null &
    echo $! >"$DIR/epmd.pid"
  fi

  printf '[].\n' >"$DIR/enabled_plugins"
  printf 'listeners.tcp.default = 127.0.0.1:5672\nloopback_users.guest = true\n' >"$DIR/rabbitmq.conf"
  setsid env HOME="$DIR/home" RABBITMQ_NODENAME=rabbit@localhost \
    RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT=5672 RABBITMQ_DIST_PORT=25672 \
    RABBITMQ_CONF_ENV_FILE=/dev/null RABBITMQ_CONFIG_FILE="$DIR/rabbitmq.conf" \
    RABBITMQ_ENABLED_PLUGINS_FILE="$DIR/enabled_plugins" RABBITMQ_MNESIA_BASE="$DIR/mnesia" \
    RABBITMQ_LOG_BASE="$DIR/log" RABBITMQ_PID_FILE="$DIR/rabbit.pid" \
    RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS='-kernel inet_dist_use_interface {127,0,0,1}' \
    "$SERVER" >>"$DIR/log/server.log" 2>&1 </dev/null &
  local pid=$!
  echo "$pid" >"$DIR/server.pid"

  wait_ready "$pid" "$DIR/log/server.log" 120
  log "ready on 127.0.0.1:5672 (pid $pid, data in $DIR)"
}

stop() {
  stop_pid "$DIR/server.pid"
  stop_pid "$DIR/epmd.pid"
}

signal_vm() {  # the Erlang VM's own pid, which RabbitMQ writes to rabbit.pid once it runs
  if [ ! -f "$DIR/rabbit.pid" ]; then
    log "no broker started by this script in $DIR to $2"
    return 1
  fi
  kill "-$1" "$(cat "$DIR/rabbit.pid")"
}

restart() {
  if [ ! -f "$DIR/server.pid" ]; then
    log "no broker started by this script in $DIR to restart"
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
  pause) signal_vm STOP pause ;;
  resume) signal_vm CONT resume ;;
  status) ready ;;
  *) echo "usage: $0 install|start|restart|stop|pause|resume|status" >&2; exit 2 ;;
esac
