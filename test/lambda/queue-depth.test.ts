// Unit tests of the queue-depth publisher: the EMF record, the Dramatiq keys, the client options
// and the handler over a stand-in client. The same handler against a real redis-server is in
// test/integration/queue-depth-redis.test.ts.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Redis, RedisOptions } from 'ioredis';
import {
  clientOptions,
  delayQueueKeys,
  dramatiqKeys,
  handler,
  METRICS,
  metricRecord,
  queueKeys,
} from '../../src/lambda/queue-depth/index';
import { QUEUE_BACKLOG_METRIC } from '../../src/ops/contracts';

/**
 * A stand-in for ioredis's client: MULTI of LLEN/HLEN answered from a fixed table of key lengths,
 * recording the options and the commands asked (`llen <key>`, `hlen <key>`).
 */
interface Seen {
  options?: RedisOptions;
  asked: string[];
  transactions: number;
  closed: number;
}

function fakeClient(lengths: Record<string, number>, seen: Seen, failOn?: { key: string; error: Error }) {
  return (options: RedisOptions): Redis => {
    seen.options = options;
    return {
      on: () => undefined,
      connect: async () => undefined,
      multi: (commands: string[][]) => ({
        exec: async () => {
          seen.transactions++;
          return commands.map(([command, key]) => {
            seen.asked.push(`${command} ${key}`);
            return failOn?.key === key ? [failOn.error, null] : [null, lengths[key] ?? 0];
          });
        },
      }),
      disconnect: () => {
        seen.closed++;
      },
    } as unknown as Redis;
  };
}

async function withEnvironment<T>(variables: Record<string, string>, run: () => Promise<T>): Promise<T> {
  const saved = { ...process.env };
  Object.assign(process.env, variables);
  try {
    return await run();
  } finally {
    process.env = saved;
  }
}

