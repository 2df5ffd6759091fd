import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import {
  delayQueueKeys,
  encodeCommand,
  handler,
  METRICS,
  metricRecord,
  parseReplies,
  query,
  queueKeys,
} from '../../src/lambda/queue-depth/index.mjs';
import { QUEUE_BACKLOG_METRIC } from '../../src/ops/contracts';

/** A tiny Redis stand-in on loopback: AUTH with one token, LLEN from a fixed table (recording the keys asked). */
function fakeRedis(token: string, lists: Record<string, number>, asked: string[] = []): net.Server {
  return net.createServer((socket) => {
    let buffer = '';
    let authed = false;
    socket.on('data', (chunk) => {
      buffer += chunk.toString('utf8');
      // Commands are RESP arrays of bulk strings; parse complete ones.
      for (;;) {
        const match = /^\*(\d+)\r\n/.exec(buffer);
        if (!match) return;
        let offset = match[0].length;
        const args: string[] = [];
        for (let i = 0; i < Number(match[1]); i++) {
          const header = /^\$(\d+)\r\n/.exec(buffer.slice(offset));
          if (!header) return;
          const start = offset + header[0].length;
          const length = Number(header[1]);
          if (buffer.length < start + length + 2) return;
          args.push(buffer.slice(start, start + length));
          offset = start + length + 2;
        }
        buffer = buffer.slice(offset);
        const [command, ...rest] = args;
        if (command === 'AUTH') {
          authed = rest[0] === token;
          socket.write(authed ? '+OK\r\n' : '-WRONGPASS invalid username-password pair\r\n');
        } else if (!authed) {
          socket.write('-NOAUTH Authentication required.\r\n');
        } else if (command === 'LLEN') {
          asked.push(rest[0]);
          socket.write(`:${lists[rest[0]] ?? 0}\r\n`);
        } else {
          socket.write(`-ERR unknown command '${command}'\r\n`);
        }
      }
    });
  });
}

describe('queue-depth publisher', () => {
  let server: net.Server;
  let port: number;
  const asked: string[] = [];
  before(async () => {
    // Ready messages in `<queue>`, delayed ones (send_with_options(delay=...)) in `<queue>.DQ`.
    server = fakeRedis(
      's3cret',
      { 'dramatiq:default': 7, 'dramatiq:emails': 5, 'dramatiq:default.DQ': 3, 'dramatiq:emails.DQ': 1 },
      asked,
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as net.AddressInfo).port;
  });
  after(() => server.close());

  test('encodes commands as RESP arrays of bulk strings', () => {
    assert.equal(encodeCommand(['LLEN', 'dramatiq:default']), '*2\r\n$4\r\nLLEN\r\n$16\r\ndramatiq:default\r\n');
  });

  test('parses complete replies and keeps a partial one for later', () => {
    const { replies, rest } = parseReplies('+OK\r\n:42\r\n-ERR nope\r\n:1');
    assert.equal(replies[0], 'OK');
    assert.equal(replies[1], 42);
    assert.ok(replies[2] instanceof Error);
    assert.equal(rest, ':1');
  });

  test('reads Dramatiq queue lengths over an authenticated connection', async () => {
    const counts = await query({ host: '127.0.0.1', port, token: 's3cret', useTls: false }, [
      ['LLEN', 'dramatiq:default'],
      ['LLEN', 'dramatiq:emails'],
    ]);
    assert.deepEqual(counts, [7, 5]);
  });

  test('a wrong token fails instead of publishing a zero', async () => {
    await assert.rejects(
      query({ host: '127.0.0.1', port, token: 'wrong', useTls: false }, [['LLEN', 'dramatiq:default']]),
      /WRONGPASS/,
    );
  });

  test('the handler logs one EMF record: QueueBacklog (ready) and QueuedJobs (ready + delayed)', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, {
      CACHE_HOST: '127.0.0.1',
      CACHE_PORT: String(port),
      CACHE_AUTH_TOKEN: 's3cret',
      CACHE_TLS: 'false',
      QUEUES: 'default,emails',
      METRIC_NAMESPACE: 'booking',
      ENVIRONMENT: 'dev',
    });
    const logged: string[] = [];
    asked.length = 0;
    try {
      const result = await handler({}, {}, { log: (line: string) => logged.push(line) });
      assert.deepEqual(result, {
        backlog: 12,
        queuedJobs: 16,
        perQueue: { default: 7, 'default.DQ': 3, emails: 5, 'emails.DQ': 1 },
      });
    } finally {
      process.env = saved;
    }
    assert.deepEqual(asked.sort(), [
      'dramatiq:default',
      'dramatiq:default.DQ',
      'dramatiq:emails',
      'dramatiq:emails.DQ',
    ]);
    assert.equal(logged.length, 1);
    const record = JSON.parse(logged[0]);
    assert.equal(record.QueueBacklog, 12, 'ready messages only: they drive worker scaling');
    assert.equal(record.QueuedJobs, 16, 'ready plus delayed: what the cache holds');
    assert.equal(record.Environment, 'dev');
    assert.deepEqual(record.queues, { default: 7, 'default.DQ': 3, emails: 5, 'emails.DQ': 1 });
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

  test('a queue with only delayed messages counts in QueuedJobs, not in the backlog', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, {
      CACHE_HOST: '127.0.0.1',
      CACHE_PORT: String(port),
      CACHE_AUTH_TOKEN: 's3cret',
      CACHE_TLS: 'false',
      QUEUES: 'reports',
      KEY_NAMESPACE: 'jobs',
      METRIC_NAMESPACE: 'booking',
      ENVIRONMENT: 'prod',
    });
    asked.length = 0;
    const logged: string[] = [];
    try {
      const result = await handler({}, {}, { log: (line: string) => logged.push(line) });
      assert.deepEqual(result, { backlog: 0, queuedJobs: 0, perQueue: { reports: 0, 'reports.DQ': 0 } });
    } finally {
      process.env = saved;
    }
    assert.deepEqual(asked, ['jobs:reports', 'jobs:reports.DQ']);
    const record = JSON.parse(logged[0]);
    assert.equal(record.QueueBacklog, 0);
    assert.equal(record.QueuedJobs, 0);
  });

  test('queue keys follow the Dramatiq Redis broker: `<ns>:<queue>` and its delay queue `<ns>:<queue>.DQ`', () => {
    assert.deepEqual(queueKeys(['default', 'emails']), ['dramatiq:default', 'dramatiq:emails']);
    assert.deepEqual(delayQueueKeys(['default', 'emails']), ['dramatiq:default.DQ', 'dramatiq:emails.DQ']);
    assert.deepEqual(delayQueueKeys(['default'], 'jobs'), ['jobs:default.DQ']);
    assert.equal(
      metricRecord({ namespace: 'n', environment: 'e', backlog: 3, perQueue: {}, now: 1 })._aws.Timestamp,
      1,
    );
  });

  test('without a delayed count, QueuedJobs falls back to the backlog', () => {
    const record = metricRecord({ namespace: 'n', environment: 'e', backlog: 3, perQueue: {}, now: 1 });
    assert.equal(record.QueueBacklog, 3);
    assert.equal(record.QueuedJobs, 3);
    assert.equal(
      metricRecord({ namespace: 'n', environment: 'e', backlog: 3, queuedJobs: 5, perQueue: {} }).QueuedJobs,
      5,
    );
  });

  test('METRICS in index.mjs agrees with QUEUE_BACKLOG_METRIC in src/ops/contracts.ts', () => {
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
