// The database-roles task's real script (docker/db-roles/apply-roles.sh and roles.sql) run with
// psql against a real PostgreSQL whose master user is what RDS gives: not a superuser, but
// CREATEROLE and the owner of the application's database. Checks what each role may do, that a
// second run changes nothing, that tables the master created before the roles existed pass to the
// owner, and that the clone the rotation function makes (`CREATE ROLE <name>_clone ... ; GRANT
// <name> TO <name>_clone`, as AWS's PostgreSQL multi-user rotation does) works like the original.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  type CommandResult,
  freePort,
  postgresBinDir,
  requireBinary,
  runCommand,
  type Server,
  serverUser,
  startServer,
  waitUntil,
} from './real-processes';

const SCRIPT_DIR = join(__dirname, '..', '..', 'docker', 'db-roles');
const DATABASE = 'booking';
const MASTER = 'booking_admin';
const OWNER = 'booking_owner';
const APP = 'booking_app';

const password = () => randomBytes(12).toString('hex');

describe('database roles (docker/db-roles) against real PostgreSQL', { timeout: 180_000 }, () => {
  const superPassword = password();
  const masterPassword = password();
  const ownerPassword = password();
  const appPassword = password();
  let dir: string | undefined;
  let port: number;
  let psqlBinary: string;
  let postgres: Server | undefined;

  function psql(user: string, secret: string, sql: string, dbname = DATABASE): Promise<CommandResult> {
    const connection = `host=127.0.0.1 port=${port} dbname=${dbname} user=${user} sslmode=disable`;
    return runCommand(psqlBinary, ['-X', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', sql, connection], {
      env: { PATH: process.env.PATH, LANG: 'C.UTF-8', PGPASSWORD: secret, PGCONNECT_TIMEOUT: '10' },
      timeoutMs: 30_000,
    });
  }
  const ok = (result: CommandResult): string => {
    assert.equal(result.status, 0, result.stderr);
    return result.stdout.trim();
  };
  const refused = (result: CommandResult, why: RegExp) => {
    assert.notEqual(result.status, 0, `expected a refusal, got: ${result.stdout}`);
    assert.match(result.stderr, why);
  };
  const asMaster = (sql: string) => psql(MASTER, masterPassword, sql);
  const asOwner = (sql: string) => psql(OWNER, ownerPassword, sql);
  const asApp = (sql: string, user = APP, secret = appPassword) => psql(user, secret, sql);

  /** The task's entrypoint as ECS starts it, with the secrets' values in its environment. */
  function applyRoles(overrides: Record<string, string | undefined> = {}): Promise<CommandResult> {
    const env: Record<string, string | undefined> = {
      PATH: process.env.PATH,
      LANG: 'C.UTF-8',
      DB_HOST: '127.0.0.1',
      DB_PORT: String(port),
      DB_NAME: DATABASE,
      MASTER_USER: MASTER,
      MASTER_PASSWORD: masterPassword,
      OWNER_USER: OWNER,
      OWNER_PASSWORD: ownerPassword,
      APP_USER: APP,
      APP_PASSWORD: appPassword,
      // No TLS on this loopback server; the image's default is verify-full against the RDS bundle.
      PGSSLMODE: 'disable',
      ROLES_SQL: join(SCRIPT_DIR, 'roles.sql'),
      ...overrides,
    };
    return runCommand('sh', [join(SCRIPT_DIR, 'apply-roles.sh')], { env, timeoutMs: 60_000 });
  }

  before(async () => {
    const binDir = postgresBinDir();
    psqlBinary = requireBinary('psql', 'postgresql-client');
    const user = serverUser();
    const asUser = user ? { uid: user.uid, gid: user.gid } : {};
    const own = (path: string) => {
      if (user) chownSync(path, user.uid, user.gid);
    };
    dir = mkdtempSync(join(tmpdir(), 'database-roles-'));
    own(dir);
    const passwordFile = join(dir, 'superuser-password');
    writeFileSync(passwordFile, `${superPassword}\n`, { mode: 0o600 });
    own(passwordFile);
    const data = join(dir, 'data');
    const initdb = await runCommand(
      join(binDir, 'initdb'),
      [
        '-D',
        data,
        `--pwfile=${passwordFile}`,
        ...'-U rdsadmin -A scram-sha-256 -E UTF8 --no-locale --no-sync'.split(' '),
      ],
      { ...asUser, cwd: dir },
    );
    ok(initdb);
    port = await freePort();
    const settings = {
      listen_addresses: '127.0.0.1',
      port,
      unix_socket_directories: '',
      password_encryption: 'scram-sha-256',
      max_connections: 20,
      shared_buffers: '16MB',
      fsync: 'off',
    };
    postgres = startServer(
      join(binDir, 'postgres'),
      ['-D', data, ...Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`])],
      { ...asUser, cwd: dir },
    );
    const asSuperuser = (sql: string) => psql('rdsadmin', superPassword, sql, 'postgres');
    await waitUntil(
      `PostgreSQL on 127.0.0.1:${port}`,
      async () => (await asSuperuser('select 1')).status === 0,
      postgres,
    );
    // What RDS creates: a master user that is no superuser, and the database it owns.
    ok(await asSuperuser(`create role ${MASTER} login createrole createdb password '${masterPassword}'`));
    ok(await asSuperuser(`create database ${DATABASE} owner ${MASTER}`));
    // What earlier releases left: migrations ran as the master, so it owns the tables.
    ok(
      await asMaster(
        [
          'create table legacy_booking (id serial primary key, name text not null)',
          'create table legacy_client (id bigint generated by default as identity primary key, email text)',
          'create sequence legacy_counter',
          'create view legacy_names as select name from legacy_booking',
          "insert into legacy_booking (name) values ('before the roles')",
        ].join('; '),
      ),
    );
  });

  after(async () => {
    await postgres?.stop('SIGINT');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('the first run creates the owner and the application role and hands the master’s tables to the owner', async () => {
    const result = await applyRoles();
    ok(result);
    assert.match(result.stdout, /apply-roles: done/);
    assert.doesNotMatch(result.stdout + result.stderr, new RegExp(`${appPassword}|${ownerPassword}|${masterPassword}`));
    const owners = ok(
      await asMaster(
        "select c.relname || '=' || pg_get_userbyid(c.relowner) from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public' and c.relkind in ('r','v','S') order by 1",
      ),
    );
    for (const relation of [
      'legacy_booking',
      'legacy_booking_id_seq',
      'legacy_client',
      'legacy_counter',
      'legacy_names',
    ]) {
      assert.match(owners, new RegExp(`^${relation}=${OWNER}$`, 'm'), owners);
    }
    const attributes = ok(
      await asMaster(
        `select rolname, rolsuper, rolcreaterole, rolcreatedb, rolcanlogin from pg_roles where rolname in ('${OWNER}', '${APP}') order by 1`,
      ),
    );
    assert.equal(attributes, `${APP}|f|f|f|t\n${OWNER}|f|f|f|t`);
  });

  test('the application reads and writes the data, old tables and sequences included, and can change no schema', async () => {
    assert.equal(ok(await asApp('select name from legacy_booking')), 'before the roles');
    ok(await asApp("insert into legacy_booking (name) values ('from the app'); update legacy_booking set name = name"));
    ok(await asApp("insert into legacy_client (email) values ('a@example.com'); select nextval('legacy_counter')"));
    ok(await asApp("delete from legacy_booking where name = 'from the app'"));
    refused(await asApp('create table app_table (id int)'), /permission denied for schema public/);
    refused(await asApp('drop table legacy_booking'), /must be owner of table legacy_booking/);
    refused(await asApp('alter table legacy_booking add column x int'), /must be owner of table legacy_booking/);
    refused(await asApp('truncate legacy_booking'), /permission denied for table legacy_booking/);
    // Granting what it holds is a no-op with a warning: it has no grant option.
    assert.match((await asApp(`grant select on legacy_booking to public`)).stderr, /no privileges were granted/);
    refused(await asApp(`create role intruder login`), /permission denied to create role/);
  });

  test('what a migration creates as the owner is the application’s to use at once (default privileges)', async () => {
    ok(await asOwner('create table appointment (id bigserial primary key, starts_at timestamptz not null)'));
    ok(await asOwner('alter table legacy_booking add column notes text'));
    ok(await asApp('insert into appointment (starts_at) values (now()); select count(*) from appointment'));
    ok(await asApp("update legacy_booking set notes = 'ok'"));
    refused(await asApp('drop table appointment'), /must be owner of table appointment/);
  });

  test('a second run changes nothing, and never resets a password rotation has changed', async () => {
    const rotated = password();
    ok(await asMaster(`alter role ${OWNER} password '${rotated}'`)); // what single-user rotation does
    ok(await applyRoles()); // the task started before the rotation: it holds the old password
    ok(await psql(OWNER, rotated, 'select 1'));
    refused(await asOwner('select 1'), /password authentication failed/);
    ok(await asMaster(`alter role ${OWNER} password '${ownerPassword}'`));
    const grants = ok(
      await asMaster(
        `select grantee || ':' || string_agg(privilege_type, ',' order by privilege_type) from information_schema.role_table_grants where table_name = 'appointment' and grantee = '${APP}' group by grantee`,
      ),
    );
    assert.equal(grants, `${APP}:DELETE,INSERT,SELECT,UPDATE`);
  });

  test('the clone the multi-user rotation makes works like the application role, and the task accepts it as the current user', async () => {
    const clone = `${APP}_clone`;
    const clonePassword = password();
    // Exactly what AWS's PostgreSQL multi-user rotation function runs as the master.
    ok(await asMaster(`create role ${clone} with login password '${clonePassword}'; grant ${APP} to ${clone}`));
    ok(
      await asApp(
        'select count(*) from appointment; insert into appointment (starts_at) values (now())',
        clone,
        clonePassword,
      ),
    );
    refused(
      await asApp('create table clone_table (id int)', clone, clonePassword),
      /permission denied for schema public/,
    );
    // The secret's current user is now the clone: the task runs with it.
    ok(await applyRoles({ APP_USER: clone, APP_PASSWORD: clonePassword }));
    ok(await asApp('select 1', clone, clonePassword));
  });

  test('restored from before a rotation: the current clone is created as a member of the application role', async () => {
    const clone = `${APP}_clone`;
    ok(await psql('rdsadmin', superPassword, `drop role ${clone}`, 'postgres'));
    const clonePassword = password();
    ok(await applyRoles({ APP_USER: clone, APP_PASSWORD: clonePassword }));
    assert.equal(ok(await asApp('select count(*) > 0 from appointment', clone, clonePassword)), 't');
  });

  test('a missing variable stops the task before it connects, naming the variable', async () => {
    const result = await applyRoles({ OWNER_PASSWORD: undefined });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /OWNER_PASSWORD is not set/);
  });
});
