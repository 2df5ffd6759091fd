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

describe('PgBouncer sidecar entrypoint: checks and defaults', () => {
  const database = {
    DB_HOST: 'booking-dev.abc.eu-west-2.rds.amazonaws.com',
    DB_PORT: '5432',
    DB_NAME: 'booking',
    DB_USER: 'booking_admin',
    DB_PASSWORD: 'p4ss',
  };

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
    const { result, ini, started, run } = runEntrypoint(database);
    assert.equal(result.status, 0, result.stderr);
    assert.ok(ini);
    assert.match(ini, /^booking = host=booking-dev\.abc\.eu-west-2\.rds\.amazonaws\.com port=5432 dbname=booking$/m);
    assert.ok(ini.includes('default_pool_size = 10\n'));
    assert.ok(ini.includes('max_client_conn = 200\n'));
    assert.equal(started, `started with ${run}/pgbouncer.ini`);
  });
});
