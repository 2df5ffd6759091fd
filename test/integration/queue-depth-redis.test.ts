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
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Redis, type RedisOptions } from 'ioredis';
import { type CreateClient, handler } from '../../src/lambda/queue-depth/index';
import { freePort, requireBinary, type Server, startServer, waitUntil } from './real-processes';

/** What the stack sets (src/modules/queue-metrics): a TLS endpoint and the AUTH token. */
const CACHE_HOST = 'master.booking-dev-cache.abc123.euw2.cache.amazonaws.com';

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
  const token = randomBytes(16).toString('hex');
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

  /** Runs the handler with the stack's variables (and `variables`); EMF lines go to `logged`. */
  async function publish(variables: Record<string, string>, createClient: CreateClient, logged: string[] = []) {
    const saved = { ...process.env };
    Object.assign(process.env, {
      CACHE_HOST,
      CACHE_PORT: '6379',
      CACHE_TLS: 'true',
      CACHE_AUTH_TOKEN: token,
      QUEUES: 'default,emails',
      METRIC_NAMESPACE: 'booking',
      ENVIRONMENT: 'dev',
      ...variables,
    });
    try {
      return await handler({}, {}, { createClient, log: (line) => logged.push(line) });
    } finally {
      process.env = saved;
    }
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

    // Queue `default`: 3 ready, 2 being processed by a worker, 2 delayed waiting, 1 delayed that
    // the worker prefetched (held until its eta), 1 dead-lettered. Queue `emails`: 1 ready.
    const now = Date.now();
    await redis.zadd('dramatiq:__heartbeats__', now, worker);
    const enqueue = async (queue: string, actor: string, eta?: number) => {
      const id = randomUUID();
      await redis!.hset(`dramatiq:${queue}.msgs`, id, dramatiqMessage(queue, actor, id, eta));
      await redis!.rpush(`dramatiq:${queue}`, id);
      return id;
    };
    /** What dispatch.lua's fetch does: LPOP the id, add it to the worker's ack set. */
    const fetch = async (queue: string) => {
      const id = await redis!.lpop(`dramatiq:${queue}`);
      assert.ok(id, `a message to fetch on ${queue}`);
      await redis!.sadd(`dramatiq:__acks__.${worker}.${queue}`, id);
      return id;
    };
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

  test('publishes ready messages as QueueBacklog and every message not acked as QueuedJobs', async () => {
    given.length = 0;
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

    // What the Lambda itself would have used: the stack's endpoint, over TLS, with the token.
    assert.equal(given.length, 1);
    assert.equal(given[0].host, CACHE_HOST);
    assert.deepEqual(given[0].tls, { servername: CACHE_HOST });
    assert.equal(given[0].password, token);

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
    await redis!.set('broken:default.msgs', 'not a hash');
    const logged: string[] = [];
    await assert.rejects(
      publish({ KEY_NAMESPACE: 'broken', QUEUES: 'default' }, toLocalServer(port), logged),
      (error: Error) => {
        assert.match(
          error.message,
          new RegExp(`^cannot read the queue lengths from the cache at ${CACHE_HOST}:6379: WRONGTYPE `),
        );
        return true;
      },
    );
    assert.deepEqual(logged, []);
  });

  test('a wrong AUTH token fails with the server reason and publishes nothing', async () => {
    const logged: string[] = [];
    await assert.rejects(
      publish({ CACHE_AUTH_TOKEN: 'not-the-token' }, toLocalServer(port), logged),
      (error: Error) => {
        assert.equal(
          error.message,
          `cannot read the queue lengths from the cache at ${CACHE_HOST}:6379: WRONGPASS invalid username-password pair or user is disabled.`,
        );
        assert.doesNotMatch(error.message, /not-the-token/, 'the token is not in the message');
        return true;
      },
    );
    assert.deepEqual(logged, []);
  });

  test('a missing AUTH token fails with NOAUTH', async () => {
    // Inside MULTI the server refuses every command and then EXEC (EXECABORT): the reason is NOAUTH.
    await assert.rejects(
      publish({ CACHE_AUTH_TOKEN: '' }, toLocalServer(port)),
      new RegExp(
        `^Error: cannot read the queue lengths from the cache at ${CACHE_HOST}:6379: NOAUTH Authentication required\\.$`,
      ),
    );
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
});
