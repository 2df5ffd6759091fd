#!/bin/sh
# Writes pgbouncer.ini and the auth file from the task's environment, then runs PgBouncer on
# 127.0.0.1:6432 in transaction mode with TLS to the database (RDS forces TLS), verifying the
# server's certificate and host name against the RDS CA bundle the image ships
# (SERVER_TLS_CA_FILE overrides the bundle's path).
set -eu
: "${DB_HOST:?DB_HOST is required}" "${DB_PORT:?}" "${DB_NAME:?}" "${DB_USER:?}" "${DB_PASSWORD:?}"
: "${POOL_SIZE:=10}" "${MAX_CLIENT_CONN:=200}" "${SERVER_TLS_CA_FILE:=/etc/pgbouncer/rds-ca.pem}"
[ -r "$SERVER_TLS_CA_FILE" ] || { echo "pgbouncer-entrypoint: no CA bundle at $SERVER_TLS_CA_FILE to verify the database's certificate" >&2; exit 1; }
dir="${PGBOUNCER_RUN_DIR:-/run/pgbouncer}"
umask 077
printf '"%s" "%s"\n' "$DB_USER" "$DB_PASSWORD" > "$dir/userlist.txt"
cat > "$dir/pgbouncer.ini" <<INI
[databases]
${DB_NAME} = host=${DB_HOST} port=${DB_PORT} dbname=${DB_NAME}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = 6432
unix_socket_dir =
auth_type = scram-sha-256
auth_file = ${dir}/userlist.txt
pool_mode = transaction
default_pool_size = ${POOL_SIZE}
max_client_conn = ${MAX_CLIENT_CONN}
server_tls_sslmode = verify-full
server_tls_ca_file = ${SERVER_TLS_CA_FILE}
ignore_startup_parameters = extra_float_digits,options
logfile =
pidfile =
INI
exec pgbouncer "$dir/pgbouncer.ini"
