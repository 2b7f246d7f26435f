#!/usr/bin/env bash
# Installs the Debian packages behind the services that tests and benchmarks use:
#   scripts/install-services.sh [postgres] [prometheus] [alertmanager] [chromium] [clickhouse] [tmux]
# No argument means all of them. Only missing packages are installed; re-running is a no-op.
# Services are never started by the install (the scripts in scripts/ start them under .tmp/).
set -euo pipefail

usage() {
  echo "usage: $0 [postgres] [prometheus] [alertmanager] [chromium] [clickhouse] [tmux]" >&2
  exit 2
}

packages_for() {
  case "$1" in
    postgres | postgresql) echo "postgresql" ;;
    prometheus | promtool) echo "prometheus" ;;
    alertmanager) echo "prometheus-alertmanager" ;;
    chromium) echo "chromium fonts-liberation" ;;
    clickhouse) echo "clickhouse-server clickhouse-client" ;;
    tmux) echo "tmux" ;;
    -h | --help) usage ;;
    *)
      echo "unknown service: $1" >&2
      usage
      ;;
  esac
}

is_installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

services=("$@")
if [ "${#services[@]}" -eq 0 ]; then
  services=(postgres prometheus alertmanager chromium clickhouse tmux)
fi

# Resolved before the loop: an unknown name must stop the script, not a subshell.
wanted=()
for service in "${services[@]}"; do
  list="$(packages_for "$service")" || exit 2
  read -r -a pkgs <<<"$list"
  wanted+=("${pkgs[@]}")
done

missing=()
for pkg in "${wanted[@]}"; do
  if is_installed "$pkg"; then
    echo "ok: $pkg already installed"
  else
    missing+=("$pkg")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "nothing to install"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
  else
    echo "need root (or sudo) to install: ${missing[*]}" >&2
    exit 1
  fi
else
  SUDO=()
fi

# Debian's postinst scripts would start a system PostgreSQL on 5432, a Prometheus on 9090 and an Alertmanager on 9093.
# policy-rc.d exiting 101 tells invoke-rc.d not to start anything; removed again afterwards
# unless it was already there.
created_policy=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
  printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee /usr/sbin/policy-rc.d >/dev/null
  "${SUDO[@]}" chmod 755 /usr/sbin/policy-rc.d
  created_policy=1
fi
cleanup() {
  if [ "$created_policy" -eq 1 ]; then
    "${SUDO[@]}" rm -f /usr/sbin/policy-rc.d
  fi
}
trap cleanup EXIT

echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"

for pkg in "${missing[@]}"; do
  if ! is_installed "$pkg"; then
    echo "failed to install $pkg" >&2
    exit 1
  fi
done
echo "installed: ${missing[*]}"
