import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';

const ENTRYPOINT = join(__dirname, '..', '..', 'docker', 'pgbouncer', 'entrypoint.sh');

/** Runs the entrypoint with a stand-in `pgbouncer` that records its arguments. */
function runEntrypoint(environment: Record<string, string>) {
  const dir = mkdtempSync(join(tmpdir(), 'pgbouncer-run-'));
  const bin = mkdtempSync(join(tmpdir(), 'pgbouncer-bin-'));
  writeFileSync(join(bin, 'pgbouncer'), `#!/bin/sh\necho "started with $1" > "${dir}/started"\n`);
  chmodSync(join(bin, 'pgbouncer'), 0o755);
  const result = spawnSync('sh', [ENTRYPOINT], {
    env: { PATH: `${bin}:/usr/bin:/bin`, PGBOUNCER_RUN_DIR: dir, ...environment },
    encoding: 'utf8',
  });
  return { result, dir };
}

describe('PgBouncer sidecar entrypoint', () => {
  const database = {
    DB_HOST: 'booking-dev.abc.eu-west-2.rds.amazonaws.com',
    DB_PORT: '5432',
    DB_NAME: 'booking',
    DB_USER: 'booking_admin',
    DB_PASSWORD: 'p4ss',
  };

  test('writes a transaction-pooling config on localhost with TLS to the database, then starts PgBouncer', () => {
    const { result, dir } = runEntrypoint({ ...database, POOL_SIZE: '15', MAX_CLIENT_CONN: '300' });
    assert.equal(result.status, 0, result.stderr);
    const ini = readFileSync(join(dir, 'pgbouncer.ini'), 'utf8');
    assert.match(ini, /^booking = host=booking-dev\.abc\.eu-west-2\.rds\.amazonaws\.com port=5432 dbname=booking$/m);
    for (const line of [
      'listen_addr = 127.0.0.1',
      'listen_port = 6432',
      'pool_mode = transaction',
      'default_pool_size = 15',
      'max_client_conn = 300',
      'server_tls_sslmode = require',
      'auth_type = scram-sha-256',
    ]) {
      assert.ok(ini.includes(`${line}\n`), line);
    }
    assert.equal(readFileSync(join(dir, 'userlist.txt'), 'utf8'), '"booking_admin" "p4ss"\n');
    assert.equal(statSync(join(dir, 'userlist.txt')).mode & 0o777, 0o600, 'the password file is private');
    assert.equal(readFileSync(join(dir, 'started'), 'utf8').trim(), `started with ${dir}/pgbouncer.ini`);
  });

  test('refuses to start without the database settings', () => {
    const { result } = runEntrypoint({ DB_PORT: '5432' });
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, /DB_HOST is required/);
  });
});
