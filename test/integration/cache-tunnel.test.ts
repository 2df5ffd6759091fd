// The cache image's real entrypoint (docker/cache/entrypoint.sh) in its three roles, with real
// binaries: Debian's redis-server standing in for valkey-server (the same server and protocol;
// VALKEY_SERVER points the entrypoint at it) and Debian's stunnel for Alpine's. As in the dev
// environment's tasks:
//
//   plain Redis client -> tls-client (127.0.0.1) =TLS-PSK=> tls-server -> valkey (127.0.0.1)
//
// The app's side is ioredis, a plain TCP client, as the Django app talks to its sidecar. Everything
// runs from a temporary directory on free loopback ports (the entrypoint's port variables), as
// this user; the test starts and stops every process itself.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { Redis } from 'ioredis';
import { CACHE_TUNNEL } from '../../src/ops/contracts';
import {
  findBinary,
  freePort,
  missingBinaryMessage,
  requireBinary,
  type Server,
  startServer,
  waitUntil,
} from './real-processes';

const ENTRYPOINT = join(__dirname, '..', '..', 'docker', 'cache', 'entrypoint.sh');
const MAXMEMORY_MB = 64;

/** What came back on a raw TCP connection, and whether the peer closed it. */
interface Exchange {
  readonly data: Buffer;
  readonly closed: boolean;
}

/**
 * Sends `payload` on a plain TCP connection to 127.0.0.1:`port` and collects the answer until the
 * peer closes, `enough` holds for what came, or 5 s have passed.
 */
function exchange(port: number, payload: string, enough?: (data: string) => boolean): Promise<Exchange> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = createConnection({ host: '127.0.0.1', port }, () => socket.write(payload));
    const finish = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ data: Buffer.concat(chunks), closed });
    };
    const timer = setTimeout(() => finish(false), 5_000);
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      if (enough?.(Buffer.concat(chunks).toString('latin1'))) finish(false);
    });
    socket.on('error', () => undefined); // a reset is a close too
    socket.on('close', () => finish(true));
  });
}

