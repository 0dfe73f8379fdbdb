#!/usr/bin/env bash
# Echo throughput and the server's CPU time per echoed message, for the
# servers named (see `go run ./cmd/echoserver -list`), one after the other:
#   cd bench && ./echo-cpu.sh tlskit-ws-epoll gws nbio
# Each server gets `tlskit bench` with 200 connections × 1 KiB for 6 s
# (CONNS, SIZE, DURATION override; SCHEME=wss for TLS servers). CPU is
# utime+stime from /proc/PID/stat over the run, divided by the messages
# echoed: unlike msg/s it hardly depends on how much CPU the load client,
# on the same cores, leaves to the server. It is split into user and
# system time, and the load client's own CPU per message (bash's time) is
# given too: with both on the same cores, msg/s is about
# cores / (server + client CPU per message).
set -euo pipefail
cd "$(dirname "$0")"
conns=${CONNS:-200} size=${SIZE:-1024} duration=${DURATION:-6s} scheme=${SCHEME:-ws}
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/echoserver" ./cmd/echoserver
(cd .. && go build -o "$bin/tlskit" ./cmd/tlskit)
extra=()
[ "$scheme" = wss ] && extra=(--insecure)
tick=$(getconf CLK_TCK)
TIMEFORMAT='%U %S'
for impl in "$@"; do
  "$bin/echoserver" -impl "$impl" -addr 127.0.0.1:9411 >"$bin/server.log" 2>&1 &
  pid=$!
  sleep 1
  read -r u0 s0 < <(awk '{print $14, $15}' "/proc/$pid/stat")
  { time "$bin/tlskit" bench "$scheme://127.0.0.1:9411/" --conns "$conns" --size "$size" --duration "$duration" "${extra[@]}" >"$bin/bench.out" 2>&1 || true; } 2>"$bin/client.time"
  read -r u1 s1 < <(awk '{print $14, $15}' "/proc/$pid/stat")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  out=$(cat "$bin/bench.out")
  read -r cu cs < "$bin/client.time"
  msgs=$(awk '/^messages/ {print $2}' <<<"$out")
  rate=$(awk '/^throughput/ {print $2}' <<<"$out")
  errs=$(awk '/^errors/ {$1=""; print}' <<<"$out")
  awk -v i="$impl" -v r="$rate" -v m="$msgs" -v u=$((u1 - u0)) -v s=$((s1 - s0)) -v hz="$tick" -v cu="$cu" -v cs="$cs" -v e="$errs" \
    'BEGIN { printf "%-20s %8s msg/s  server CPU %.2f µs/msg (user %.2f, sys %.2f)  client CPU %.2f µs/msg  errors:%s\n",
      i, r, (u + s) / hz * 1e6 / m, u / hz * 1e6 / m, s / hz * 1e6 / m, (cu + cs) * 1e6 / m, e }'
done
