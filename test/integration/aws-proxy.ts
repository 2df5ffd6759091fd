/**
 * A small HTTP proxy between the ops code's SDK clients and moto. It records every AWS operation in
 * order, injects faults on chosen calls, and stands in for the parts of AWS that moto does not
 * emulate and the ops code waits on:
 *
 * - the ECS scheduler: moto never places tasks, so its services report runningCount 0 and
 *   pendingCount = desiredCount forever. The proxy rewrites DescribeServices answers as if the
 *   scheduler had placed (or stopped) the tasks, at once or after a few polls;
 * - CloudWatch DisableAlarmActions / EnableAlarmActions, which moto answers with an HTML page:
 *   the proxy answers them as CloudWatch does (an empty JSON object), recording the call;
 * - CodePipeline GetPipelineState, which moto 5.2 does not implement (HTTP 500): the proxy answers
 *   it from moto's GetPipeline, every stage idle unless a test sets a stage's latest execution;
 * - the containers of one-off tasks: moto runs none (its tasks walk to STOPPED, "exit code 0", as
 *   they are described). For a family given to setTaskRun, DescribeTasks answers RUNNING for a few
 *   polls, then STOPPED with the chosen exit code (stopping the task in moto too), or RUNNING until
 *   StopTask;
 * - the creation time of ElastiCache snapshots, which moto does not record (no NodeSnapshots in its
 *   DescribeSnapshots answer): a snapshot given to setCacheSnapshotTime is described as taken then.
 *
 * Only node's http module; loopback only.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';

/** One AWS call that reached the proxy. */
export interface RecordedCall {
  /** The SigV4 signing name: 'ecs', 'application-autoscaling', 'rds', 'elasticache', 'cloudformation', 'dynamodb', 'monitoring' (CloudWatch), 'ssm', 'sts', 'codepipeline', ... */
  readonly service: string;
  /** The operation: the X-Amz-Target suffix (JSON protocols) or the Action parameter (query protocols). */
  readonly operation: string;
  /** The request: the JSON body, or the form parameters of a query request. */
  readonly input: Readonly<Record<string, unknown>>;
  /** The request's Content-Encoding (e.g. 'gzip'), if any: the input is logged decoded. */
  readonly contentEncoding?: string;
  /** The HTTP status answered (0 until answered). */
  status: number;
  /** Answered by failNext instead of being forwarded. */
  injected: boolean;
}

export interface FaultOptions {
  /** How many matching calls fail. @default 1 */
  readonly times?: number;
  /** Matching calls to let through first. @default 0 */
  readonly after?: number;
  /** @default 400 (with the default code, an error the SDK does not retry) */
  readonly status?: number;
  /** The AWS error code, e.g. 'ThrottlingException' (which the SDK does retry). @default 'InjectedFault' */
  readonly code?: string;
  /** @default 'injected fault: <operation>' */
  readonly message?: string;
}

/**
 * What the containers of a task family do (setTaskRun): exit with `exitCode` once the task has been
 * described `afterPolls` times, or, without an exit code, run until StopTask.
 */
export interface TaskRun {
  readonly exitCode?: number;
  /** DescribeTasks answers that still show the task RUNNING. @default 1 */
  readonly afterPolls?: number;
}

/** What the emulated ECS scheduler does: place every desired task, or none (tasks stay pending). */
export type EcsPlacement = 'instant' | 'never';

export interface AwsProxyOptions {
  /** @default 'instant' */
  readonly ecsPlacement?: EcsPlacement;
  /** DescribeServices polls, after an UpdateService, that still show the old task count. @default 0 */
  readonly placementDelayPolls?: number;
}

/** A stage's latest execution, as GetPipelineState reports it. */
export interface StageExecution {
  readonly status: 'InProgress' | 'Stopped' | 'Stopping' | 'Succeeded' | 'Failed' | 'Cancelled';
  readonly pipelineExecutionId?: string;
}

interface Fault {
  readonly pattern: string;
  skip: number;
  left: number;
  readonly status: number;
  readonly code: string;
  readonly message?: string;
}

interface Answer {
  status: number;
  headers: http.OutgoingHttpHeaders;
  body: Buffer;
}

