-- The database's roles, created or repaired idempotently by the master user (apply-roles.sh).
--
--   owner        (OWNER_USER, e.g. booking_owner)  runs migrations; owns every table, view and
--                sequence of schema public; may create in it. Rotated single-user.
--   application  (APP_BASE, e.g. booking_app)      web and worker, through PgBouncer: SELECT,
--                INSERT, UPDATE, DELETE on the tables and USAGE, SELECT on the sequences, now and
--                for every table the owner creates later (default privileges); owns nothing and
--                can create nothing. Rotated with the alternating-users scheme: the rotation
--                function creates <name>_clone as `GRANT <name> TO <name>_clone`, so the clone
--                holds exactly these privileges through membership.
--   master       (MASTER_USER, e.g. booking_admin)  administration only; a member of the owner so
--                that it can hand the tables it created (before these roles existed) to the owner
--                and set the owner's default privileges.
--
-- A password is set only when a role is created: afterwards rotation owns it, and writing the
-- value this task started with could undo a rotation that finished meanwhile.

\getenv db_name DB_NAME
\getenv owner_user OWNER_USER
\getenv owner_password OWNER_PASSWORD
\getenv app_base APP_BASE
\getenv app_user APP_USER
\getenv app_password APP_PASSWORD

-- The owner and the application's base role; the current login too, when rotation made it the
-- clone and it is missing (a database restored from before the rotation).
SELECT format('CREATE ROLE %I WITH LOGIN PASSWORD %L', :'owner_user', :'owner_password')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'owner_user') \gexec
SELECT CASE WHEN :'app_user' = :'app_base'
            THEN format('CREATE ROLE %I WITH LOGIN PASSWORD %L', :'app_base', :'app_password')
            -- Its password comes with the next rotation, which alternates back to it.
            ELSE format('CREATE ROLE %I WITH LOGIN', :'app_base') END
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app_base') \gexec
SELECT format('CREATE ROLE %I WITH LOGIN PASSWORD %L', :'app_user', :'app_password')
 WHERE :'app_user' <> :'app_base' AND NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app_user') \gexec
SELECT format('GRANT %I TO %I', :'app_base', :'app_user')
 WHERE :'app_user' <> :'app_base' AND NOT pg_has_role(:'app_user', :'app_base', 'USAGE') \gexec

-- The master acts as the owner (ALTER ... OWNER TO needs it on PostgreSQL 16 and later).
SELECT format('GRANT %I TO %I', :'owner_user', current_user)
 WHERE NOT pg_has_role(current_user, :'owner_user', 'USAGE') \gexec

GRANT CONNECT, TEMPORARY ON DATABASE :"db_name" TO :"owner_user", :"app_base";
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE, CREATE ON SCHEMA public TO :"owner_user";
GRANT USAGE ON SCHEMA public TO :"app_base";

-- What the master created in schema public (migrations ran as the master before these roles
-- existed) now belongs to the owner: tables first (which takes their indexes and the sequences
-- their columns own), then views and free-standing sequences.
SELECT format('ALTER %s %I.%I OWNER TO %I',
              CASE c.relkind WHEN 'r' THEN 'TABLE' WHEN 'p' THEN 'TABLE' WHEN 'f' THEN 'FOREIGN TABLE'
                             WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'SEQUENCE' END,
              n.nspname, c.relname, :'owner_user')
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE n.nspname = 'public'
   AND c.relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)
   AND c.relkind IN ('r', 'p', 'f', 'v', 'm', 'S')
   AND NOT (c.relkind = 'S' AND EXISTS (
         SELECT FROM pg_depend d
          WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype IN ('a', 'i')))
 ORDER BY c.relkind IN ('v', 'm', 'S'), c.relname \gexec

-- The application's data privileges: on what exists, and on what the owner creates from now on.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"app_base";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO :"app_base";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner_user" IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"app_base";
ALTER DEFAULT PRIVILEGES FOR ROLE :"owner_user" IN SCHEMA public
  GRANT USAGE, SELECT ON SEQUENCES TO :"app_base";
