#!/usr/bin/env bash
# A private Prometheus for tests (Debian's `prometheus`), no system service:
#   scripts/prometheus.sh start CONFIG [DIR]   # start on a free 127.0.0.1 port, print its URL on stdout
#   scripts/prometheus.sh stop [DIR]
#   scripts/prometheus.sh status [DIR]         # exit 0 when running
# DIR (default .tmp/services/prometheus) holds the TSDB, the log and the pid file; each test may use
# its own DIR so several instances can run at once. CONFIG is read where it is (rule files resolve
# relative to it). The lifecycle API is on, so POST /-/reload re-reads CONFIG.
# Progress goes to stderr; stdout carries only the URL.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
log() { echo "prometheus.sh: $*" >&2; }

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{process.stdout.write(String(s.address().port));s.close()})'
}

# Node is there wherever the project runs; curl may not be.
is_ready() {
  node -e 'fetch(process.argv[1] + "/-/ready").then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' "$1"
}

is_running() {
  [ -f "$1/prometheus.pid" ] && kill -0 "$(cat "$1/prometheus.pid")" 2>/dev/null
}

start() {
  local config="$1" dir="$2" port url i
  [ -f "$config" ] || { log "no config file at $config"; exit 2; }
  command -v prometheus >/dev/null 2>&1 || { log "prometheus is not installed (scripts/install-services.sh prometheus)"; exit 1; }
  mkdir -p "$dir/data"
  if is_running "$dir"; then
    log "already running"
    cat "$dir/url"
    return
  fi
  port="$(free_port)"
  url="http://127.0.0.1:$port"
  log "starting on $url (log: $dir/prometheus.log)"
  # setsid: its own process group, so a test runner's signals do not reach it and stop can end it alone.
  setsid prometheus \
    --config.file="$config" \
    --storage.tsdb.path="$dir/data" \
    --storage.tsdb.retention.time=2h \
    --web.listen-address="127.0.0.1:$port" \
    --web.enable-lifecycle \
    --log.level=warn \
    >"$dir/prometheus.log" 2>&1 </dev/null &
  echo $! >"$dir/prometheus.pid"
  echo "$url" >"$dir/url"
  for i in $(seq 1 100); do
    if is_ready "$url"; then
      echo "$url"
      return
    fi
    if ! is_running "$dir"; then
      log "exited during start; last lines of $dir/prometheus.log:"
      tail -n 20 "$dir/prometheus.log" >&2 || true
      exit 1
    fi
    sleep 0.1
  done
  log "not ready after 10 s"
  exit 1
}

stop() {
  local dir="$1" pid i
  if ! is_running "$dir"; then
    log "not running"
    return
  fi
  pid="$(cat "$dir/prometheus.pid")"
  kill "$pid"
  for i in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$dir/prometheus.pid"; return; }
    sleep 0.1
  done
  log "still running after 10 s; killing"
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$dir/prometheus.pid"
}

cmd="${1:-}"
case "$cmd" in
  start)
    [ $# -ge 2 ] || { echo "usage: $0 start CONFIG [DIR]" >&2; exit 2; }
    start "$(realpath "$2")" "${3:-$ROOT/.tmp/services/prometheus}"
    ;;
  stop) stop "${2:-$ROOT/.tmp/services/prometheus}" ;;
  status)
    if is_running "${2:-$ROOT/.tmp/services/prometheus}"; then echo running; else echo stopped; exit 1; fi
    ;;
  *)
    echo "usage: $0 start CONFIG [DIR] | stop [DIR] | status [DIR]" >&2
    exit 2
    ;;
esac
