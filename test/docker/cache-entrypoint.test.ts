// What the real-process test (test/integration/cache-tunnel.test.ts) does not cover: the cache
// image entrypoint's checks, defaults and the files it writes, with stand-in `valkey-server` and
// `stunnel` binaries that record how they were started. That test runs this entrypoint with real
// redis-server and stunnel for everything else.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { CACHE_FILES_OWNER } from '../../src/modules/cache/cache-task-storage';
import { CACHE_TUNNEL } from '../../src/ops/contracts';

const IMAGE_DIR = join(__dirname, '..', '..', 'docker', 'cache');
const ENTRYPOINT = join(IMAGE_DIR, 'entrypoint.sh');

/** Written by the stand-ins: their arguments, NUL-separated (Valkey's `--save ""` is an empty one). */
const STAND_IN = (dir: string) => `#!/bin/sh\nprintf '%s\\0' "$0" "$@" > "${dir}/started"\n`;

const PSK = 'Zq7uV2xKp9Lm4Rt8Wc3Ny6Hb1Jd5Fg0S'; // 32 characters, not all hexadecimal
const PASSWORD = 'v4lkey-p4ss';

interface Run {
  readonly status: number | null;
  readonly stderr: string;
  /** The started binary's path and arguments; undefined if nothing was started. */
  readonly started?: string[];
  /** The files the entrypoint left in the run directory, with their modes. */
  readonly files: Record<string, { text: string; mode: number }>;
  readonly dir: string;
}

/**
 * Runs the entrypoint with `args` and `environment` (plus PATH to the stand-ins, a run directory
 * and a data directory), in a temporary directory removed afterwards. `prepare` can put files in
 * the run directory first.
 */
