// The PgBouncer sidecar's real entrypoint (docker/pgbouncer/entrypoint.sh) and the real pgbouncer
// binary in front of a real PostgreSQL that, like RDS with rds.force_ssl, only accepts TLS
// (a self-signed certificate made here) and SCRAM passwords. Clients connect through PgBouncer
// with psql, as the Django app does through the sidecar.
//
// Everything runs from a temporary directory on loopback, PostgreSQL on a free port. PgBouncer
// listens where the entrypoint puts it, 127.0.0.1:6432 (fixed there, as in the task), so that port
// must be free: Debian's own pgbouncer service uses it too (.ci/run stops it after installing).
// PostgreSQL and PgBouncer refuse to run as root: as root they run as the `postgres` user that
// the Debian package creates (else `nobody`), as the image runs PgBouncer as an unprivileged user.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chownSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  isListening,
  requireBinary,
  runCommand,
  type Server,
  serverUser,
  startPostgresCluster,
  startServer,
  waitUntil,
} from './real-processes';

const ENTRYPOINT = join(__dirname, '..', '..', 'docker', 'pgbouncer', 'entrypoint.sh');
/** Where the entrypoint makes PgBouncer listen. */
const PGBOUNCER_PORT = 6432;
/** The platform's database and master user (src/modules/database). */
const DATABASE = 'booking';
const USER = 'booking_admin';
/** Small, so that a few clients exceed it. */
const POOL_SIZE = 2;