/** Whether something accepts TCP connections on `host`:`port` (a loopback address). */
function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    socket.setTimeout(1_000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** A Redis command in RESP, as a client library sends it. */
function resp(...args: string[]): string {
  return `*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`;
}

/** Whether `data` holds anything a Redis server answers with. */
function looksLikeRedis(data: Buffer): boolean {
  const text = data.toString('latin1');
  return /PONG|NOAUTH|WRONGPASS|\+OK|-ERR/.test(text) || '+-:$*'.includes(text[0] ?? '#');
}

describe('Valkey behind the TLS-PSK tunnel (cache image), real redis-server and stunnel', { timeout: 180_000 }, () => {
  // A space and quotes: the password reaches valkey-server as one argument, intact.
  const password = `pass "word" ${randomBytes(8).toString('hex')}`;
  /** 64 characters, like the stack's generated key. */
  const psk = randomBytes(48).toString('base64url');
  let dir: string | undefined;
  let dataDir: string;
  let redisServer: string;
  let stunnel: string;
  const ports = { valkey: 0, server: 0, client: 0, wrongKeyClient: 0, movingClient: 0, unresolvedClient: 0 };
  let valkey: Server | undefined;
  let tlsServer: Server | undefined;
  let tlsClient: Server | undefined;
  /** Every server started, stopped in `after` whatever happened. */
  const started: Server[] = [];
  const clients: Redis[] = [];

  /** Starts the entrypoint in `role` with `environment`, pointed at this machine's redis-server and stunnel. */
  function startRole(role: string, environment: Record<string, string>): Server {
    const server = startServer('sh', [ENTRYPOINT, role], {
      cwd: dir!,
      env: { PATH: '/usr/bin:/bin', VALKEY_SERVER: redisServer, STUNNEL: stunnel, ...environment },
    });
    started.push(server);
    return server;
  }

  async function startValkey(): Promise<Server> {
    const server = startRole('valkey', {
      CACHE_PASSWORD: password,
      CACHE_MAXMEMORY_MB: String(MAXMEMORY_MB),
      VALKEY_PORT: String(ports.valkey),
      VALKEY_DATA_DIR: dataDir,
    });
    await waitUntil(`valkey role on 127.0.0.1:${ports.valkey}`, () => accepts('127.0.0.1', ports.valkey), server);
    return server;
  }

  /** The server end on `host` (a loopback address; in the task, its interface), its files in `<name>-run`. */
  async function startTlsServer(host = '127.0.0.1', name = 'server'): Promise<Server> {
    const runDir = join(dir!, `${name}-run`);
    mkdirSync(runDir, { recursive: true });
    const server = startRole('tls-server', {
      CACHE_PSK: psk,
      TUNNEL_ACCEPT: `${host}:${ports.server}`,
      VALKEY_PORT: String(ports.valkey),
      STUNNEL_RUN_DIR: runDir,
    });
    await waitUntil(`tls-server role on ${host}:${ports.server}`, () => accepts(host, ports.server), server);
    return server;
  }

  /**
   * The client end on 127.0.0.1:`port`, to `localhost` unless `environment` says otherwise, its
   * files in `<name>-run`; started by `start` (the delay test gives it its own /etc/hosts).
   */
  async function startTlsClient(
    name: string,
    port: number,
    environment: Record<string, string>,
    start: (role: string, environment: Record<string, string>) => Server = startRole,
  ): Promise<Server> {
    const runDir = join(dir!, `${name}-run`);
    mkdirSync(runDir, { recursive: true });
    const server = start('tls-client', {
      CACHE_PSK: psk,
      CACHE_HOST: 'localhost',
      CACHE_PORT: String(ports.server),
      TUNNEL_ACCEPT: `127.0.0.1:${port}`,
      STUNNEL_RUN_DIR: runDir,
      ...environment,
    });
    await waitUntil(`tls-client role (${name}) on 127.0.0.1:${port}`, () => accepts('127.0.0.1', port), server);
    return server;
  }

  /** The app's client, authenticated: plain TCP to a client end. */
  async function appClient(port = ports.client): Promise<Redis> {
    const client = new Redis({
      host: '127.0.0.1',
      port,
      password,
      lazyConnect: true,
      enableReadyCheck: false,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      connectTimeout: 10_000,
    });
    client.on('error', () => undefined); // failures surface on the commands
    clients.push(client);
    await client.connect();
    return client;
  }

  /** A TLS client straight to the server end, offering what `options` say; resolves with Valkey's answer to PING. */
  function tlsHandshake(
    options: ConnectionOptions & { identity?: string; key?: string },
  ): Promise<{ protocol: string | null; cipher: string; answer: string }> {
    const { identity = CACHE_TUNNEL.identity, key = psk, ...rest } = options;
    return new Promise((resolve, reject) => {
      const socket = tlsConnect({
        host: '127.0.0.1',
        port: ports.server,
        ciphers: CACHE_TUNNEL.cipher,
        maxVersion: 'TLSv1.2',
        pskCallback: () => ({ identity, psk: Buffer.from(key) }),
        checkServerIdentity: () => undefined,
        ...rest,
      });
      const timer = setTimeout(() => socket.destroy(new Error('no answer within 5 s')), 5_000);
      socket.once('secureConnect', () => socket.write(resp('PING')));
      socket.once('data', (chunk) => {
        clearTimeout(timer);
        const result = { protocol: socket.getProtocol(), cipher: socket.getCipher().name, answer: chunk.toString() };
        socket.end();
        resolve(result);
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      socket.once('close', () => {
        clearTimeout(timer);
        reject(new Error('closed without an answer'));
      });
    });
  }

  before(async () => {
    redisServer = requireBinary('redis-server', 'redis-server');
    // Debian's stunnel4 package installs stunnel4 and a stunnel link to it.
    const found = findBinary('stunnel') ?? findBinary('stunnel4');
    if (!found) throw new Error(missingBinaryMessage('stunnel', 'stunnel4'));
    stunnel = found;
    dir = mkdtempSync(join(tmpdir(), 'cache-tunnel-'));
    dataDir = join(dir, 'data');
    mkdirSync(dataDir);
    for (const name of Object.keys(ports) as (keyof typeof ports)[]) ports[name] = await freePort();
    valkey = await startValkey();
    tlsServer = await startTlsServer();
    tlsClient = await startTlsClient('client', ports.client, {});
  });

  after(async () => {
    for (const client of clients) client.disconnect();
    await Promise.all(started.map((server) => server.stop('SIGTERM')));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("the app's plain client, through the client end, authenticates and round-trips strings and lists", async () => {
    const client = await appClient();
    assert.equal(await client.set('booking:greeting', 'hello through the tunnel'), 'OK');
    assert.equal(await client.get('booking:greeting'), 'hello through the tunnel');
    assert.equal(await client.rpush('dramatiq:default', 'm1', 'm2', 'm3'), 3);
    assert.equal(await client.llen('dramatiq:default'), 3);
    assert.deepEqual(await client.lrange('dramatiq:default', 0, -1), ['m1', 'm2', 'm3']);
    await client.quit();

    // Valkey still wants the password: the tunnel authenticates the tasks, not the commands.
    const twoErrors = (data: string) => (data.match(/^-/gm) ?? []).length >= 2;
    const anonymous = await exchange(ports.client, resp('GET', 'booking:greeting') + resp('AUTH', 'nope'), twoErrors);
    const [noAuth, wrongPass] = anonymous.data.toString().split('\r\n');
    assert.match(noAuth, /^-NOAUTH/);
    assert.match(wrongPass, /^-WRONGPASS/);
  });

  test('Valkey runs as the entrypoint sets it: loopback only, AOF every second, no RDB, the memory limit, noeviction', async () => {
    const client = await appClient();
    const config = async (name: string) => ((await client.call('CONFIG', 'GET', name)) as string[])[1];
    assert.equal(await config('bind'), '127.0.0.1');
    assert.equal(await config('port'), String(ports.valkey));
    assert.equal(await config('protected-mode'), 'yes');
    assert.equal(await config('appendonly'), 'yes');
    assert.equal(await config('appendfsync'), 'everysec');
    assert.equal(await config('save'), '');
    assert.equal(await config('dir'), dataDir);
    assert.equal(await config('maxmemory'), String(MAXMEMORY_MB * 1024 * 1024));
    assert.equal(await config('maxmemory-policy'), 'noeviction');
    await client.quit();
  });

  test('the server end speaks only TLS 1.2, ECDHE-PSK-CHACHA20-POLY1305, with the booking-cache identity and key', async () => {
    const accepted = await tlsHandshake({});
    assert.equal(accepted.protocol, 'TLSv1.2');
    assert.equal(accepted.cipher, CACHE_TUNNEL.cipher);
    assert.match(accepted.answer, /^-NOAUTH/, 'the handshake leads to Valkey');

    // Another PSK suite, TLS 1.3, another identity, another key: no answer from Valkey.
    await assert.rejects(tlsHandshake({ ciphers: 'PSK-AES128-GCM-SHA256' }), /handshake failure|no shared cipher/i);
    await assert.rejects(tlsHandshake({ minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' }), /protocol version/i);
    await assert.rejects(tlsHandshake({ identity: 'someone-else' }));
    await assert.rejects(tlsHandshake({ key: randomBytes(48).toString('base64url') }));
  });

  test('a client end with the wrong key is refused: its connection closes with no data', async () => {
    const wrong = await startTlsClient('wrong-key', ports.wrongKeyClient, {
      CACHE_PSK: randomBytes(48).toString('base64url'),
    });
    try {
      const result = await exchange(ports.wrongKeyClient, resp('AUTH', password) + resp('PING'));
      assert.ok(result.closed, 'the connection is closed');
      assert.equal(result.data.length, 0, `no data: ${result.data.toString('latin1')}`);
      // Refused in the handshake, which the server end logs at its default level (warning).
      await waitUntil('the refusal in the server log', async () => /SSL_accept/.test(tlsServer!.output()), tlsServer);
      assert.ok(!wrong.exited(), 'the client end itself keeps running');
    } finally {
      await wrong.stop('SIGTERM');
    }
    // The right key still passes.
    const client = await appClient();
    assert.equal(await client.ping(), 'PONG');
    await client.quit();
  });

  test("a plain connection to the server end's TLS port gets no Redis answer", async () => {
    const result = await exchange(ports.server, resp('AUTH', password) + resp('PING'));
    assert.ok(result.closed, 'the connection is closed');
    assert.ok(!looksLikeRedis(result.data), `no Redis answer: ${JSON.stringify(result.data.toString('latin1'))}`);
  });

  test('what was written survives Valkey stopping and starting again on the same data directory (AOF)', async () => {
    const writer = await appClient();
    await writer.set('booking:survivor', 'still here');
    await writer.rpush('dramatiq:emails', 'e1', 'e2');
    await writer.quit();

    await valkey!.stop('SIGTERM'); // as ECS stops a task
    const files = readdirSync(dataDir);
    assert.ok(files.includes('appendonlydir'), `the append-only files: ${files.join(', ')}`);
    assert.ok(
      readdirSync(join(dataDir, 'appendonlydir')).some((file) => file.endsWith('.aof')),
      'an .aof file in appendonlydir',
    );
    assert.ok(!existsSync(join(dataDir, 'dump.rdb')), 'no RDB snapshot: the data can only come back from the AOF');
    // With Valkey down, the tunnel has nothing to hand a connection to.
    assert.ok(!looksLikeRedis((await exchange(ports.client, resp('PING'))).data));

    valkey = await startValkey();
    // The same tunnel ends, never restarted, reach the new Valkey.
    const reader = await appClient();
    assert.equal(await reader.get('booking:survivor'), 'still here');
    assert.deepEqual(await reader.lrange('dramatiq:emails', 0, -1), ['e1', 'e2']);
    assert.equal(await reader.get('booking:greeting'), 'hello through the tunnel');
    await reader.quit();
  });

  test('after the server end restarts, the client end reaches it again without being restarted', async () => {
    const clientPid = tlsClient!.child.pid;
    await tlsServer!.stop('SIGTERM');
    const down = await exchange(ports.client, resp('AUTH', password) + resp('PING'));
    assert.ok(down.closed && !looksLikeRedis(down.data), 'the server end is down: closed without an answer');

    tlsServer = await startTlsServer();
    const client = await appClient();
    assert.equal(await client.get('booking:survivor'), 'still here');
    await client.quit();
    assert.ok(!tlsClient!.exited(), 'the client end was not restarted');
    assert.equal(tlsClient!.child.pid, clientPid);
  });

  test("the client end follows the cache's name to a new task's address without restarting (delay = yes)", async () => {
    // In AWS a replaced cache task has a new address under the same Cloud Map name. Here the name
    // is in a hosts file the client end alone sees (a private mount namespace over /etc/hosts; a
    // user namespace too when not root), rewritten between the two server ends.
    const name = 'cache.booking-test.internal';
    const hosts = join(dir!, 'hosts');
    writeFileSync(hosts, `127.0.0.2 ${name}\n`);
    const withOwnHosts = (role: string, environment: Record<string, string>) => {
      const root = typeof process.getuid === 'function' && process.getuid() === 0;
      const server = startServer(
        'unshare',
        [
          ...(root ? [] : ['--map-root-user']),
          ...['--mount', '--propagation', 'private', 'sh', '-c', 'mount --bind "$0" /etc/hosts && exec sh "$1" "$2"'],
          ...[hosts, ENTRYPOINT, role],
        ],
        { cwd: dir!, env: { PATH: '/usr/bin:/bin:/usr/sbin:/sbin', STUNNEL: stunnel, ...environment } },
      );
      started.push(server);
      return server;
    };
    const firstTask = await startTlsServer('127.0.0.2', 'first-task');
    const moving = await startTlsClient('moving', ports.movingClient, { CACHE_HOST: name }, withOwnHosts);
    const pid = moving.child.pid;
    const read = async () => {
      const client = await appClient(ports.movingClient);
      try {
        return await client.get('booking:survivor');
      } finally {
        client.disconnect();
      }
    };
    assert.equal(await read(), 'still here', 'through the first cache task, at 127.0.0.2');

    // The task is replaced: the new one listens at another address; the name follows after.
    await firstTask.stop('SIGTERM');
    await startTlsServer('127.0.0.3', 'second-task');
    const stale = await exchange(ports.movingClient, resp('AUTH', password) + resp('PING'));
    assert.ok(stale.closed && !looksLikeRedis(stale.data), 'while the name points at the old task: no answer');
    writeFileSync(hosts, `127.0.0.3 ${name}\n`);
    assert.equal(await read(), 'still here', 'through the second cache task, at 127.0.0.3');
    assert.ok(!moving.exited(), 'the client end was not restarted');
    assert.equal(moving.child.pid, pid);
  });

  test("the client end starts while the cache's name resolves to nothing (the cache task stopped)", async () => {
    // .invalid never resolves (RFC 6761). The sidecar keeps running, so the app task does too,
    // and closes each connection until the name resolves again.
    const unresolved = await startTlsClient('unresolved', ports.unresolvedClient, {
      CACHE_HOST: 'cache.booking-test.invalid',
    });
    try {
      const result = await exchange(ports.unresolvedClient, resp('PING'));
      assert.ok(result.closed, 'the connection is closed');
      assert.equal(result.data.length, 0);
      assert.ok(!unresolved.exited(), 'and it keeps running, for the next connection');
    } finally {
      await unresolved.stop('SIGTERM');
    }
  });
});
