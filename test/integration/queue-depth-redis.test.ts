// The queue-depth Lambda's handler against a real redis-server (started here on a free loopback
// port, with a password, without TLS or persistence), holding queues in Dramatiq's Redis broker
// layout, written with real commands:
//
//   dramatiq:<queue>                       list of ready message ids (enqueue: RPUSH)
//   dramatiq:<queue>.msgs                  hash id -> message (HSET); kept until the ack (SREM + HDEL)
//   dramatiq:<queue>.DQ, <queue>.DQ.msgs   the same for delayed messages (send_with_options(delay=...))
//   dramatiq:__acks__.<worker>.<queue>     set of ids a worker fetched (LPOP from the list + SADD)
//                                          and has not acked; requeued (RPUSH) on a clean shutdown
//   dramatiq:__heartbeats__                sorted set of worker ids by last heartbeat
//   dramatiq:<queue>.XQ, <queue>.XQ.msgs   dead-lettered messages (ZADD by time + HSET)
//
// (dramatiq/brokers/redis/dispatch.lua in Bogdanp/dramatiq.) Only the handler's client factory
// differs from the Lambda: it points the client at this server and turns TLS off.
//
// The cache task's mode (`CACHE_TLS=psk`) runs the Lambda's client unchanged, TLS included,
// through a real stunnel (Debian's stunnel4) in front of the same server, set up as the cache
// task's tunnel server: TLS 1.2 only, one PSK cipher, the identity and key from its PSKsecrets
// file; then `AUTH <token>` as the default user (requirepass).
//
// Access as in the cache (src/modules/cache): the server's default user has the token as its
// password (what the tasks send, full access); the function connects as the publisher's user,
// created here as a Redis ACL user with exactly the cache's access string
// (PUBLISHER_ACCESS_STRING). ElastiCache checks the IAM token's signature, which a local server
// cannot: the user's password here is the very token the function signs, with fixed credentials
// and clock, so the handler's whole path runs as it does in AWS, AUTH <user> <token> included.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { TLSSocket } from 'node:tls';
import { Redis, type RedisOptions } from 'ioredis';
import {
  type CreateClient,
  handler,
  type HandlerDependencies,
  iamAuthToken,
  PUBLISHER_ACCESS_STRING,
} from '../../src/lambda/queue-depth/index';
import { CACHE_TUNNEL } from '../../src/ops/contracts';
import {
  findBinary,
  freePort,
  isListening,
  requireBinary,
  type Server,
  startServer,
  waitUntil,
} from './real-processes';

/** What the stack sets (src/modules/queue-metrics): a TLS endpoint, the user and the group. */
const CACHE_HOST = 'master.booking-dev-acl.abc123.euw2.cache.amazonaws.com';
const CACHE_USER = 'booking-dev-queue-depth';
const REPLICATION_GROUP_ID = 'booking-dev-acl';

/** The role's credentials as Lambda sets them, and the clock the function signs with. */
const ROLE = {
  AWS_REGION: 'eu-west-2',
  AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  AWS_SESSION_TOKEN: 'IQoJb3JpZ2luX2VjEXAMPLE/session+token==',
};
const NOW = new Date('2026-03-04T05:06:07Z');

/** The token the function signs at NOW: the publisher user's password on this server. */
function signedAt(now: Date): Promise<string> {
  return iamAuthToken({
    replicationGroupId: REPLICATION_GROUP_ID,
    userId: CACHE_USER,
    region: ROLE.AWS_REGION,
    credentials: {
      accessKeyId: ROLE.AWS_ACCESS_KEY_ID,
      secretAccessKey: ROLE.AWS_SECRET_ACCESS_KEY,
      sessionToken: ROLE.AWS_SESSION_TOKEN,
    },
    now,
  });
}

/** One Dramatiq message as the broker stores it (Message.encode(): JSON). */
function dramatiqMessage(queue: string, actor: string, redisId: string, eta?: number): string {
  return JSON.stringify({
    queue_name: queue,
    actor_name: actor,
    args: [42],
    kwargs: {},
    options: { redis_message_id: redisId, ...(eta ? { eta } : {}) },
    message_id: randomUUID(),
    message_timestamp: Date.now(),
  });
}

