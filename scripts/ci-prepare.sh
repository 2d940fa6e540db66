#!/usr/bin/env bash
# Machine prerequisites the tests need beyond `npm ci`: Debian's Chromium for browser tests.
# Idempotent: installs only what is missing (CI runs on a machine that may lack it).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

if ! command -v chromium >/dev/null 2>&1; then
  echo "installing chromium (browser tests)"
  apt-get update -qq
  apt-get install -y -q --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi
chromium --version 2>/dev/null | head -1

# Services the engine tests talk to, on their standard loopback ports. The machine starts them before
# a session; one that stopped is started here the same way (tests that kill a service start their own).
wait_for() { # name, command...
  local name=$1; shift
  for _ in $(seq 1 100); do "$@" >/dev/null 2>&1 && { echo "$name is up"; return 0; }; sleep 0.1; done
  echo "$name did not come up" >&2; return 1
}
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  echo "starting redis on 6379"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
fi
wait_for redis redis-cli -h 127.0.0.1 -p 6379 ping
if ! port_open 4222; then
  echo "starting nats-server (JetStream) on 4222"
  mkdir -p /var/lib/nats-server
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- \
    -a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log
fi
wait_for nats port_open 4222
if ! port_open 1883; then
  echo "starting mosquitto on 1883"
  mosquitto -d -c /etc/mosquitto/mosquitto.conf
fi
wait_for mosquitto port_open 1883
if ! port_open 5432; then
  echo "starting postgresql on 5432"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
fi
wait_for postgresql port_open 5432
if ! port_open 5672; then
  echo "starting rabbitmq on 5672 (takes 10-20 s)"
  rabbitmq-server -detached
  for _ in $(seq 1 600); do port_open 5672 && break; sleep 0.1; done
fi
wait_for rabbitmq port_open 5672