describe('PgBouncer sidecar entrypoint with real PgBouncer and PostgreSQL over TLS', { timeout: 180_000 }, () => {
  const adminPassword = randomBytes(12).toString('hex');
  const userPassword = randomBytes(12).toString('hex');
  let dir: string | undefined;
  let runDir: string;
  let entrypointCopy: string;
  let psqlBinary: string;
  let postgresPort: number;
  let postgres: Server | undefined;
  let pgbouncer: Server | undefined;

  /** Runs one statement with psql; `-A -t`: unaligned rows, no headers. */
  function psql(
    target: { port: number; user: string; password: string; dbname: string; sslmode: string },
    sql: string,
  ) {
    const connection = `host=127.0.0.1 port=${target.port} dbname=${target.dbname} user=${target.user} sslmode=${target.sslmode}`;
    return runCommand(psqlBinary, ['-X', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', sql, connection], {
      env: { PATH: process.env.PATH, LANG: 'C.UTF-8', PGPASSWORD: target.password, PGCONNECT_TIMEOUT: '10' },
      timeoutMs: 30_000,
    });
  }
  /** As the superuser, straight to PostgreSQL (TLS, which it requires). */
  const asAdmin = (sql: string, dbname = 'postgres') =>
    psql({ port: postgresPort, user: 'admin', password: adminPassword, dbname, sslmode: 'require' }, sql);
  /** As the application, through PgBouncer (plain TCP on loopback, like the app to its sidecar). */
  const throughPgBouncer = (sql: string, password = userPassword) =>
    psql({ port: PGBOUNCER_PORT, user: USER, password, dbname: DATABASE, sslmode: 'disable' }, sql);

  function ok(result: { status: number | null; stdout: string; stderr: string }): string {
    assert.equal(result.status, 0, result.stderr);
    return result.stdout.trim();
  }

  before(async () => {
    requireBinary('pgbouncer', 'pgbouncer'); // fail early, naming the package, when it is missing
    psqlBinary = requireBinary('psql', 'postgresql-client');
    const openssl = requireBinary('openssl', 'openssl');
    if (await isListening(PGBOUNCER_PORT)) {
      throw new Error(
        `127.0.0.1:${PGBOUNCER_PORT}, where the entrypoint runs PgBouncer, is taken (Debian's pgbouncer service? systemctl stop pgbouncer.socket pgbouncer.service)`,
      );
    }
    const user = serverUser();
    const own = (path: string) => {
      if (user) chownSync(path, user.uid, user.gid);
    };
    dir = mkdtempSync(join(tmpdir(), 'pgbouncer-postgres-'));
    own(dir);

    // A self-signed certificate for 127.0.0.1; the key readable by its owner only, as PostgreSQL demands.
    const cert = join(dir, 'server.crt');
    const key = join(dir, 'server.key');
    const certificate = 'req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=127.0.0.1';
    ok(
      await runCommand(openssl, [
        ...certificate.split(' '),
        ...['-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert],
      ]),
    );
    own(cert);
    own(key);

    // A cluster whose superuser `admin` logs in with a SCRAM password; only TLS connections admitted.
    postgresPort = 0;
    const cluster = await startPostgresCluster({
      dir,
      superuser: 'admin',
      password: adminPassword,
      hba: 'hostssl all all 127.0.0.1/32 scram-sha-256\n',
      settings: { ssl: 'on', ssl_cert_file: cert, ssl_key_file: key },
      ready: async (port) => {
        postgresPort = port;
        return (await asAdmin('select 1')).status === 0;
      },
    });
    postgres = cluster.server;
    ok(await asAdmin(`create role ${USER} login password '${userPassword}'`));
    ok(await asAdmin(`create database ${DATABASE} owner ${USER}`));

    // The sidecar, as the task starts it: the entrypoint writes the config and execs pgbouncer.
    runDir = join(dir, 'run');
    mkdirSync(runDir);
    own(runDir);
    // A copy of the entrypoint in the test's own folder: the server user may not be able to reach
    // the checkout (a clone in a private folder, as `mktemp -d` makes, is root's alone).
    const entrypoint = join(dir, 'entrypoint.sh');
    copyFileSync(ENTRYPOINT, entrypoint);
    own(entrypoint);
    entrypointCopy = entrypoint;
    pgbouncer = await startPgBouncer(cert);
  });

  /** Starts the sidecar as the task does; `caFile` stands for the RDS bundle the image ships. */
  async function startPgBouncer(caFile: string): Promise<Server> {
    const user = serverUser();
    const server = startServer('sh', [entrypointCopy], {
      ...(user ? { uid: user.uid, gid: user.gid } : {}),
      cwd: dir!,
      env: {
        PATH: `${dirname(requireBinary('pgbouncer', 'pgbouncer'))}:/usr/bin:/bin`,
        DB_HOST: '127.0.0.1',
        DB_PORT: String(postgresPort),
        DB_NAME: DATABASE,
        DB_USER: USER,
        DB_PASSWORD: userPassword,
        POOL_SIZE: String(POOL_SIZE),
        MAX_CLIENT_CONN: '50',
        PGBOUNCER_RUN_DIR: runDir,
        SERVER_TLS_CA_FILE: caFile,
      },
    });
    await waitUntil(`PgBouncer on 127.0.0.1:${PGBOUNCER_PORT}`, () => isListening(PGBOUNCER_PORT), server);
    return server;
  }

  after(async () => {
    await pgbouncer?.stop('SIGTERM');
    await postgres?.stop('SIGINT'); // fast shutdown
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('a query through PgBouncer reaches the database as the platform user', async () => {
    assert.equal(ok(await throughPgBouncer('select current_user, current_database()')), `${USER}|${DATABASE}`);
    // The config the entrypoint wrote, which this pgbouncer runs: transaction pooling, TLS to the
    // database, SCRAM for clients; the password file private to the PgBouncer user.
    const ini = readFileSync(join(runDir, 'pgbouncer.ini'), 'utf8');
    for (const line of ['pool_mode = transaction', 'server_tls_sslmode = verify-full', 'auth_type = scram-sha-256']) {
      assert.ok(ini.includes(`${line}\n`), line);
    }
    assert.equal(statSync(join(runDir, 'userlist.txt')).mode & 0o777, 0o600);
  });

  test('PostgreSQL sees the connection from PgBouncer as TLS', async () => {
    // verify-full: PgBouncer checked the server's certificate against the CA file (here the
    // self-signed certificate itself; in the image, the RDS bundle) and its name (127.0.0.1).
    const [ssl, version] = ok(
      await throughPgBouncer('select ssl, version from pg_stat_ssl where pid = pg_backend_pid()'),
    ).split('|');
    assert.equal(ssl, 't');
    assert.match(version, /^TLSv1\.[23]$/);
    // And PostgreSQL admits nothing else: a plain connection is refused.
    const plain = await psql(
      { port: postgresPort, user: USER, password: userPassword, dbname: DATABASE, sslmode: 'disable' },
      'select 1',
    );
    assert.notEqual(plain.status, 0);
    assert.match(plain.stderr, /no pg_hba\.conf entry .* no encryption/);
  });

  test(`at most POOL_SIZE (${POOL_SIZE}) server connections, however many clients`, async () => {
    // The entrypoint sets no admin_users and no Unix socket, so PgBouncer's admin console (SHOW
    // POOLS) is closed to everyone; the limit is observed from PostgreSQL's side instead.
    const admin = await psql(
      { port: PGBOUNCER_PORT, user: USER, password: userPassword, dbname: 'pgbouncer', sslmode: 'disable' },
      'show pools',
    );
    assert.notEqual(admin.status, 0);
    assert.match(admin.stderr, /not allowed/);

    const clients = 5;
    const started = Date.now();
    const results = await Promise.all(
      Array.from({ length: clients }, () => throughPgBouncer('select pg_backend_pid() from pg_sleep(1)')),
    );
    const elapsed = Date.now() - started;
    const pids = new Set(results.map(ok));
    assert.equal(pids.size, POOL_SIZE, `every client was served by one of ${POOL_SIZE} server connections`);
    // Five one-second queries on two connections take at least three rounds: clients waited.
    assert.ok(elapsed >= Math.ceil(clients / POOL_SIZE) * 1_000 - 100, `${elapsed} ms`);
    const backends = ok(
      await asAdmin(
        `select count(*) from pg_stat_activity where usename = '${USER}' and backend_type = 'client backend'`,
      ),
    );
    assert.ok(Number(backends) <= POOL_SIZE, `${backends} server connections for ${USER}`);
  });

  test('a wrong password is refused by PgBouncer', async () => {
    const result = await throughPgBouncer('select 1', 'not-the-password');
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, /SASL authentication failed|password authentication failed/);
  });

  test('a database certificate the CA bundle does not vouch for is refused: PgBouncer serves no query', async () => {
    // Another CA, as a man in the middle would present: the server's certificate is not signed by it.
    const other = join(dir!, 'other-ca.crt');
    const otherKey = join(dir!, 'other-ca.key');
    ok(
      await runCommand(requireBinary('openssl', 'openssl'), [
        ...'req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=other-ca'.split(' '),
        ...['-keyout', otherKey, '-out', other],
      ]),
    );
    const user = serverUser();
    if (user) chownSync(other, user.uid, user.gid);
    await pgbouncer?.stop('SIGTERM');
    pgbouncer = await startPgBouncer(other);
    // The client waits while PgBouncer fails the server login, each attempt logged.
    const attempt = throughPgBouncer('select 1');
    const server = pgbouncer;
    await waitUntil(
      'PgBouncer logging the failed certificate check',
      async () => /certificate verify failed/i.test(server.output()),
      server,
    );
    await server.stop('SIGTERM');
    const refused = await attempt;
    assert.notEqual(refused.status, 0);
    assert.doesNotMatch(refused.stdout, /^1$/m);
  });
});
