#!/bin/sh
# The dev cache task's image, in one of three roles (the container's command):
#   valkey      Valkey on 127.0.0.1:6380 with a password, its append-only file on /data (EFS);
#   tls-server  stunnel in front of it: TLS-PSK on 0.0.0.0:6379 -> 127.0.0.1:6380 (the cache task);
#   tls-client  stunnel as the app tasks' sidecar: plain 127.0.0.1:6379 -> TLS-PSK to the cache task,
#               so the app talks to 127.0.0.1:6379 exactly as it would to a local Redis.
# Both tunnel ends share one key (CACHE_PSK, identity booking-cache) and one TLS 1.2 suite,
# ECDHE-PSK-CHACHA20-POLY1305: the key authenticates both ends without a certificate, and ECDHE
# keeps past traffic secret should the key leak. The values are src/ops/contracts.ts CACHE_TUNNEL.
# Every input is checked before anything is written or started; an error is one line naming the
# variable, its value (never a secret's) and the fix.
set -eu

IDENTITY=booking-cache
CIPHER=ECDHE-PSK-CHACHA20-POLY1305
TUNNEL_PORT=6379
DEFAULT_VALKEY_PORT=6380

fail() {
  printf 'cache-entrypoint: %s\n' "$*" >&2
  exit 1
}

NEWLINE='
'
# What must never reach a generated config line: a line break would start a new option.
LINE_BREAKS="${NEWLINE}$(printf '\r')"
BLANKS="$(printf ' \t')"

# require NAME VALUE FIX
require() {
  [ -n "$2" ] || fail "$1 is required: $3"
}

# check_port NAME VALUE: a TCP port, 1-65535, digits only.
check_port() {
  case $2 in
    '' | 0* | *[!0-9]*) fail "$1 is \"$2\": not a TCP port; give a number from 1 to 65535" ;;
  esac
  if [ "${#2}" -gt 5 ] || [ "$2" -gt 65535 ]; then
    fail "$1 is \"$2\": not a TCP port; give a number from 1 to 65535"
  fi
}

# check_word NAME VALUE FIX: no spaces, tabs or line breaks (one token of a config line).
check_word() {
  case $2 in
    *["$LINE_BREAKS"]*) fail "$1 contains a line break; $3" ;;
    *["$BLANKS"]*) fail "$1 is \"$2\": it contains a space; $3" ;;
  esac
}

# check_listen NAME VALUE: stunnel's [HOST:]PORT.
check_listen() {
  check_word "$1" "$2" 'give [HOST:]PORT, e.g. 127.0.0.1:6379'
  case $2 in
    *:*) check_port "$1 (its port)" "${2##*:}" ;;
    *) check_port "$1" "$2" ;;
  esac
}

# check_writable_dir NAME DIR FIX
check_writable_dir() {
  if [ ! -d "$2" ] || [ ! -w "$2" ]; then
    fail "$1 is \"$2\": not a directory this user (uid $(id -u)) can write; $3"
  fi
}

# The pre-shared key, never printed. stunnel wants at least 16 bytes and reads a key made only of
# hexadecimal digits, of even length, as hex: 32 such characters make 16 bytes.
check_psk() {
  require CACHE_PSK "${CACHE_PSK:-}" "the tunnel's pre-shared key (the stack's <environment>/cache/tunnel-psk secret, key psk)"
  case $CACHE_PSK in
    *["$LINE_BREAKS"]*) fail "CACHE_PSK contains a line break: give the key on one line" ;;
  esac
  length=${#CACHE_PSK}
  minimum=16
  case $CACHE_PSK in
    *[!0-9A-Fa-f]*) ;;
    *) [ $((length % 2)) -eq 1 ] || minimum=32 ;;
  esac
  if [ "$length" -lt "$minimum" ]; then
    if [ "$minimum" -eq 32 ]; then
      fail "CACHE_PSK is $length hexadecimal digits, which stunnel reads as $((length / 2)) bytes: it needs at least 16 bytes; give at least 32 hexadecimal digits or 16 other characters"
    fi
    fail "CACHE_PSK is $length characters: stunnel needs at least 16; give a longer key (the stack generates 64)"
  fi
}

# run_tunnel SERVICE_LINES: writes the PSK file and stunnel's config into STUNNEL_RUN_DIR (a task
# volume: the root filesystem is read-only), both readable by this user only, and runs stunnel in
# the foreground, logging to stderr (the container's log).
run_tunnel() {
  : "${STUNNEL:=stunnel}" "${STUNNEL_RUN_DIR:=/run/stunnel}" "${TUNNEL_LOG_LEVEL:=warning}"
  case $TUNNEL_LOG_LEVEL in
    emerg | alert | crit | err | warning | notice | info | debug | [0-7]) ;;
    *) fail "TUNNEL_LOG_LEVEL is \"$TUNNEL_LOG_LEVEL\": give one of emerg, alert, crit, err, warning, notice, info, debug" ;;
  esac
  check_writable_dir STUNNEL_RUN_DIR "$STUNNEL_RUN_DIR" "mount the task's run volume there"
  umask 077
  # A container restarted in the same task finds its old files: replace them, never reuse their modes.
  rm -f "$STUNNEL_RUN_DIR/psk.txt" "$STUNNEL_RUN_DIR/stunnel.conf"
  printf '%s:%s\n' "$IDENTITY" "$CACHE_PSK" >"$STUNNEL_RUN_DIR/psk.txt"
  # warning: handshake failures (a wrong key, a plain connection) are errors and show; each
  # connection's opening and closing are notices and do not (TUNNEL_LOG_LEVEL=notice shows them).
  cat >"$STUNNEL_RUN_DIR/stunnel.conf" <<CONF
