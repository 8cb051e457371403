# Shared by scripts/rabbitmq.sh and scripts/postgres.sh (sourced, not run): the parts of running a test server as a
# plain background process that do not depend on which server it is. The caller defines log().

alive() { local st; st=$(ps -o stat= -p "$1" 2>/dev/null) || return 1; [[ $st != Z* ]]; }

# A server outlives the script that starts it: it must not keep the caller's open files (a lock, a pipe) for its life.
close_inherited_fds() {
  local fd
  for fd in /proc/$$/fd/*; do
    fd=${fd##*/}
    if (( fd > 2 )); then eval "exec $fd>&-" 2>/dev/null || true; fi
  done
}

# wait_ready PID LOG SECONDS: until ready() answers; fails (with the log's tail) when PID exits or time runs out.
wait_ready() {
  local pid=$1 logfile=$2 seconds=$3
  local end=$((SECONDS + seconds))
  until ready; do
    if ! alive "$pid"; then
      log "the server exited during start-up; last lines of $logfile:"
      tail -n 30 "$logfile" >&2 || true
      return 1
    fi
    if (( SECONDS >= end )); then
      log "not answering after $seconds s; see $logfile"
      return 1
    fi
    sleep 0.2
  done
}

# stop_pid PID-FILE [SIGNAL]: SIGNAL (default TERM), wait up to 30 s, then KILL; the pid file is removed.
stop_pid() {
  local file=$1 signal=${2:-TERM} pid i
  [ -f "$file" ] || return 0
  pid=$(cat "$file"); rm -f "$file"
  kill "-$signal" "$pid" 2>/dev/null || return 0
  for i in $(seq 1 150); do alive "$pid" || return 0; sleep 0.2; done
  log "pid $pid ignored SIG$signal, killing"
  kill -KILL "$pid" 2>/dev/null || true
}
