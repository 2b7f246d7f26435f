#!/usr/bin/env bash
# A private Prometheus Alertmanager for tests and demos, no Docker, no system service:
#   scripts/alertmanager.sh start   # start on a free loopback port (or PULSE_AM_PORT), print its URL
#   scripts/alertmanager.sh stop
#   scripts/alertmanager.sh status  # exit 0 when running
#   scripts/alertmanager.sh url     # the URL of the running instance
# Data lives in .tmp/services/alertmanager (override: PULSE_SERVICES_DIR). Clustering is off
# (--cluster.listen-address= empty), so it opens no gossip port. Every command is safe to re-run.
# Progress goes to stderr; stdout carries only the URL.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SERVICES_DIR="${PULSE_SERVICES_DIR:-$ROOT/.tmp/services}"
BASE="$SERVICES_DIR/alertmanager"
PID_FILE="$BASE/alertmanager.pid"
PORT_FILE="$BASE/port"
LOG="$BASE/alertmanager.log"
HOST=127.0.0.1

log() { echo "alertmanager.sh: $*" >&2; }

find_binary() {
  local b
  for b in prometheus-alertmanager alertmanager; do
    if command -v "$b" >/dev/null 2>&1; then command -v "$b"; return; fi
  done
  return 1
}

free_port() {
  if [ -n "${PULSE_AM_PORT:-}" ]; then echo "$PULSE_AM_PORT"; return; fi
  # Port 0 asks the kernel for a free port; Node is always here (the project needs it).
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();});'
}

is_running() {
  [ -f "$PID_FILE" ] && kill -0 "$(cat "$PID_FILE")" 2>/dev/null
}

url() { echo "http://$HOST:$(cat "$PORT_FILE")"; }

ready() {
  node -e 'fetch(process.argv[1]+"/-/ready").then(r=>process.exit(r.ok?0:1),()=>process.exit(1))' "$(url)"
}

start() {
  if is_running; then
    log "already running"
    url
    return
  fi
  local bin port
  if ! bin="$(find_binary)"; then
    log "prometheus-alertmanager is not installed (scripts/install-services.sh alertmanager)"
    exit 1
  fi
  mkdir -p "$BASE/data"
  # No receivers of its own: Pulse only needs Alertmanager to hold and show the alerts it is sent.
  cat >"$BASE/alertmanager.yml" <<'YML'
route:
  receiver: blackhole
  group_wait: 1s
  group_interval: 1s
receivers:
  - name: blackhole
YML
  port="$(free_port)"
  echo "$port" >"$PORT_FILE"
  log "starting on $HOST:$port (log: $LOG)"
  # 9>&-: the daemon must not inherit the lock below.
  nohup "$bin" --config.file="$BASE/alertmanager.yml" --storage.path="$BASE/data" \
    --web.listen-address="$HOST:$port" --cluster.listen-address= >"$LOG" 2>&1 9>&- &
  echo $! >"$PID_FILE"
  for _ in $(seq 1 100); do
    if ready; then url; return; fi
    if ! is_running; then break; fi
    sleep 0.1
  done
  log "start failed; last lines of $LOG:"
  tail -n 20 "$LOG" >&2 || true
  stop
  exit 1
}

stop() {
  if is_running; then
    local pid
    pid="$(cat "$PID_FILE")"
    log "stopping (pid $pid)"
    kill "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  else
    log "not running"
  fi
  rm -f "$PID_FILE"
}

cmd="${1:-}"
case "$cmd" in
  start | stop | status | url) ;;
  *)
    echo "usage: $0 start|stop|status|url" >&2
    exit 2
    ;;
esac

mkdir -p "$SERVICES_DIR"
exec 9>"$SERVICES_DIR/.alertmanager.lock"
flock 9

case "$cmd" in
  start) start ;;
  stop) stop ;;
  url)
    if is_running; then url; else log "not running"; exit 1; fi
    ;;
  status)
    if is_running; then echo running; else echo stopped; exit 1; fi
    ;;
esac
