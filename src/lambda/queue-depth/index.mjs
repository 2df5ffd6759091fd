// Publishes the Dramatiq backlog (messages waiting in Redis/Valkey) as a CloudWatch metric once a
// minute, so the worker service can scale on it, from zero included.
//
// Runs in the VPC next to the cache, which it reaches over TLS with the AUTH token. It needs no
// NAT gateway and no VPC endpoint: the metric is written as a CloudWatch Embedded Metric Format
// log line, and Lambda ships logs itself, outside the VPC.
import net from 'node:net';
import tls from 'node:tls';

/** Encodes one Redis command in RESP. */
export function encodeCommand(args) {
  return `*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(String(arg))}\r\n${arg}\r\n`).join('')}`;
}

/**
 * Parses complete RESP replies from `buffer`; returns the replies and the unconsumed rest.
 * Supports the reply types the commands used here return: simple strings, errors, integers.
 */
export function parseReplies(buffer) {
  const replies = [];
  let rest = buffer;
  for (;;) {
    const end = rest.indexOf('\r\n');
    if (end < 0) break;
    const line = rest.slice(0, end);
    const kind = line[0];
    const body = line.slice(1);
    if (kind === '+') replies.push(body);
    else if (kind === '-') replies.push(new Error(body));
    else if (kind === ':') replies.push(Number(body));
    else throw new Error(`unexpected reply from the cache: ${line}`);
    rest = rest.slice(end + 2);
  }
  return { replies, rest };
}

/** Sends commands on one connection and resolves with their replies, in order. */
export function query({ host, port, token, useTls = true, timeoutMs = 5000, connect }, commands) {
  const all = token ? [['AUTH', token], ...commands] : commands;
  return new Promise((resolve, reject) => {
    const open =
      connect ?? ((options) => (useTls ? tls.connect({ ...options, servername: host }) : net.connect(options)));
    const socket = open({ host, port });
    let buffer = '';
    const replies = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer from ${host}:${port} within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => {
      buffer += chunk;
      try {
        const parsed = parseReplies(buffer);
        buffer = parsed.rest;
        replies.push(...parsed.replies);
      } catch (error) {
        clearTimeout(timer);
        socket.destroy();
        reject(error);
        return;
      }
      if (replies.length >= all.length) {
        clearTimeout(timer);
        socket.end();
        const failure = replies.find((reply) => reply instanceof Error);
        if (failure) reject(failure);
        else resolve(token ? replies.slice(1) : replies);
      }
    });
    socket.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.write(all.map(encodeCommand).join(''));
  });
}

/** The EMF log line CloudWatch turns into the metric. */
// Metric names are contracts with the worker's scaling alarms and `booking-infra minimal`
// (src/ops/contracts.ts QUEUE_BACKLOG_METRIC); this file is plain JavaScript, so they are repeated
// here and a test checks that both agree.
export const METRICS = { backlog: 'QueueBacklog', queuedJobs: 'QueuedJobs', dimension: 'Environment' };

/**
 * QueueBacklog: ready messages (what workers can take now: drives scaling). QueuedJobs: ready
 * plus delayed messages, everything the cache holds for Dramatiq (what `minimal` would lose).
 */
export function metricRecord({ namespace, environment, backlog, queuedJobs, perQueue, now = Date.now() }) {
  return {
    _aws: {
      Timestamp: now,
      CloudWatchMetrics: [
        {
          Namespace: namespace,
          Dimensions: [[METRICS.dimension]],
          Metrics: [
            { Name: METRICS.backlog, Unit: 'Count' },
            { Name: METRICS.queuedJobs, Unit: 'Count' },
          ],
        },
      ],
    },
    [METRICS.dimension]: environment,
    [METRICS.backlog]: backlog,
    [METRICS.queuedJobs]: queuedJobs ?? backlog,
    queues: perQueue,
  };
}

/** Dramatiq's Redis broker keeps each queue's ready message ids in the list `<namespace>:<queue>`. */
export function queueKeys(queues, keyNamespace = 'dramatiq') {
  return queues.map((queue) => `${keyNamespace}:${queue}`);
}

/** Delayed messages (`actor.send_with_options(delay=...)`) wait in the queue `<queue>.DQ`. */
export function delayQueueKeys(queues, keyNamespace = 'dramatiq') {
  return queues.map((queue) => `${keyNamespace}:${queue}.DQ`);
}

export async function handler(_event, _context, dependencies = {}) {
  const queues = (process.env.QUEUES ?? 'default').split(',').filter(Boolean);
  const keys = [...queueKeys(queues, process.env.KEY_NAMESPACE), ...delayQueueKeys(queues, process.env.KEY_NAMESPACE)];
  const counts = await query(
    {
      host: process.env.CACHE_HOST,
      port: Number(process.env.CACHE_PORT ?? 6379),
      token: process.env.CACHE_AUTH_TOKEN,
      useTls: process.env.CACHE_TLS !== 'false',
      connect: dependencies.connect,
    },
    keys.map((key) => ['LLEN', key]),
  );
  const ready = counts.slice(0, queues.length);
  const delayed = counts.slice(queues.length);
  const perQueue = Object.fromEntries(
    queues.flatMap((queue, i) => [
      [queue, ready[i]],
      [`${queue}.DQ`, delayed[i]],
    ]),
  );
  const backlog = ready.reduce((sum, count) => sum + count, 0);
  const queuedJobs = backlog + delayed.reduce((sum, count) => sum + count, 0);
  const record = metricRecord({
    namespace: process.env.METRIC_NAMESPACE,
    environment: process.env.ENVIRONMENT,
    backlog,
    queuedJobs,
    perQueue,
  });
  (dependencies.log ?? console.log)(JSON.stringify(record));
  return { backlog, queuedJobs, perQueue };
}
