#!/usr/bin/env bash
# Installs the system services the integration tests start themselves: Mosquitto (MQTT 5 broker)
# and checks for the Google Cloud Pub/Sub emulator (ships with the Google Cloud CLI, needs Java).
# Best effort: a missing service makes its tests skip locally (and fail in CI, where
# MAESTRO_REQUIRE_INTEGRATION=1).
set -u
need_apt=()
command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || need_apt+=(mosquitto)
command -v java >/dev/null 2>&1 || need_apt+=(default-jre-headless)
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "install-test-deps: installing ${need_apt[*]}"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}") >/dev/null 2>&1 \
      || echo "install-test-deps: could not install ${need_apt[*]}; their tests will skip" >&2
  else
    echo "install-test-deps: missing ${need_apt[*]} (run as root or install them); their tests will skip" >&2
  fi
fi
# Mosquitto's package enables a system service; tests start their own brokers on free ports.
if command -v systemctl >/dev/null 2>&1; then systemctl disable --now mosquitto >/dev/null 2>&1 || true; fi
exit 0