function runEntrypoint(args: string[], environment: Record<string, string>, prepare?: (run: string) => void): Run {
  const dir = mkdtempSync(join(tmpdir(), 'cache-entrypoint-'));
  try {
    const bin = join(dir, 'bin');
    const run = join(dir, 'run');
    const data = join(dir, 'data');
    for (const made of [bin, run, data]) mkdirSync(made);
    for (const name of ['valkey-server', 'stunnel', 'redis-server', 'stunnel4']) {
      writeFileSync(join(bin, name), STAND_IN(dir));
      chmodSync(join(bin, name), 0o755);
    }
    prepare?.(run);
    const result = spawnSync('sh', [ENTRYPOINT, ...args], {
      env: { PATH: `${bin}:/usr/bin:/bin`, STUNNEL_RUN_DIR: run, VALKEY_DATA_DIR: data, ...environment },
      encoding: 'utf8',
    });
    const startedFile = join(dir, 'started');
    const started = existsSync(startedFile) ? readFileSync(startedFile, 'utf8').split('\0').slice(0, -1) : undefined;
    const files: Run['files'] = {};
    for (const name of ['stunnel.conf', 'psk.txt']) {
      const path = join(run, name);
      if (existsSync(path)) files[name] = { text: readFileSync(path, 'utf8'), mode: statSync(path).mode & 0o777 };
    }
    return {
      status: result.status,
      stderr: result.stderr,
      started: started?.map((value) => value.replaceAll(dir, '<dir>')),
      files,
      dir,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The entrypoint refused: non-zero, one line on stderr matching `message`, nothing written or started. */
function assertRefused(run: Run, message: RegExp, what = '') {
  assert.notEqual(run.status, 0, what);
  assert.match(run.stderr, message, what);
  assert.equal(run.stderr.trim().split('\n').length, 1, `${what}: one line: ${run.stderr}`);
  assert.match(run.stderr, /^cache-entrypoint: /, what);
  assert.equal(run.started, undefined, `${what}: nothing started`);
  assert.deepEqual(run.files, {}, `${what}: nothing written`);
}

/** The lines of the stunnel config, in order, without blank ones. */
function configLines(config: string): string[] {
  return config.split('\n').filter((line) => line !== '');
}

describe('cache image entrypoint: the role', () => {
  test('refuses to start without exactly one role, or with an unknown one, naming the three', () => {
    assertRefused(runEntrypoint([], {}), /expected one argument, the role \(valkey, tls-server or tls-client\), got 0/);
    assertRefused(runEntrypoint(['valkey', 'tls-server'], {}), /got 2/);
    assertRefused(
      runEntrypoint(['redis'], {}),
      /the role is "redis": give valkey, tls-server or tls-client as the container's command/,
    );
  });
});

describe('cache image entrypoint: valkey', () => {
  const valkey = { CACHE_PASSWORD: PASSWORD, CACHE_MAXMEMORY_MB: '384' };

  test('runs valkey-server on 127.0.0.1:6380 with the password, AOF every second, no RDB, the memory limit and noeviction', () => {
    const run = runEntrypoint(['valkey'], valkey);
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(run.started, [
      '<dir>/bin/valkey-server',
      ...['--bind', '127.0.0.1', '--port', String(CACHE_TUNNEL.valkeyPort)],
      ...['--protected-mode', 'yes', '--daemonize', 'no'],
      ...['--requirepass', PASSWORD],
      ...['--dir', '<dir>/data'],
      ...['--appendonly', 'yes', '--appendfsync', 'everysec', '--save', ''],
      ...['--maxmemory', '384mb', '--maxmemory-policy', 'noeviction'],
    ]);
    assert.deepEqual(run.files, {}, 'Valkey needs no config file: nothing in the run directory');
  });

  test('VALKEY_SERVER, VALKEY_PORT and VALKEY_DATA_DIR override the binary, the port and /data', () => {
    const run = runEntrypoint(['valkey'], { ...valkey, VALKEY_SERVER: 'redis-server', VALKEY_PORT: '16380' });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.started?.[0], '<dir>/bin/redis-server');
    assert.equal(run.started?.[run.started.indexOf('--port') + 1], '16380');
  });

  test('refuses to start without the password, naming the secret it comes from', () => {
    assertRefused(
      runEntrypoint(['valkey'], { CACHE_MAXMEMORY_MB: '384' }),
      /CACHE_PASSWORD is required: the password every client sends \(the stack's <environment>\/cache\/auth-token secret, key token\)/,
    );
    assertRefused(runEntrypoint(['valkey'], { ...valkey, CACHE_PASSWORD: '' }), /CACHE_PASSWORD is required/);
  });

  test('refuses a memory limit that is missing, zero or not a whole number of MiB', () => {
    for (const value of ['', '0', '064', 'abc', '384mb', '1.5', '-1', ' 384']) {
      assertRefused(
        runEntrypoint(['valkey'], { ...valkey, CACHE_MAXMEMORY_MB: value }),
        new RegExp(
          `CACHE_MAXMEMORY_MB is "${value.replace('.', '\\.')}": give Valkey's memory limit in MiB, a whole number above 0`,
        ),
        value,
      );
    }
    assertRefused(runEntrypoint(['valkey'], { CACHE_PASSWORD: PASSWORD }), /CACHE_MAXMEMORY_MB is ""/);
  });

  test('keeps its data in /data, and refuses to start when that is missing (no EFS volume), naming it and the fix', () => {
    // VALKEY_DATA_DIR empty: the default, /data, which this machine has not (or is used).
    const run = runEntrypoint(['valkey'], { ...valkey, VALKEY_DATA_DIR: '' });
    if (existsSync('/data')) assert.equal(run.started?.[run.started.indexOf('--dir') + 1], '/data');
    else {
      assertRefused(
        run,
        /VALKEY_DATA_DIR is "\/data": not a directory this user \(uid \d+\) can write; mount the cache's EFS volume there/,
      );
    }
    assertRefused(
      runEntrypoint(['valkey'], { ...valkey, VALKEY_DATA_DIR: '/nonexistent/data' }),
      /VALKEY_DATA_DIR is "\/nonexistent\/data": not a directory/,
    );
  });

  test('refuses a port that is not one', () => {
    for (const port of ['0', '65536', 'six', '6380 ']) {
      assertRefused(
        runEntrypoint(['valkey'], { ...valkey, VALKEY_PORT: port }),
        new RegExp(`VALKEY_PORT is "${port}": not a TCP port; give a number from 1 to 65535`),
        port,
      );
    }
  });
});

describe('cache image entrypoint: the tunnel ends', () => {
  const client = { CACHE_PSK: PSK, CACHE_HOST: 'cache.booking-dev.internal' };

  test('tls-server: TLS-PSK on 0.0.0.0:6379 to Valkey on 127.0.0.1:6380, one TLS 1.2 suite, no certificate', () => {
    const run = runEntrypoint(['tls-server'], { CACHE_PSK: PSK });
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(run.started, ['<dir>/bin/stunnel', '<dir>/run/stunnel.conf']);
    const config = run.files['stunnel.conf'];
    assert.ok(config);
    assert.deepEqual(configLines(config.text), [
      'foreground = yes',
      'pid =',
      'syslog = no',
      'debug = warning',
      '[cache]',
      `accept = 0.0.0.0:${CACHE_TUNNEL.port}`,
      `connect = 127.0.0.1:${CACHE_TUNNEL.valkeyPort}`,
      'socket = l:SO_KEEPALIVE=1',
      'socket = l:TCP_KEEPIDLE=60',
      'socket = l:TCP_KEEPINTVL=10',
      'socket = l:TCP_KEEPCNT=3',
      `PSKsecrets = ${run.dir}/run/psk.txt`,
      `ciphers = ${CACHE_TUNNEL.cipher}`,
      'sslVersionMin = TLSv1.2',
      'sslVersionMax = TLSv1.2',
    ]);
    assert.doesNotMatch(config.text, /^(cert|key|client|CAfile)\b/m);
  });

  test('tls-client: plain 127.0.0.1:6379 to the cache task by name, resolved for every connection', () => {
    const run = runEntrypoint(['tls-client'], client);
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(run.started, ['<dir>/bin/stunnel', '<dir>/run/stunnel.conf']);
    const config = run.files['stunnel.conf'];
    assert.ok(config);
    const lines = configLines(config.text);
    assert.deepEqual(lines.slice(lines.indexOf('[cache]')), [
      '[cache]',
      'client = yes',
      `accept = 127.0.0.1:${CACHE_TUNNEL.port}`,
      `connect = cache.booking-dev.internal:${CACHE_TUNNEL.port}`,
      'delay = yes',
      `PSKidentity = ${CACHE_TUNNEL.identity}`,
      'TIMEOUTconnect = 5',
      'socket = r:SO_KEEPALIVE=1',
      'socket = r:TCP_KEEPIDLE=60',
      'socket = r:TCP_KEEPINTVL=10',
      'socket = r:TCP_KEEPCNT=3',
      `PSKsecrets = ${run.dir}/run/psk.txt`,
      `ciphers = ${CACHE_TUNNEL.cipher}`,
      'sslVersionMin = TLSv1.2',
      'sslVersionMax = TLSv1.2',
    ]);
    assert.ok(lines.includes('foreground = yes'));
  });

  test('both ends: the key file holds the one identity and the key; it and the config are private (0600)', () => {
    for (const role of ['tls-server', 'tls-client']) {
      const run = runEntrypoint([role], client);
      assert.equal(run.status, 0, run.stderr);
      assert.deepEqual(run.files['psk.txt'], { text: `${CACHE_TUNNEL.identity}:${PSK}\n`, mode: 0o600 }, role);
      assert.equal(run.files['stunnel.conf']?.mode, 0o600, role);
    }
  });

  test('files left by an earlier start in the same task are replaced, not reused with their modes', () => {
    const run = runEntrypoint(['tls-server'], client, (dir) => {
      writeFileSync(join(dir, 'psk.txt'), 'booking-cache:old-key-old-key-old\n', { mode: 0o644 });
      writeFileSync(join(dir, 'stunnel.conf'), 'old\n', { mode: 0o666 });
    });
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(run.files['psk.txt'], { text: `${CACHE_TUNNEL.identity}:${PSK}\n`, mode: 0o600 });
    assert.equal(run.files['stunnel.conf']?.mode, 0o600);
  });

  test('overrides for tests and other layouts: STUNNEL, TUNNEL_ACCEPT, VALKEY_PORT, CACHE_PORT, TUNNEL_LOG_LEVEL', () => {
    const server = runEntrypoint(['tls-server'], {
      CACHE_PSK: PSK,
      STUNNEL: 'stunnel4',
      TUNNEL_ACCEPT: '127.0.0.1:16379',
      VALKEY_PORT: '16380',
      TUNNEL_LOG_LEVEL: 'notice',
    });
    assert.equal(server.status, 0, server.stderr);
    assert.equal(server.started?.[0], '<dir>/bin/stunnel4');
    const serverLines = configLines(server.files['stunnel.conf']!.text);
    for (const line of ['accept = 127.0.0.1:16379', 'connect = 127.0.0.1:16380', 'debug = notice']) {
      assert.ok(serverLines.includes(line), line);
    }
    const clientRun = runEntrypoint(['tls-client'], { ...client, TUNNEL_ACCEPT: '16378', CACHE_PORT: '16379' });
    assert.equal(clientRun.status, 0, clientRun.stderr);
    const clientLines = configLines(clientRun.files['stunnel.conf']!.text);
    for (const line of ['accept = 16378', 'connect = cache.booking-dev.internal:16379']) {
      assert.ok(clientLines.includes(line), line);
    }
  });

  test('refuses a missing key, naming the secret it comes from', () => {
    for (const role of ['tls-server', 'tls-client']) {
      assertRefused(
        runEntrypoint([role], { CACHE_HOST: client.CACHE_HOST }),
        /CACHE_PSK is required: the tunnel's pre-shared key \(the stack's <environment>\/cache\/tunnel-psk secret, key psk\)/,
        role,
      );
    }
  });

  test("refuses a key shorter than stunnel's 16 bytes, telling its length and never the key", () => {
    const short = 'Zq7uV2xKp9Lm4Rt'; // 15 characters
    for (const role of ['tls-server', 'tls-client']) {
      const run = runEntrypoint([role], { ...client, CACHE_PSK: short });
      assertRefused(run, /CACHE_PSK is 15 characters: stunnel needs at least 16; give a longer key/, role);
      assert.ok(!run.stderr.includes(short), 'the key is not printed');
    }
    assert.equal(runEntrypoint(['tls-server'], { CACHE_PSK: `${short}x` }).status, 0, '16 characters are enough');
  });

  test('refuses a hexadecimal key under 32 digits: stunnel reads it as half as many bytes', () => {
    const hex = '0123456789abcdef0123456789ABCD'; // 30 digits: 15 bytes
    const run = runEntrypoint(['tls-server'], { CACHE_PSK: hex });
    assertRefused(
      run,
      /CACHE_PSK is 30 hexadecimal digits, which stunnel reads as 15 bytes: it needs at least 16 bytes; give at least 32 hexadecimal digits or 16 other characters/,
    );
    assert.ok(!run.stderr.includes(hex));
    assert.equal(runEntrypoint(['tls-server'], { CACHE_PSK: `${hex}ef` }).status, 0, '32 digits: 16 bytes');
    // An odd number of hexadecimal digits is read as text: 17 characters, 17 bytes.
    assert.equal(runEntrypoint(['tls-server'], { CACHE_PSK: hex.slice(0, 17) }).status, 0);
  });

  test('refuses a key with a line break, which would end its line in the key file', () => {
    for (const breakCharacter of ['\n', '\r']) {
      const run = runEntrypoint(['tls-server'], { CACHE_PSK: `${PSK}${breakCharacter}extra:line` });
      assertRefused(run, /CACHE_PSK contains a line break: give the key on one line/);
      assert.ok(!run.stderr.includes(PSK));
    }
  });

  test('tls-client refuses to start without the cache host, or with one that is not a name', () => {
    assertRefused(
      runEntrypoint(['tls-client'], { CACHE_PSK: PSK }),
      /CACHE_HOST is required: the cache task's name, e.g\. cache\.booking-dev\.internal/,
    );
    assertRefused(
      runEntrypoint(['tls-client'], { ...client, CACHE_HOST: 'cache.booking-dev.internal\ndelay = no' }),
      /CACHE_HOST contains a line break; give the cache task's name/,
    );
    assertRefused(
      runEntrypoint(['tls-client'], { ...client, CACHE_HOST: 'cache booking' }),
      /CACHE_HOST is "cache booking": it contains a space; give the cache task's name/,
    );
  });

  test('refuses listen addresses and ports that are not ones, and an unknown log level', () => {
    assertRefused(
      runEntrypoint(['tls-server'], { CACHE_PSK: PSK, TUNNEL_ACCEPT: '0.0.0.0:99999' }),
      /TUNNEL_ACCEPT \(its port\) is "99999": not a TCP port/,
    );
    assertRefused(
      runEntrypoint(['tls-server'], { CACHE_PSK: PSK, TUNNEL_ACCEPT: '0.0.0.0 6379' }),
      /TUNNEL_ACCEPT is "0\.0\.0\.0 6379": it contains a space; give \[HOST:\]PORT/,
    );
    assertRefused(runEntrypoint(['tls-client'], { ...client, CACHE_PORT: 'redis' }), /CACHE_PORT is "redis"/);
    assertRefused(
      runEntrypoint(['tls-server'], { CACHE_PSK: PSK, TUNNEL_LOG_LEVEL: 'verbose' }),
      /TUNNEL_LOG_LEVEL is "verbose": give one of emerg, alert, crit, err, warning, notice, info, debug/,
    );
  });

  test('refuses a run directory it cannot write (no task volume mounted), writing nothing', () => {
    assertRefused(
      runEntrypoint(['tls-server'], { CACHE_PSK: PSK, STUNNEL_RUN_DIR: '/nonexistent/run/stunnel' }),
      /STUNNEL_RUN_DIR is "\/nonexistent\/run\/stunnel": not a directory this user \(uid \d+\) can write; mount the task's run volume there/,
    );
  });
});

describe('cache image', () => {
  const dockerfile = readFileSync(join(IMAGE_DIR, 'Dockerfile'), 'utf8');

  test("Alpine's valkey, valkey-cli (the health check's) and stunnel, run by the unprivileged owner of the cache's EFS files", () => {
    assert.match(dockerfile, /^FROM public\.ecr\.aws\/docker\/library\/alpine:3\.22$/m);
    assert.match(dockerfile, /^RUN apk add --no-cache valkey valkey-cli stunnel /m);
    assert.match(dockerfile, new RegExp(`^USER ${CACHE_FILES_OWNER.uid}:${CACHE_FILES_OWNER.gid}$`, 'm'));
    assert.match(dockerfile, new RegExp(`adduser -D -H -u ${CACHE_FILES_OWNER.uid} -G cache cache`));
    assert.match(dockerfile, /^ENTRYPOINT \["\/usr\/local\/bin\/cache-entrypoint"\]$/m);
  });

  test('the run directory is a VOLUME owned by that user, so the task volume mounted there is writable', () => {
    assert.match(dockerfile, /^VOLUME \["\/run\/stunnel"\]$/m);
    assert.match(dockerfile, /chown cache:cache \/data \/run\/stunnel/);
  });
});
