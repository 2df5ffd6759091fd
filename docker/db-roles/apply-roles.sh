#!/bin/sh
# Creates or repairs the database's roles (roles.sql), idempotently, as the master user.
# Every value comes from the task's environment (ECS injects the three secrets):
#   DB_HOST DB_PORT DB_NAME              the instance and the application's database
#   MASTER_USER MASTER_PASSWORD          the administrator (RDS master user)
#   OWNER_USER OWNER_PASSWORD            migrations: owns the schema's tables
#   APP_USER APP_PASSWORD                web and worker: data only (the secret's current user,
#                                        which rotation alternates between <name> and <name>_clone)
# TLS: PGSSLMODE (default verify-full) against PGSSLROOTCERT (default: the image's RDS bundle).
set -eu
for variable in DB_HOST DB_PORT DB_NAME MASTER_USER MASTER_PASSWORD OWNER_USER OWNER_PASSWORD APP_USER APP_PASSWORD; do
  eval "value=\${$variable:-}"
  [ -n "$value" ] || { echo "apply-roles: $variable is not set" >&2; exit 2; }
done
# The application's base role: the secret's current user without rotation's `_clone` suffix.
APP_BASE="${APP_USER%_clone}"
export APP_BASE
export PGHOST="$DB_HOST" PGPORT="$DB_PORT" PGDATABASE="$DB_NAME" PGUSER="$MASTER_USER" PGPASSWORD="$MASTER_PASSWORD"
export PGCONNECT_TIMEOUT="${PGCONNECT_TIMEOUT:-15}" PGAPPNAME=apply-roles
export PGSSLMODE="${PGSSLMODE:-verify-full}" PGSSLROOTCERT="${PGSSLROOTCERT:-/etc/db-roles/rds-ca.pem}"
echo "apply-roles: owner $OWNER_USER, application $APP_BASE (current login $APP_USER), database $DB_NAME on $DB_HOST"
psql --no-psqlrc --quiet --set ON_ERROR_STOP=1 --file "${ROLES_SQL:-/usr/local/share/db-roles/roles.sql}"
echo "apply-roles: done"