describe('queue-depth publisher against a real redis-server', { timeout: 120_000 }, () => {
  /** The default user's password: the AUTH token the tasks send. */
  const token = randomBytes(16).toString('hex');
  /** The publisher user's password: the IAM token it signs at NOW. */
  let iamToken: string;
  let dir: string;
  let port: number;
  let server: Server | undefined;
  let redis: Redis | undefined;
  const worker = randomUUID();
  /** The ids of the 2 messages the worker is processing on `default`. */
  const running: string[] = [];

  /** The Lambda's client options, redirected to the local server without TLS; records what it was given. */
  const given: RedisOptions[] = [];
  const toLocalServer =
    (targetPort: number): CreateClient =>
    (options) => {
      given.push(options);
      return new Redis({ ...options, host: '127.0.0.1', port: targetPort, tls: undefined });
    };

  /**
   * Runs the handler with the stack's and the runtime's variables (and `variables`), signing at
   * `now`; EMF lines go to `logged`.
   */
  async function publish(
    variables: Record<string, string>,
    createClient: CreateClient,
    logged: string[] = [],
    now: Date = NOW,
  ) {
    const saved = { ...process.env };
    Object.assign(process.env, {
      CACHE_HOST,
      CACHE_PORT: '6379',
      CACHE_TLS: 'true',
      CACHE_USER,
      CACHE_REPLICATION_GROUP_ID: REPLICATION_GROUP_ID,
      QUEUES: 'default,emails',
      METRIC_NAMESPACE: 'booking',
      ENVIRONMENT: 'dev',
      ...ROLE,
      ...variables,
    });
    try {
      const result = await handler({}, {}, { createClient, log: (line) => logged.push(line), now: () => now });
      assert.ok(result, 'with ElastiCache the handler publishes or fails, never skips');
      return result;
    } finally {
      process.env = saved;
    }
  }

  /** A client of this server authenticated as the publisher's user, for commands the function never sends. */
  async function asPublisher(): Promise<Redis> {
    const client = new Redis({
      host: '127.0.0.1',
      port,
      username: CACHE_USER,
      password: iamToken,
      lazyConnect: true,
      enableReadyCheck: false,
      retryStrategy: () => null,
    });
    await client.connect();
    return client;
  }

  before(async () => {
    const binary = requireBinary('redis-server', 'redis-server');
    dir = mkdtempSync(join(tmpdir(), 'queue-depth-redis-'));
    port = await freePort();
    server = startServer(
      binary,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--requirepass',
        token,
        '--dir',
        dir,
        '--daemonize',
        'no',
      ],
      { cwd: dir },
    );
    redis = new Redis({ host: '127.0.0.1', port, password: token, lazyConnect: true, retryStrategy: () => null });
    redis.on('error', () => undefined); // connection attempts before the server listens
    await waitUntil(
      `redis-server on 127.0.0.1:${port}`,
      async () => {
        if (redis!.status !== 'ready') {
          redis!.disconnect();
          await redis!.connect();
        }
        return (await redis!.ping()) === 'PONG';
      },
      server,
    );

    // The publisher's user, with the cache's access string (and `>password`, the token it signs).
    iamToken = await signedAt(NOW);
    await redis.call('ACL', 'SETUSER', CACHE_USER, 'reset', `>${iamToken}`, ...PUBLISHER_ACCESS_STRING.split(' '));

    // Queue `default`: 3 ready, 2 being processed by a worker, 2 delayed waiting, 1 delayed that
    // the worker prefetched (held until its eta), 1 dead-lettered. Queue `emails`: 1 ready.
    const now = Date.now();
    await redis.zadd('dramatiq:__heartbeats__', now, worker);
    for (let i = 0; i < 5; i++) await enqueue('default', 'send_booking_confirmation');
    running.push(await fetch('default'), await fetch('default'));
    for (let i = 0; i < 3; i++) await enqueue('default.DQ', 'send_reminder', now + 3_600_000);
    await fetch('default.DQ');
    const dead = randomUUID();
    await redis.zadd('dramatiq:default.XQ', now, dead);
    await redis.hset('dramatiq:default.XQ.msgs', dead, dramatiqMessage('default', 'sync_calendar', dead));
    await enqueue('emails', 'send_newsletter');
  });

  after(async () => {
    redis?.disconnect();
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** What the broker's enqueue does: HSET the message, RPUSH its id. */
  async function enqueue(queue: string, actor: string, eta?: number): Promise<string> {
    const id = randomUUID();
    await redis!.hset(`dramatiq:${queue}.msgs`, id, dramatiqMessage(queue, actor, id, eta));
    await redis!.rpush(`dramatiq:${queue}`, id);
    return id;
  }

  /** What dispatch.lua's fetch does: LPOP the id, add it to the worker's ack set. */
  async function fetch(queue: string): Promise<string> {
    const id = await redis!.lpop(`dramatiq:${queue}`);
    assert.ok(id, `a message to fetch on ${queue}`);
    await redis!.sadd(`dramatiq:__acks__.${worker}.${queue}`, id);
    return id;
  }

  test('publishes ready messages as QueueBacklog and every message not acked as QueuedJobs', async () => {
    given.length = 0;
    await redis!.call('ACL', 'LOG', 'RESET');
    const logged: string[] = [];
    const result = await publish({}, toLocalServer(port), logged);

    // The layout is Dramatiq's: the hashes hold every message not yet acked.
    assert.equal(await redis!.hlen('dramatiq:default.msgs'), 5);
    assert.equal(await redis!.scard(`dramatiq:__acks__.${worker}.default`), 2);
    assert.equal(await redis!.hlen('dramatiq:default.DQ.msgs'), 3);
    assert.equal(await redis!.scard(`dramatiq:__acks__.${worker}.default.DQ`), 1);

    const perQueue = { default: { ready: 3, delayed: 2, held: 3 }, emails: { ready: 1, delayed: 0, held: 0 } };
    assert.deepEqual(result, { backlog: 4, queuedJobs: 9, perQueue });
    assert.equal(logged.length, 1, 'one EMF line');
    const record = JSON.parse(logged[0]);
    assert.equal(record.QueueBacklog, 4, 'ready: 3 on default, 1 on emails');
    // QueuedJobs is "what `minimal` would lose with the cache", and minimal measures after the
    // services stopped: a worker that stops cleanly requeues what it fetched (back into the
    // lists), but one killed before it acked leaves its ack set, which nothing drains until
    // another worker runs. So QueuedJobs counts every message whose body the hashes still hold:
    // the 4 ready, the 2 delayed waiting in default.DQ, the 2 messages the worker is processing
    // (in its ack set of default) and the delayed one it prefetched (its ack set of default.DQ).
    // QueueBacklog counts none of the held ones: scaling is for work no worker has taken yet.
    // The dead-lettered message (.XQ) is in neither.
    assert.equal(record.QueuedJobs, 9, 'ready 4 + delayed 2 + held by the worker 3');
    assert.equal(record.Environment, 'dev');
    assert.deepEqual(record.queues, perQueue);
    assert.deepEqual(record._aws.CloudWatchMetrics, [
      {
        Namespace: 'booking',
        Dimensions: [['Environment']],
        Metrics: [
          { Name: 'QueueBacklog', Unit: 'Count' },
          { Name: 'QueuedJobs', Unit: 'Count' },
        ],
      },
    ]);
    assert.equal(typeof record._aws.Timestamp, 'number');

    // What the Lambda itself would have used: the stack's endpoint, over TLS, as its IAM user.
    assert.equal(given.length, 1);
    assert.equal(given[0].host, CACHE_HOST);
    assert.deepEqual(given[0].tls, { servername: CACHE_HOST });
    assert.equal(given[0].username, CACHE_USER);
    assert.equal(given[0].password, iamToken);
    assert.match(iamToken, /^booking-dev-acl\/\?Action=connect&User=booking-dev-queue-depth&/);
    // It ran as that user, and asked for nothing the access string refuses.
    assert.deepEqual(await redis!.call('ACL', 'LOG'), [], 'no command or key refused');

    // One connection per invocation, closed afterwards: only the test's own remains.
    await waitUntil(
      'the handler closing its connection',
      async () => /connected_clients:1\r\n/.test(await redis!.info('clients')),
      undefined,
      5_000,
    );
  });

  test('an ack removes a held job from QueuedJobs, a requeue puts it back in QueueBacklog, a nack dead-letters it', async () => {
    const [requeued, acked] = running;
    const acks = `dramatiq:__acks__.${worker}.default`;
    // requeue (a worker stopping cleanly): SREM from the ack set, RPUSH back onto the list.
    assert.equal(await redis!.srem(acks, requeued), 1);
    await redis!.rpush('dramatiq:default', requeued);
    let result = await publish({}, toLocalServer(port));
    assert.equal(result.backlog, 5, 'the requeued job is ready again');
    assert.equal(result.queuedJobs, 9, 'still in the cache: the same count');
    assert.deepEqual(result.perQueue.default, { ready: 4, delayed: 2, held: 2 });

    // ack (the job finished): SREM from the ack set, HDEL from the hash.
    assert.equal(await redis!.srem(acks, acked), 1);
    await redis!.hdel('dramatiq:default.msgs', acked);
    result = await publish({}, toLocalServer(port));
    assert.equal(result.backlog, 5);
    assert.equal(result.queuedJobs, 8, 'done: no longer in the cache');
    assert.deepEqual(result.perQueue.default, { ready: 4, delayed: 2, held: 1 });

    // nack (the job failed for good): fetched, then moved from the hash to the dead-letter queue.
    const failed = await redis!.lpop('dramatiq:default');
    assert.ok(failed);
    await redis!.sadd(acks, failed);
    assert.equal(await redis!.srem(acks, failed), 1);
    const body = await redis!.hget('dramatiq:default.msgs', failed);
    assert.ok(body);
    await redis!.zadd('dramatiq:default.XQ', Date.now(), failed);
    await redis!.hset('dramatiq:default.XQ.msgs', failed, body);
    await redis!.hdel('dramatiq:default.msgs', failed);
    result = await publish({}, toLocalServer(port));
    assert.equal(result.backlog, 4);
    assert.equal(result.queuedJobs, 7, 'dead-lettered messages are not counted');
    assert.deepEqual(result.perQueue.default, { ready: 3, delayed: 2, held: 1 });
  });

  test('a key of another type fails with WRONGTYPE and publishes nothing', async () => {
    await redis!.set('dramatiq:broken.msgs', 'not a hash');
    const logged: string[] = [];
    await assert.rejects(publish({ QUEUES: 'broken' }, toLocalServer(port), logged), (error: Error) => {
      assert.match(
        error.message,
        new RegExp(`^cannot read the queue lengths from the cache at ${CACHE_HOST}:6379: WRONGTYPE `),
      );
      return true;
    });
    assert.deepEqual(logged, []);
  });

  test('a token that is not the one the user holds fails with WRONGPASS and publishes nothing', async () => {
    // ElastiCache refuses a token signed by another role, for another user or expired: here, one
    // signed a minute later than the password the server holds.
    const logged: string[] = [];
    const later = new Date(NOW.getTime() + 60_000);
    await assert.rejects(publish({}, toLocalServer(port), logged, later), (error: Error) => {
      assert.equal(
        error.message,
        `cannot read the queue lengths from the cache at ${CACHE_HOST}:6379: WRONGPASS invalid username-password pair or user is disabled.`,
      );
      assert.doesNotMatch(error.message, /X-Amz-Signature/, 'the token is not in the message');
      return true;
    });
    assert.deepEqual(logged, []);
  });

  test('keys outside the Dramatiq namespace are refused to the publisher (KEY_NAMESPACE elsewhere): NOPERM', async () => {
    await redis!.rpush('sessions:default', 'x');
    const logged: string[] = [];
    await assert.rejects(
      publish({ KEY_NAMESPACE: 'sessions', QUEUES: 'default' }, toLocalServer(port), logged),
      new RegExp(`^Error: cannot read the queue lengths from the cache at ${CACHE_HOST}:6379: NOPERM `),
    );
    assert.deepEqual(logged, []);
  });

  test("the publisher's user can write nothing, read nothing else, and reach no key outside dramatiq:*", async () => {
    const client = await asPublisher();
    try {
      // What it runs works as that user.
      assert.equal(await client.llen('dramatiq:default'), 3);
      assert.equal(await client.hlen('dramatiq:default.msgs'), 3);
      const refused = async (what: string, run: () => Promise<unknown>, reason: RegExp) => {
        await assert.rejects(run(), (error: Error) => {
          assert.match(error.message, reason, what);
          return true;
        });
      };
      const command = /^NOPERM .*(command|permissions to run)/i;
      const key = /^NOPERM .*key/i;
      // Writes, on its own keys too: it could otherwise drop or forge jobs.
      await refused('SET', () => client.set('dramatiq:x', '1'), command);
      await refused('LPUSH', () => client.lpush('dramatiq:default', 'forged'), command);
      await refused('LPOP', () => client.lpop('dramatiq:default'), command);
      await refused('HSET', () => client.hset('dramatiq:default.msgs', 'id', 'body'), command);
      await refused('DEL', () => client.del('dramatiq:default'), command);
      await refused('FLUSHALL', () => client.flushall(), command);
      await refused('FLUSHDB', () => client.flushdb(), command);
      await refused('EVAL', () => client.eval('return 1', 0), command);
      // Reads beyond the counts: no message bodies, no listing, no server information.
      await refused('HGETALL', () => client.hgetall('dramatiq:default.msgs'), command);
      await refused('LRANGE', () => client.lrange('dramatiq:default', 0, -1), command);
      await refused('KEYS', () => client.keys('*'), command);
      await refused('SCAN', () => client.scan(0), command);
      await refused('INFO', () => client.info(), command);
      await refused('CONFIG GET', () => client.config('GET', '*'), command);
      await refused('ACL LIST', () => client.call('ACL', 'LIST'), command);
      await refused('PUBLISH', () => client.publish('channel', 'x'), command);
      // Its own commands on any other key (sessions and the rest of the cache).
      await refused('LLEN sessions:default', () => client.llen('sessions:default'), key);
      await refused('HLEN django.session', () => client.hlen(':1:django.contrib.sessions.cache'), key);
    } finally {
      client.disconnect();
    }
    // The data is untouched.
    assert.equal(await redis!.llen('dramatiq:default'), 3);
    assert.equal(await redis!.exists('dramatiq:x'), 0);
  });

  test('the default user, with the token alone, keeps full access (what the tasks send)', async () => {
    const task = new Redis({ host: '127.0.0.1', port, password: token, lazyConnect: true, retryStrategy: () => null });
    await task.connect();
    try {
      assert.equal(await task.call('ACL', 'WHOAMI'), 'default');
      await task.set('sessions:abc', 'x');
      assert.equal(await task.get('sessions:abc'), 'x');
      assert.equal(await task.del('sessions:abc'), 1);
    } finally {
      task.disconnect();
    }
  });

  test('an unreachable cache fails fast with the connection error and publishes nothing', async () => {
    const closedPort = await freePort(); // nothing listens there
    const started = Date.now();
    const logged: string[] = [];
    await assert.rejects(
      publish({}, toLocalServer(closedPort), logged),
      new RegExp(
        `^Error: cannot read the queue lengths from the cache at ${CACHE_HOST}:6379: connect ECONNREFUSED 127\\.0\\.0\\.1:${closedPort}$`,
      ),
    );
    assert.ok(Date.now() - started < 5_000, 'no reconnect loop: the next invocation is the retry');
    assert.deepEqual(logged, []);
  });

  describe("through the cache task's TLS-PSK tunnel (stunnel, CACHE_TLS=psk)", () => {
    /** The tunnel's key in hexadecimal (32 random bytes): stunnel and the function use its bytes. */
    const hexKey = randomBytes(32).toString('hex');
    /** A key in text, as Secrets Manager generates them (not hexadecimal): its characters' bytes. */
    const textKey = `Tunnel-${randomBytes(24).toString('base64url')}`;
    let stunnel: string;
    let tunnelPort: number;
    let tunnel: Server | undefined;

    /**
     * Starts stunnel as the cache task's tunnel server in front of the redis-server, holding
     * `key` for the identity CACHE_TUNNEL.identity.
     */
    async function startTunnel(key: string): Promise<Server> {
      const secrets = join(dir, 'psk-secrets');
      writeFileSync(secrets, `${CACHE_TUNNEL.identity}:${key}\n`, { mode: 0o600 });
      const config = join(dir, 'stunnel.conf');
      writeFileSync(
        config,
        [
          'foreground = yes',
          'pid =',
          'debug = notice',
          '[cache]',
          `accept = 127.0.0.1:${tunnelPort}`,
          `connect = 127.0.0.1:${port}`,
          `PSKsecrets = ${secrets}`,
          `ciphers = ${CACHE_TUNNEL.cipher}`,
          'sslVersionMin = TLSv1.2',
          'sslVersionMax = TLSv1.2',
          '',
        ].join('\n'),
      );
      const started = startServer(stunnel, [config], { cwd: dir });
      await waitUntil(`stunnel on 127.0.0.1:${tunnelPort}`, () => isListening(tunnelPort), started);
      return started;
    }

    /**
     * Runs the handler with only what QueueMetrics sets with `tunnel` (no CACHE_USER, no
     * replication group, no AWS credentials), the secrets as CloudFormation resolved them, and
     * the Lambda's own client (no createClient override) unless `dependencies` gives one.
     */
    async function publishThroughTunnel(
      variables: { CACHE_TUNNEL_PSK: string; CACHE_PASSWORD?: string },
      dependencies: HandlerDependencies = {},
    ) {
      const saved = { ...process.env };
      for (const name of Object.keys(process.env)) {
        if (name.startsWith('CACHE_') || name.startsWith('AWS_')) delete process.env[name];
      }
      Object.assign(process.env, {
        CACHE_HOST: '127.0.0.1',
        CACHE_PORT: String(tunnelPort),
        CACHE_TLS: 'psk',
        CACHE_PASSWORD: token,
        QUEUES: 'tunnel',
        METRIC_NAMESPACE: 'booking',
        ENVIRONMENT: 'dev',
        ...variables,
      });
      try {
        return await handler({}, {}, dependencies);
      } finally {
        process.env = saved;
      }
    }

    before(async () => {
      stunnel = findBinary('stunnel4') ?? requireBinary('stunnel', 'stunnel4');
      tunnelPort = await freePort();
      tunnel = await startTunnel(hexKey);
      // Queue `tunnel`: 3 enqueued, 1 of them fetched by the worker; 1 delayed.
      for (let i = 0; i < 3; i++) await enqueue('tunnel', 'send_booking_confirmation');
      await fetch('tunnel');
      await enqueue('tunnel.DQ', 'send_reminder', Date.now() + 3_600_000);
    });

    after(async () => {
      await tunnel?.stop();
    });

    test('publishes the counts read through the tunnel: TLS 1.2, ECDHE-PSK-CHACHA20-POLY1305, identity booking-cache', async () => {
      const logged: string[] = [];
      const sessions: Array<{ cipher?: string; protocol?: string | null; servername?: unknown }> = [];
      const result = await publishThroughTunnel(
        { CACHE_TUNNEL_PSK: hexKey },
        {
          // The Lambda's client, watched: what its TLS session negotiated.
          createClient: (options) => {
            const client = new Redis(options);
            client.once('connect', () => {
              const socket = (client as unknown as { stream: TLSSocket }).stream;
              sessions.push({
                cipher: socket.getCipher()?.name,
                protocol: socket.getProtocol(),
                servername: socket.servername,
              });
            });
            return client;
          },
          log: (line) => logged.push(line),
        },
      );
      const perQueue = { tunnel: { ready: 2, delayed: 1, held: 1 } };
      assert.deepEqual(result, { backlog: 2, queuedJobs: 4, perQueue });
      assert.equal(logged.length, 1, 'one EMF line');
      const record = JSON.parse(logged[0]);
      assert.equal(record.QueueBacklog, 2);
      assert.equal(record.QueuedJobs, 4);
      assert.deepEqual(record.queues, perQueue);
      assert.deepEqual(sessions, [{ cipher: CACHE_TUNNEL.cipher, protocol: 'TLSv1.2', servername: false }]);
      assert.match(tunnel!.output(), /Key configured for PSK identity "booking-cache"/);
    });

    test('the tunnel speaks TLS only: a plain Redis client is turned away', async () => {
      const plain = new Redis({
        host: '127.0.0.1',
        port: tunnelPort,
        password: token,
        lazyConnect: true,
        retryStrategy: () => null,
        maxRetriesPerRequest: 0,
        connectTimeout: 2_000,
        commandTimeout: 2_000,
      });
      plain.on('error', () => undefined);
      try {
        await assert.rejects(plain.connect().then(() => plain.ping()));
      } finally {
        plain.disconnect();
      }
    });

    test('a wrong key fails the handshake, says so, and publishes nothing', async () => {
      const logged: string[] = [];
      const wrongKey = randomBytes(32).toString('hex');
      await assert.rejects(
        publishThroughTunnel({ CACHE_TUNNEL_PSK: wrongKey }, { log: (line) => logged.push(line) }),
        (error: Error) => {
          // OpenSSL's reason for the alert stunnel sends: the MAC of its Finished message does not verify.
          assert.match(
            error.message,
            new RegExp(
              `^cannot read the queue lengths from the cache at 127\\.0\\.0\\.1:${tunnelPort}: the TLS-PSK handshake with the tunnel failed \\(is CACHE_TUNNEL_PSK the tunnel's key\\?\\): .*bad record mac`,
            ),
          );
          assert.doesNotMatch(error.message, new RegExp(`${wrongKey}|${hexKey}`), 'no key in the message');
          return true;
        },
      );
      assert.deepEqual(logged, []);
    });

    test('the right key with a wrong password: WRONGPASS from Valkey behind the tunnel, nothing published', async () => {
      const logged: string[] = [];
      await assert.rejects(
        publishThroughTunnel(
          { CACHE_TUNNEL_PSK: hexKey, CACHE_PASSWORD: 'not-the-token' },
          { log: (line) => logged.push(line) },
        ),
        {
          message: `cannot read the queue lengths from the cache at 127.0.0.1:${tunnelPort}: WRONGPASS invalid username-password pair or user is disabled.`,
        },
      );
      assert.deepEqual(logged, []);
    });

    test('a stopped tunnel: an outage while the name resolves, nothing to report once it has no address; a new tunnel is reached again', async () => {
      await tunnel!.stop();
      const logged: string[] = [];
      const warned: string[] = [];
      const dependencies = (lookupAnswer: 'address' | 'ENOTFOUND'): HandlerDependencies => ({
        // The cache's Cloud Map name: still registered (a running task whose tunnel died), or
        // removed with the task (paused). The connection itself is real: refused.
        lookup: async (host) => {
          if (lookupAnswer === 'address') return { address: host, family: 4 };
          throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
        },
        log: (line) => logged.push(line),
        warn: (line) => warned.push(line),
      });
      const refused = `cannot read the queue lengths from the cache at 127.0.0.1:${tunnelPort}: connect ECONNREFUSED 127.0.0.1:${tunnelPort}`;
      await assert.rejects(publishThroughTunnel({ CACHE_TUNNEL_PSK: hexKey }, dependencies('address')), {
        message: refused,
      });
      assert.equal(await publishThroughTunnel({ CACHE_TUNNEL_PSK: hexKey }, dependencies('ENOTFOUND')), undefined);
      assert.deepEqual(logged, [], 'no datapoint either way');
      assert.deepEqual(warned, [
        `the cache task is not running (127.0.0.1 has no address): nothing published. ${refused}`,
      ]);

      // A new task (here a new tunnel, with a key in text): the next invocation reaches it.
      tunnel = await startTunnel(textKey);
      const result = await publishThroughTunnel({ CACHE_TUNNEL_PSK: textKey }, dependencies('address'));
      assert.deepEqual(result, { backlog: 2, queuedJobs: 4, perQueue: { tunnel: { ready: 2, delayed: 1, held: 1 } } });
      assert.equal(logged.length, 1);
    });
  });
});
