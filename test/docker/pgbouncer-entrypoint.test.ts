// What the real-PgBouncer test (test/integration/pgbouncer-postgres.test.ts) does not cover: the
// entrypoint's checks and defaults, with a stand-in `pgbouncer` that records its arguments. That
// test runs this entrypoint against real PgBouncer and PostgreSQL for everything else.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';

const ENTRYPOINT = join(__dirname, '..', '..', 'docker', 'pgbouncer', 'entrypoint.sh');

/** Runs the entrypoint with a stand-in `pgbouncer`; returns its result, the config it wrote and whether it started. */
function runEntrypoint(environment: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'pgbouncer-entrypoint-'));
  try {
    const bin = join(dir, 'bin');
    const run = join(dir, 'run');
    mkdirSync(bin);
    mkdirSync(run);
    writeFileSync(join(bin, 'pgbouncer'), `#!/bin/sh\necho "started with $1" > "${dir}/started"\n`);
    chmodSync(join(bin, 'pgbouncer'), 0o755);
    const result = spawnSync('sh', [ENTRYPOINT], {
      env: { PATH: `${bin}:/usr/bin:/bin`, PGBOUNCER_RUN_DIR: run, ...environment },
      encoding: 'utf8',
    });
    const ini = existsSync(join(run, 'pgbouncer.ini')) ? readFileSync(join(run, 'pgbouncer.ini'), 'utf8') : undefined;
    const started = existsSync(join(dir, 'started')) ? readFileSync(join(dir, 'started'), 'utf8').trim() : undefined;
    return { result, ini, started, run };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A stand-in for the RDS CA bundle the image ships at /etc/pgbouncer/rds-ca.pem. */
const CA_DIR = mkdtempSync(join(tmpdir(), 'pgbouncer-ca-'));
const CA_FILE = join(CA_DIR, 'rds-ca.pem');
writeFileSync(CA_FILE, '-----BEGIN CERTIFICATE-----\n');
process.on('exit', () => rmSync(CA_DIR, { recursive: true, force: true }));

describe('PgBouncer sidecar entrypoint: checks and defaults', () => {
  const database = {
    DB_HOST: 'booking-dev.abc.eu-west-2.rds.amazonaws.com',
    DB_PORT: '5432',
    DB_NAME: 'booking',
    DB_USER: 'booking_admin',
    DB_PASSWORD: 'p4ss',
  };
  const withCa = { ...database, SERVER_TLS_CA_FILE: CA_FILE };

  test('refuses to start without each database setting, writing nothing', () => {
    for (const name of Object.keys(database)) {
      const environment: Record<string, string> = { ...database };
      delete environment[name];
      const { result, ini, started } = runEntrypoint(environment);
      assert.notEqual(result.status, 0, name);
      assert.match(result.stderr, new RegExp(name), name);
      assert.equal(ini, undefined, `${name}: no config written`);
      assert.equal(started, undefined, `${name}: pgbouncer not started`);
    }
    assert.match(runEntrypoint({ DB_PORT: '5432' }).result.stderr, /DB_HOST is required/);
  });

  test('defaults: 10 server connections per pool, 200 clients; the database line from the settings', () => {
    const { result, ini, started, run } = runEntrypoint(withCa);
    assert.equal(result.status, 0, result.stderr);
    assert.ok(ini);
    assert.match(ini, /^booking = host=booking-dev\.abc\.eu-west-2\.rds\.amazonaws\.com port=5432 dbname=booking$/m);
    assert.ok(ini.includes('default_pool_size = 10\n'));
    assert.ok(ini.includes('max_client_conn = 200\n'));
    assert.equal(started, `started with ${run}/pgbouncer.ini`);
    // TLS to the database, its certificate and host name verified against the CA bundle.
    assert.ok(ini.includes('server_tls_sslmode = verify-full\n'));
    assert.ok(ini.includes(`server_tls_ca_file = ${CA_FILE}\n`));
  });

  test("refuses to start without the CA bundle it verifies the database's certificate with", () => {
    // The default path is the image's bundle, absent on this machine.
    const { result, ini, started } = runEntrypoint(database);
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, /no CA bundle at \/etc\/pgbouncer\/rds-ca\.pem to verify the database's certificate/);
    assert.equal(ini, undefined);
    assert.equal(started, undefined);
  });

  test('the image ships the RDS CA bundle where the entrypoint looks for it', () => {
    const dockerfile = readFileSync(join(__dirname, '..', '..', 'docker', 'pgbouncer', 'Dockerfile'), 'utf8');
    assert.match(
      dockerfile,
      /^ADD --chmod=0644 https:\/\/truststore\.pki\.rds\.amazonaws\.com\/global\/global-bundle\.pem \/etc\/pgbouncer\/rds-ca\.pem$/m,
    );
  });
});
