// Types of the queue-depth publisher (plain JavaScript so the Lambda ships without bundling).
import type { Socket } from 'node:net';

export interface QueryOptions {
  host: string;
  port: number;
  token?: string;
  useTls?: boolean;
  timeoutMs?: number;
  connect?: (options: { host: string; port: number }) => Socket;
}
export function encodeCommand(args: ReadonlyArray<string | number>): string;
export function parseReplies(buffer: string): { replies: Array<string | number | Error>; rest: string };
export function query(options: QueryOptions, commands: ReadonlyArray<ReadonlyArray<string>>): Promise<number[]>;
export const METRICS: { backlog: 'QueueBacklog'; queuedJobs: 'QueuedJobs'; dimension: 'Environment' };
export function metricRecord(input: {
  namespace: string;
  environment: string;
  backlog: number;
  queuedJobs?: number;
  perQueue: Record<string, number>;
  now?: number;
}): {
  _aws: { Timestamp: number; CloudWatchMetrics: unknown[] };
  Environment: string;
  QueueBacklog: number;
  QueuedJobs: number;
  queues: Record<string, number>;
};
export function queueKeys(queues: readonly string[], keyNamespace?: string): string[];
export function delayQueueKeys(queues: readonly string[], keyNamespace?: string): string[];
export function handler(
  event: unknown,
  context: unknown,
  dependencies?: { connect?: QueryOptions['connect']; log?: (line: string) => void },
): Promise<{ backlog: number; queuedJobs: number; perQueue: Record<string, number> }>;