foreground = yes
pid =
syslog = no
debug = ${TUNNEL_LOG_LEVEL}

[cache]
$1
PSKsecrets = ${STUNNEL_RUN_DIR}/psk.txt
ciphers = ${CIPHER}
sslVersionMin = TLSv1.2
sslVersionMax = TLSv1.2
CONF
  exec "$STUNNEL" "$STUNNEL_RUN_DIR/stunnel.conf"
}

[ "$#" -eq 1 ] || fail "expected one argument, the role (valkey, tls-server or tls-client), got $#: set it as the container's command"

case $1 in
  valkey)
    : "${VALKEY_SERVER:=valkey-server}" "${VALKEY_PORT:=$DEFAULT_VALKEY_PORT}" "${VALKEY_DATA_DIR:=/data}"
    require CACHE_PASSWORD "${CACHE_PASSWORD:-}" "the password every client sends (the stack's <environment>/cache/auth-token secret, key token)"
    maxmemory="${CACHE_MAXMEMORY_MB:-}"
    case $maxmemory in
      '' | 0* | *[!0-9]*) fail "CACHE_MAXMEMORY_MB is \"$maxmemory\": give Valkey's memory limit in MiB, a whole number above 0, below the container's memory" ;;
    esac
    check_port VALKEY_PORT "$VALKEY_PORT"
    check_writable_dir VALKEY_DATA_DIR "$VALKEY_DATA_DIR" "mount the cache's EFS volume there (the append-only file lives on it)"
    # Loopback only: nothing reaches Valkey but the tunnel beside it. Persistence is the
    # append-only file alone, flushed every second (at most about a second of writes lost with
    # the task); no RDB snapshots. noeviction: the cache holds Dramatiq's queues, which must never
    # be dropped to make room; a full cache refuses writes instead.
    exec "$VALKEY_SERVER" \
      --bind 127.0.0.1 \
      --port "$VALKEY_PORT" \
      --protected-mode yes \
      --daemonize no \
      --requirepass "$CACHE_PASSWORD" \
      --dir "$VALKEY_DATA_DIR" \
      --appendonly yes \
      --appendfsync everysec \
      --save "" \
      --maxmemory "${maxmemory}mb" \
      --maxmemory-policy noeviction
    ;;
  tls-server)
    check_psk
    : "${TUNNEL_ACCEPT:=0.0.0.0:$TUNNEL_PORT}" "${VALKEY_PORT:=$DEFAULT_VALKEY_PORT}"
    check_listen TUNNEL_ACCEPT "$TUNNEL_ACCEPT"
    check_port VALKEY_PORT "$VALKEY_PORT"
    # TCP keepalive on the app tasks' connections: one from a task that vanished is dropped after
    # about 90 s instead of holding a Valkey connection until stunnel's 12-hour idle timeout.
    run_tunnel "accept = ${TUNNEL_ACCEPT}
connect = 127.0.0.1:${VALKEY_PORT}
socket = l:SO_KEEPALIVE=1
socket = l:TCP_KEEPIDLE=60
socket = l:TCP_KEEPINTVL=10
socket = l:TCP_KEEPCNT=3"
    ;;
  tls-client)
    check_psk
    require CACHE_HOST "${CACHE_HOST:-}" "the cache task's name, e.g. cache.booking-dev.internal"
    check_word CACHE_HOST "$CACHE_HOST" "give the cache task's name, e.g. cache.booking-dev.internal"
    : "${TUNNEL_ACCEPT:=127.0.0.1:$TUNNEL_PORT}" "${CACHE_PORT:=$TUNNEL_PORT}"
    check_listen TUNNEL_ACCEPT "$TUNNEL_ACCEPT"
    check_port CACHE_PORT "$CACHE_PORT"
    # delay = yes: the name is resolved for every connection, not once at start: a replaced or
    # resumed cache task comes back at a new address. TIMEOUTconnect: a stopped cache fails a
    # connection in 5 s, not stunnel's 10. Keepalive: a connection to a cache task that vanished
    # without closing it fails after about 90 s idle instead of hanging.
    run_tunnel "client = yes
accept = ${TUNNEL_ACCEPT}
connect = ${CACHE_HOST}:${CACHE_PORT}
delay = yes
PSKidentity = ${IDENTITY}
TIMEOUTconnect = 5
socket = r:SO_KEEPALIVE=1
socket = r:TCP_KEEPIDLE=60
socket = r:TCP_KEEPINTVL=10
socket = r:TCP_KEEPCNT=3"
    ;;
  *)
    fail "the role is \"$1\": give valkey, tls-server or tls-client as the container's command"
    ;;
esac