describe('queue-depth publisher', () => {
  test('the handler logs one EMF record: QueueBacklog (ready) and QueuedJobs (every message not acked)', async () => {
    const seen: Seen = { asked: [], transactions: 0, closed: 0 };
    const logged: string[] = [];
    const result = await withEnvironment(
      {
        CACHE_HOST: 'cache.internal',
        CACHE_PORT: '6380',
        CACHE_AUTH_TOKEN: 's3cret',
        CACHE_TLS: 'true',
        QUEUES: 'default,emails',
        METRIC_NAMESPACE: 'booking',
        ENVIRONMENT: 'dev',
      },
      () =>
        handler(
          {},
          {},
          {
            createClient: fakeClient(
              {
                // default: 7 ready + 2 running (hash 9); 3 delayed waiting + 1 held until its eta (hash 4).
                'dramatiq:default': 7,
                'dramatiq:default.msgs': 9,
                'dramatiq:default.DQ': 3,
                'dramatiq:default.DQ.msgs': 4,
                // emails: 5 ready, 1 delayed, nothing held.
                'dramatiq:emails': 5,
                'dramatiq:emails.msgs': 5,
                'dramatiq:emails.DQ': 1,
                'dramatiq:emails.DQ.msgs': 1,
              },
              seen,
            ),
            log: (line: string) => logged.push(line),
          },
        ),
    );
    const perQueue = { default: { ready: 7, delayed: 3, held: 3 }, emails: { ready: 5, delayed: 1, held: 0 } };
    assert.deepEqual(result, { backlog: 12, queuedJobs: 19, perQueue });
    assert.deepEqual(seen.asked, [
      'llen dramatiq:default',
      'llen dramatiq:default.DQ',
      'hlen dramatiq:default.msgs',
      'hlen dramatiq:default.DQ.msgs',
      'llen dramatiq:emails',
      'llen dramatiq:emails.DQ',
      'hlen dramatiq:emails.msgs',
      'hlen dramatiq:emails.DQ.msgs',
    ]);
    assert.equal(seen.transactions, 1, 'one MULTI/EXEC: a snapshot of every count');
    assert.equal(seen.closed, 1, 'the connection is closed after reading');
    assert.equal(seen.options?.host, 'cache.internal');
    assert.equal(seen.options?.port, 6380);
    assert.equal(seen.options?.password, 's3cret');
    assert.equal(logged.length, 1);
    const record = JSON.parse(logged[0]);
    assert.equal(record.QueueBacklog, 12, 'ready messages only: they drive worker scaling');
    assert.equal(record.QueuedJobs, 19, 'ready, delayed and held by workers: what the cache holds');
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
  });

  test('a job held by a worker killed before its ack counts in QueuedJobs, not in QueueBacklog', async () => {
    const result = await withEnvironment(
      { CACHE_HOST: 'cache.internal', QUEUES: 'default', METRIC_NAMESPACE: 'booking', ENVIRONMENT: 'dev' },
      () =>
        handler(
          {},
          {},
          {
            // The lists are empty; the message's id is in a dead worker's ack set, its body in the hash.
            createClient: fakeClient({ 'dramatiq:default.msgs': 1 }, { asked: [], transactions: 0, closed: 0 }),
            log: () => undefined,
          },
        ),
    );
    assert.deepEqual(result, { backlog: 0, queuedJobs: 1, perQueue: { default: { ready: 0, delayed: 0, held: 1 } } });
  });

  test('KEY_NAMESPACE changes the keys; empty queues publish zeros', async () => {
    const seen: Seen = { asked: [], transactions: 0, closed: 0 };
    const logged: string[] = [];
    const result = await withEnvironment(
      {
        CACHE_HOST: 'cache.internal',
        QUEUES: 'reports',
        KEY_NAMESPACE: 'jobs',
        METRIC_NAMESPACE: 'booking',
        ENVIRONMENT: 'prod',
      },
      () => handler({}, {}, { createClient: fakeClient({}, seen), log: (line: string) => logged.push(line) }),
    );
    assert.deepEqual(result, {
      backlog: 0,
      queuedJobs: 0,
      perQueue: { reports: { ready: 0, delayed: 0, held: 0 } },
    });
    assert.deepEqual(seen.asked, [
      'llen jobs:reports',
      'llen jobs:reports.DQ',
      'hlen jobs:reports.msgs',
      'hlen jobs:reports.DQ.msgs',
    ]);
    const record = JSON.parse(logged[0]);
    assert.equal(record.QueueBacklog, 0);
    assert.equal(record.QueuedJobs, 0);
  });

  test('a command the cache refuses fails the invocation with its reason and publishes nothing', async () => {
    const seen: Seen = { asked: [], transactions: 0, closed: 0 };
    const logged: string[] = [];
    const wrongType = new Error('WRONGTYPE Operation against a key holding the wrong kind of value');
    await assert.rejects(
      withEnvironment(
        { CACHE_HOST: 'cache.internal', QUEUES: 'default', METRIC_NAMESPACE: 'booking', ENVIRONMENT: 'dev' },
        () =>
          handler(
            {},
            {},
            {
              createClient: fakeClient({ 'dramatiq:default': 3 }, seen, {
                key: 'dramatiq:default.msgs',
                error: wrongType,
              }),
              log: (line: string) => logged.push(line),
            },
          ),
      ),
      {
        message: 'cannot read the queue lengths from the cache at cache.internal:6379: ' + wrongType.message,
      },
    );
    assert.deepEqual(logged, []);
    assert.equal(seen.closed, 1, 'closed on failure too');
  });

  test('client options: TLS with the host as server name unless CACHE_TLS=false; fail fast, no reconnects', () => {
    const options = clientOptions({ CACHE_HOST: 'master.booking.cache.amazonaws.com', CACHE_AUTH_TOKEN: 't0ken' });
    assert.equal(options.port, 6379);
    assert.deepEqual(options.tls, { servername: 'master.booking.cache.amazonaws.com' });
    assert.equal(options.password, 't0ken');
    assert.equal(options.username, undefined, 'the AUTH token authenticates the default user');
    assert.equal(options.retryStrategy?.(1), null, 'no reconnect: the next invocation is the retry');
    assert.equal(options.maxRetriesPerRequest, 0);
    assert.equal(options.enableOfflineQueue, false);
    assert.ok((options.connectTimeout ?? 0) > 0 && (options.connectTimeout ?? 0) < 20_000, 'within the 20 s timeout');

    const plain = clientOptions({
      CACHE_HOST: '127.0.0.1',
      CACHE_PORT: '7000',
      CACHE_TLS: 'false',
      CACHE_AUTH_TOKEN: '',
    });
    assert.equal(plain.tls, undefined);
    assert.equal(plain.port, 7000);
    assert.equal(plain.password, undefined, 'an empty token sends no AUTH');
    assert.throws(() => clientOptions({}), /CACHE_HOST is not set/);
  });

  test('queue keys follow the Dramatiq Redis broker: `<ns>:<queue>`, `<ns>:<queue>.DQ` and their `.msgs` hashes', () => {
    assert.deepEqual(dramatiqKeys('default'), {
      ready: 'dramatiq:default',
      delayed: 'dramatiq:default.DQ',
      messages: 'dramatiq:default.msgs',
      delayedMessages: 'dramatiq:default.DQ.msgs',
    });
    assert.deepEqual(dramatiqKeys('emails', 'jobs').delayedMessages, 'jobs:emails.DQ.msgs');
    assert.deepEqual(queueKeys(['default', 'emails']), ['dramatiq:default', 'dramatiq:emails']);
    assert.deepEqual(delayQueueKeys(['default', 'emails']), ['dramatiq:default.DQ', 'dramatiq:emails.DQ']);
    assert.deepEqual(delayQueueKeys(['default'], 'jobs'), ['jobs:default.DQ']);
    assert.equal(
      metricRecord({ namespace: 'n', environment: 'e', backlog: 3, perQueue: {}, now: 1 })._aws.Timestamp,
      1,
    );
  });

  test('without a QueuedJobs count, QueuedJobs falls back to the backlog', () => {
    const record = metricRecord({ namespace: 'n', environment: 'e', backlog: 3, perQueue: {}, now: 1 });
    assert.equal(record.QueueBacklog, 3);
    assert.equal(record.QueuedJobs, 3);
    assert.equal(
      metricRecord({ namespace: 'n', environment: 'e', backlog: 3, queuedJobs: 5, perQueue: {} }).QueuedJobs,
      5,
    );
  });

  test('METRICS agrees with QUEUE_BACKLOG_METRIC in src/ops/contracts.ts', () => {
    assert.deepEqual(METRICS, {
      backlog: QUEUE_BACKLOG_METRIC.name,
      queuedJobs: QUEUE_BACKLOG_METRIC.queuedJobs,
      dimension: QUEUE_BACKLOG_METRIC.dimension,
    });
    // And the record it writes uses those names.
    const record = metricRecord({ namespace: 'n', environment: 'e', backlog: 1, queuedJobs: 2, perQueue: {} });
    const fields = record as unknown as Record<string, unknown>;
    assert.equal(fields[QUEUE_BACKLOG_METRIC.name], 1);
    assert.equal(fields[QUEUE_BACKLOG_METRIC.queuedJobs], 2);
    assert.equal(fields[QUEUE_BACKLOG_METRIC.dimension], 'e');
    assert.deepEqual(record._aws.CloudWatchMetrics, [
      {
        Namespace: 'n',
        Dimensions: [[QUEUE_BACKLOG_METRIC.dimension]],
        Metrics: [
          { Name: QUEUE_BACKLOG_METRIC.name, Unit: 'Count' },
          { Name: QUEUE_BACKLOG_METRIC.queuedJobs, Unit: 'Count' },
        ],
      },
    ]);
  });
});
