#!/usr/bin/env bash
# Installs what the tests need beyond npm packages, when absent (Debian packages). Safe to run
# again. No service is started here: tests start their own peers (redis-server included) on
# free ports of 127.0.0.1 and stop them afterwards.
set -euo pipefail
# Each entry: a command the tests run, and the Debian package that provides it.
NEEDS=(
  "coap-client-openssl:libcoap3-bin"  # DTLS interop (test/dtls)
  "coap-client-gnutls:libcoap3-bin"
  "coap-server-openssl:libcoap3-bin"
  "coap-server-gnutls:libcoap3-bin"
  "openssl:openssl"                  # DTLS interop: s_client / s_server -dtls1_2
  "coap-client-notls:libcoap3-bin"    # CoAP interop (test/coap)
  "coap-server-notls:libcoap3-bin"
  "redis-server:redis-server"        # Redis stores (test/server/redis-*): each test starts its own on a free port
)
need=()
for pair in "${NEEDS[@]}"; do
  cmd=${pair%%:*}; pkg=${pair#*:}
  command -v "$cmd" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