/** Headers that describe one hop of a connection, never forwarded as they are. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
  'content-length',
]);

function copyHeaders(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const copy: http.OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) copy[name] = value;
  }
  return copy;
}

function decode(body: Buffer, encoding: string | undefined): Buffer {
  switch ((encoding ?? '').trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return zlib.gunzipSync(body);
    case 'deflate':
      return zlib.inflateSync(body);
    case 'br':
      return zlib.brotliDecompressSync(body);
    default:
      return body;
  }
}

/** `ecs:UpdateService` matches that call; a bare `UpdateService` matches it in any service. */
function matches(call: RecordedCall, pattern: string): boolean {
  const at = pattern.indexOf(':');
  return at < 0 ? call.operation === pattern : `${call.service}:${call.operation}` === pattern;
}

/** The last part of an ARN or a name: `arn:...:cluster/booking-dev` and `booking-dev` are the same cluster. */
function lastPart(value: unknown): string {
  return String(value ?? 'default')
    .split('/')
    .pop()!;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export class AwsProxy {
  /** Every call, in the order it arrived. */
  readonly log: RecordedCall[] = [];
  /** The emulated ECS scheduler (see the file comment). */
  ecsPlacement: EcsPlacement;
  /** DescribeServices polls after an UpdateService that still show the old task count (0: at once). */
  placementDelayPolls: number;

  private faults: Fault[] = [];
  /** Services whose tasks the emulated scheduler has not placed yet, by `<cluster>/<service>`. */
  private readonly placing = new Map<string, { running: number; pollsLeft: number }>();
  private readonly stageExecutions = new Map<string, Map<string, StageExecution>>();
  /** setTaskRun's settings by task family; the polls each task has had; the exit codes of stopped ones. */
  private readonly taskRuns = new Map<string, TaskRun>();
  private readonly taskPolls = new Map<string, number>();
  private readonly taskExits = new Map<string, number>();
  /** ElastiCache snapshot creation times, by snapshot name (setCacheSnapshotTime). */
  private readonly cacheSnapshotTimes = new Map<string, Date>();
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  private readonly upstreamUrl: URL;
  private server?: http.Server;
  private requestCounter = 0;
  private _endpoint = '';

  private constructor(
    upstream: string,
    private readonly options: AwsProxyOptions,
  ) {
    this.upstreamUrl = new URL(upstream);
    this.ecsPlacement = options.ecsPlacement ?? 'instant';
    this.placementDelayPolls = options.placementDelayPolls ?? 0;
  }

  /** Starts a proxy on 127.0.0.1 (random port) forwarding to `upstream` (moto's endpoint). */
  static async start(upstream: string, options: AwsProxyOptions = {}): Promise<AwsProxy> {
    const proxy = new AwsProxy(upstream, options);
    await proxy.listen();
    return proxy;
  }

  /** `http://127.0.0.1:<port>`: the endpoint to give the SDK clients. */
  get endpoint(): string {
    return this._endpoint;
  }

  /**
   * Makes the next call(s) matching `operation` ('UpdateService' or 'ecs:UpdateService') fail with
   * an error in the service's protocol instead of reaching moto. `after: n` lets n matching calls
   * through first. SDK retries are calls too: a retried code (throttling, 5xx) is seen once per attempt.
   */
  failNext(operation: string, options: FaultOptions = {}): void {
    this.faults.push({
      pattern: operation,
      skip: options.after ?? 0,
      left: options.times ?? 1,
      status: options.status ?? 400,
      code: options.code ?? 'InjectedFault',
      message: options.message,
    });
  }

  /** Faults registered with failNext that have not fired yet. */
  faultsLeft(): number {
    return this.faults.length;
  }

  /** The recorded calls matching `operation` (all calls without it). */
  calls(operation?: string): RecordedCall[] {
    return operation === undefined ? [...this.log] : this.log.filter((call) => matches(call, operation));
  }

  /** How many calls matched `operation`. */
  count(operation: string): number {
    return this.calls(operation).length;
  }

  /** The calls as `service:Operation`, in order (e.g. for a deepEqual on the mutating ones). */
  operations(): string[] {
    return this.log.map((call) => `${call.service}:${call.operation}`);
  }

  /** Sets (or clears, with undefined) the latest execution GetPipelineState reports for a stage. */
  setStageExecution(pipelineName: string, stageName: string, execution: StageExecution | undefined): void {
    const stages = this.stageExecutions.get(pipelineName) ?? new Map<string, StageExecution>();
    if (execution) stages.set(stageName, execution);
    else stages.delete(stageName);
    this.stageExecutions.set(pipelineName, stages);
  }

  /**
   * What the containers of the tasks of `family` do from now on (see TaskRun); undefined: moto's own
   * answers again.
   */
  setTaskRun(family: string, run: TaskRun | undefined): void {
    if (run) this.taskRuns.set(family, run);
    else this.taskRuns.delete(family);
  }

  /** When DescribeSnapshots (ElastiCache) says the snapshot `name` was taken; undefined: moto's answer (no time). */
  setCacheSnapshotTime(name: string, time: Date | undefined): void {
    if (time) this.cacheSnapshotTimes.set(name, time);
    else this.cacheSnapshotTimes.delete(name);
  }

  /** Forgets the log, the pending faults, the stage executions, the task runs, the snapshot times and the placements in progress. */
  reset(): void {
    this.cacheSnapshotTimes.clear();
    this.log.length = 0;
    this.faults = [];
    this.placing.clear();
    this.stageExecutions.clear();
    this.taskRuns.clear();
    this.taskPolls.clear();
    this.taskExits.clear();
    this.ecsPlacement = this.options.ecsPlacement ?? 'instant';
    this.placementDelayPolls = this.options.placementDelayPolls ?? 0;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    }
    this.agent.destroy();
  }

  private listen(): Promise<void> {
    const server = http.createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        if (!response.headersSent) {
          response.writeHead(502, { 'content-type': 'text/plain' });
          response.end(`aws-proxy: ${error instanceof Error ? error.message : String(error)}`);
        } else response.destroy();
      });
    });
    server.keepAliveTimeout = 30_000;
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        this._endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        resolve();
      });
    });
  }

  private async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const { body, headers } = requestBody(request, Buffer.concat(chunks));
    const call = this.identify(request, body);
    this.log.push(call);

    const fault = this.takeFault(call);
    let answer: Answer;
    if (fault) {
      call.injected = true;
      answer = this.errorAnswer(request, call, fault);
    } else if (call.service === 'ecs' && call.operation === 'DescribeServices') {
      answer = this.emulatePlacement(await this.forward(request, body, headers));
    } else if (call.service === 'ecs' && call.operation === 'DescribeTasks' && this.taskRuns.size > 0) {
      answer = await this.emulateTaskRuns(request, await this.forward(request, body, headers));
    } else if (call.service === 'ecs' && call.operation === 'UpdateService') {
      answer = await this.updateService(request, body, headers, call);
    } else if (
      call.service === 'elasticache' &&
      call.operation === 'DescribeSnapshots' &&
      this.cacheSnapshotTimes.size > 0
    ) {
      answer = this.cacheSnapshotTimesIn(await this.forward(request, body, headers));
    } else if (call.service === 'codepipeline' && call.operation === 'GetPipelineState') {
      answer = await this.pipelineState(request, call);
    } else if (
      call.service === 'monitoring' &&
      (call.operation === 'DisableAlarmActions' || call.operation === 'EnableAlarmActions')
    ) {
      // moto 5 answers these two with an HTML error page; CloudWatch answers an empty JSON
      // object. The calls are recorded (a test can read them); alarm state is not emulated.
      answer = { status: 200, headers: { 'content-type': 'application/x-amz-json-1.0' }, body: Buffer.from('{}') };
    } else {
      answer = await this.forward(request, body, headers);
    }
    call.status = answer.status;
    response.writeHead(answer.status, { ...answer.headers, 'content-length': answer.body.length });
    response.end(answer.body);
  }

  private identify(request: http.IncomingMessage, body: Buffer): RecordedCall {
    const authorization = String(request.headers.authorization ?? '');
    const scope = /Credential=[^/]*\/[^/]*\/[^/]*\/([^/]+)\/aws4_request/.exec(authorization);
    const target = request.headers['x-amz-target'];
    const contentEncoding = request.headers['content-encoding'];
    if (typeof target === 'string' && target.length > 0) {
      const dot = target.lastIndexOf('.');
      let input: Record<string, unknown> = {};
      try {
        const text = body.toString('utf8');
        input = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      } catch {
        // not JSON: leave the input empty
      }
      return {
        service: scope?.[1] ?? target.slice(0, dot),
        operation: target.slice(dot + 1),
        input,
        contentEncoding,
        status: 0,
        injected: false,
      };
    }
    let form: Record<string, string> = {};
    try {
      form = Object.fromEntries(new URLSearchParams(body.toString('utf8')));
    } catch {
      // not a form
    }
    const url = new URL(request.url ?? '/', 'http://proxy');
    const action = form.Action ?? url.searchParams.get('Action') ?? `${request.method} ${url.pathname}`;
    return {
      service: scope?.[1] ?? 'unknown',
      operation: action,
      input: form,
      contentEncoding,
      status: 0,
      injected: false,
    };
  }

  private takeFault(call: RecordedCall): Fault | undefined {
    let fired: Fault | undefined;
    for (const fault of this.faults) {
      if (!matches(call, fault.pattern)) continue;
      if (fault.skip > 0) fault.skip--;
      else if (!fired) {
        fired = fault;
        fault.left--;
      }
    }
    this.faults = this.faults.filter((fault) => fault.left > 0);
    return fired;
  }

  /** An error answer in the request's protocol: JSON (X-Amz-Target) or query XML. */
  private errorAnswer(request: http.IncomingMessage, call: RecordedCall, fault: Fault): Answer {
    const requestId = `injected-${++this.requestCounter}`;
    const message = fault.message ?? `injected fault: ${call.service}:${call.operation}`;
    if (request.headers['x-amz-target']) {
      return {
        status: fault.status,
        headers: {
          'content-type': String(request.headers['content-type'] ?? 'application/x-amz-json-1.1'),
          'x-amzn-errortype': fault.code,
          'x-amzn-requestid': requestId,
        },
        body: Buffer.from(JSON.stringify({ __type: fault.code, message })),
      };
    }
    const type = fault.status >= 500 ? 'Receiver' : 'Sender';
    const xml =
      call.service === 'ec2'
        ? `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>${escapeXml(fault.code)}</Code><Message>${escapeXml(message)}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`
        : `<ErrorResponse><Error><Type>${type}</Type><Code>${escapeXml(fault.code)}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
    return {
      status: fault.status,
      headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
      body: Buffer.from(xml),
    };
  }

  /** Sends the request to moto as it came (the body whole, its length recomputed) and buffers the answer. */
  private forward(request: http.IncomingMessage, body: Buffer, headers: http.OutgoingHttpHeaders): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const upstream = http.request(
        {
          protocol: this.upstreamUrl.protocol,
          hostname: this.upstreamUrl.hostname,
          port: this.upstreamUrl.port,
          method: request.method,
          path: request.url,
          headers: { ...headers, 'content-length': body.length },
          agent: this.agent,
          timeout: 60_000,
        },
        (answer) => {
          const chunks: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => chunks.push(chunk));
          answer.on('end', () =>
            resolve({
              status: answer.statusCode ?? 502,
              headers: copyHeaders(answer.headers),
              body: Buffer.concat(chunks),
            }),
          );
          answer.on('error', reject);
        },
      );
      upstream.on('timeout', () => upstream.destroy(new Error('moto did not answer within 60 s')));
      upstream.on('error', reject);
      upstream.end(body);
    });
  }

  /** Another operation of the same JSON service, sent to moto with the original request's headers. */
  private async forwardJson(
    request: http.IncomingMessage,
    operation: string,
    input: Record<string, unknown>,
  ): Promise<{ answer: Answer; json?: any }> {
    const target = String(request.headers['x-amz-target']);
    const headers = copyHeaders(request.headers);
    delete headers['content-encoding'];
    headers['x-amz-target'] = `${target.slice(0, target.lastIndexOf('.'))}.${operation}`;
    const answer = await this.forward(request, Buffer.from(JSON.stringify(input)), headers);
    return { answer, json: answer.status === 200 ? readJson(answer) : undefined };
  }

  /** The whole answer as JSON, for rewriting: decoded, and without the headers that no longer hold. */
  private static rewritten(answer: Answer, json: unknown): Answer {
    const headers = { ...answer.headers };
    delete headers['content-encoding'];
    delete headers['x-amz-crc32'];
    return { status: answer.status, headers, body: Buffer.from(JSON.stringify(json)) };
  }

  private async updateService(
    request: http.IncomingMessage,
    body: Buffer,
    headers: http.OutgoingHttpHeaders,
    call: RecordedCall,
  ): Promise<Answer> {
    const cluster = lastPart(call.input.cluster);
    const service = lastPart(call.input.service);
    const key = `${cluster}/${service}`;
    let before: number | undefined;
    const current = this.placing.get(key);
    if (current && current.pollsLeft > 0) before = current.running;
    else if (this.placementDelayPolls > 0 && call.input.desiredCount !== undefined) {
      // Until this update the emulated scheduler had placed every desired task: ask moto (not logged).
      const { json } = await this.forwardJson(request, 'DescribeServices', {
        cluster: call.input.cluster,
        services: [call.input.service],
      });
      before = json?.services?.[0]?.desiredCount;
    }
    const answer = await this.forward(request, body, headers);
    if (answer.status === 200 && call.input.desiredCount !== undefined && before !== undefined) {
      if (this.placementDelayPolls > 0) this.placing.set(key, { running: before, pollsLeft: this.placementDelayPolls });
    }
    return answer;
  }

  /** The ECS scheduler moto lacks: running = desired (at once, or after placementDelayPolls polls). */
  private emulatePlacement(answer: Answer): Answer {
    if (answer.status !== 200) return answer;
    const json = readJson(answer);
    if (!Array.isArray(json?.services)) return answer;
    for (const service of json.services) {
      const desired: number = service.desiredCount ?? 0;
      const key = `${lastPart(service.clusterArn)}/${service.serviceName}`;
      let running = desired;
      let pending = 0;
      if (this.ecsPlacement === 'never') {
        running = 0;
        pending = desired;
      } else {
        const placing = this.placing.get(key);
        if (placing && placing.pollsLeft > 0) {
          running = placing.running;
          pending = Math.max(0, desired - placing.running);
          placing.pollsLeft--;
        } else this.placing.delete(key);
      }
      service.runningCount = running;
      service.pendingCount = pending;
      for (const deployment of service.deployments ?? []) {
        if (deployment.status !== 'PRIMARY') continue;
        deployment.desiredCount = desired;
        deployment.runningCount = running;
        deployment.pendingCount = pending;
        deployment.rolloutState = running === desired && pending === 0 ? 'COMPLETED' : 'IN_PROGRESS';
      }
    }
    return AwsProxy.rewritten(answer, json);
  }

  /** The one-off tasks' containers moto lacks (see setTaskRun). */
  private async emulateTaskRuns(request: http.IncomingMessage, answer: Answer): Promise<Answer> {
    if (answer.status !== 200) return answer;
    const json = readJson(answer);
    if (!Array.isArray(json?.tasks)) return answer;
    for (const task of json.tasks) {
      // arn:aws:ecs:<region>:<account>:task-definition/<family>:<revision>
      const family = lastPart(task.taskDefinitionArn).split(':')[0];
      const run = this.taskRuns.get(family);
      const arn: string = task.taskArn;
      if (!run) continue;
      if (!this.taskExits.has(arn) && task.desiredStatus === 'STOPPED') continue; // StopTask: moto's answer
      const polls = (this.taskPolls.get(arn) ?? 0) + 1;
      this.taskPolls.set(arn, polls);
      if (!this.taskExits.has(arn) && run.exitCode !== undefined && polls > (run.afterPolls ?? 1)) {
        this.taskExits.set(arn, run.exitCode);
        // Stopped in moto as well (unlogged), so its ListTasks and DescribeTasks agree.
        await this.forwardJson(request, 'StopTask', {
          cluster: task.clusterArn,
          task: arn,
          reason: 'Essential container in task exited',
        });
      }
      const exitCode = this.taskExits.get(arn);
      const stopped = exitCode !== undefined;
      task.lastStatus = stopped ? 'STOPPED' : 'RUNNING';
      task.desiredStatus = task.lastStatus;
      if (stopped) {
        task.stopCode = 'EssentialContainerExited';
        task.stoppedReason = 'Essential container in task exited';
      } else {
        delete task.stopCode;
        delete task.stoppedReason;
      }
      for (const container of task.containers ?? []) {
        container.lastStatus = task.lastStatus;
        if (stopped) container.exitCode = exitCode;
        else delete container.exitCode;
      }
    }
    return AwsProxy.rewritten(answer, json);
  }

  /** Adds the creation time moto lacks to each snapshot given to setCacheSnapshotTime (query protocol: XML). */
  private cacheSnapshotTimesIn(answer: Answer): Answer {
    if (answer.status !== 200) return answer;
    const xml = decode(answer.body, answer.headers['content-encoding'] as string | undefined).toString('utf8');
    const timed = xml.replace(/<Snapshot>([\s\S]*?)<\/Snapshot>/g, (whole, inner: string) => {
      const name = /<SnapshotName>([^<]*)<\/SnapshotName>/.exec(inner)?.[1];
      const time = name === undefined ? undefined : this.cacheSnapshotTimes.get(name);
      if (!time || inner.includes('<NodeSnapshots>')) return whole;
      const node = `<NodeSnapshots><NodeSnapshot><SnapshotCreateTime>${time.toISOString()}</SnapshotCreateTime></NodeSnapshot></NodeSnapshots>`;
      return `<Snapshot>${inner}${node}</Snapshot>`;
    });
    const headers = { ...answer.headers };
    delete headers['content-encoding'];
    return { status: answer.status, headers, body: Buffer.from(timed) };
  }

  /** GetPipelineState from moto's GetPipeline: every stage, idle unless setStageExecution says otherwise. */
  private async pipelineState(request: http.IncomingMessage, call: RecordedCall): Promise<Answer> {
    const name = String(call.input.name ?? '');
    const { answer, json } = await this.forwardJson(request, 'GetPipeline', { name });
    if (answer.status !== 200 || !json?.pipeline) return answer; // e.g. PipelineNotFoundException
    const executions = this.stageExecutions.get(name);
    const state = {
      pipelineName: name,
      pipelineVersion: json.pipeline.version ?? 1,
      stageStates: (json.pipeline.stages ?? []).map((stage: { name: string }) => {
        const execution = executions?.get(stage.name);
        return {
          stageName: stage.name,
          inboundTransitionState: { enabled: true },
          actionStates: [],
          ...(execution
            ? {
                latestExecution: {
                  pipelineExecutionId: execution.pipelineExecutionId ?? `execution-${stage.name}`,
                  status: execution.status,
                },
              }
            : {}),
        };
      }),
    };
    return AwsProxy.rewritten(answer, state);
  }
}

/**
 * The request body to log and forward: decompressed when the SDK compressed it (CloudWatch
 * PutMetricData over 10 KB is gzipped). moto 5.2.1's server decompresses a gzip body twice (once in
 * its Flask app, once in its response handler) and fails with BadGzipFile, so moto gets it plain.
 */
function requestBody(request: http.IncomingMessage, raw: Buffer): { body: Buffer; headers: http.OutgoingHttpHeaders } {
  const headers = copyHeaders(request.headers);
  const encoding = request.headers['content-encoding'];
  if (!encoding || encoding.trim().toLowerCase() === 'identity') return { body: raw, headers };
  try {
    const body = decode(raw, encoding);
    delete headers['content-encoding'];
    return { body, headers };
  } catch {
    return { body: raw, headers }; // not what it says it is: let moto answer it
  }
}

function readJson(answer: Answer): any {
  try {
    return JSON.parse(decode(answer.body, answer.headers['content-encoding'] as string | undefined).toString('utf8'));
  } catch {
    return undefined;
  }
}

/** Starts a proxy in front of `upstream` (moto's endpoint). */
export function startAwsProxy(upstream: string, options: AwsProxyOptions = {}): Promise<AwsProxy> {
  return AwsProxy.start(upstream, options);
}
