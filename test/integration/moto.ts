/**
 * Runs moto (https://github.com/getmoto/moto), the AWS API emulator, as a local server for the
 * integration tests: one server per test process (`sharedMoto`), acquired in each file's `before`,
 * released in its `after`, reset between tests. The server only listens on 127.0.0.1.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import http from 'node:http';
import { dev } from '../../src/config/dev';
import { freePort, killGroup, trackServer } from './real-processes';

export const MOTO_MISSING_MESSAGE = "moto (the AWS API emulator) is not installed: pip install 'moto[server]'";

/** The python interpreter that runs moto: MOTO_PYTHON, else `python3` from the PATH. */
export function defaultPython(): string {
  return process.env.MOTO_PYTHON || 'python3';
}

export interface MotoOptions {
  /** The python interpreter. @default defaultPython() */
  readonly python?: string;
  /** The account every request acts in (MOTO_ACCOUNT_ID). @default the dev config's account */
  readonly accountId?: string;
  /** Longest wait for the server to answer. @default 30 s (a loaded 2-core machine is slow) */
  readonly timeoutMs?: number;
}

export interface Moto {
  /** `http://127.0.0.1:<port>`: the endpoint for SDK clients (or for the proxy in front). */
  readonly endpoint: string;
  /** Stops the server and its process group; safe to call twice. */
  stop(): Promise<void>;
}

/** A started server: a Moto that can also stop keeping this process alive. */
interface RunningMoto extends Moto {
  /** Whether the server's process and pipes keep this process's event loop alive. */
  holdProcess(hold: boolean): void;
}

export interface HttpAnswer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

/** One plain HTTP request (no keep-alive, no retries), the whole answer buffered. */
export function httpRequest(
  url: string,
  options: { method?: string; headers?: http.OutgoingHttpHeaders; body?: string | Buffer; timeoutMs?: number } = {},
): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const body = options.body === undefined ? undefined : Buffer.from(options.body);
    const request = http.request(
      url,
      {
        method: options.method ?? 'GET',
        headers: { ...options.headers, ...(body ? { 'content-length': body.length } : {}) },
        agent: false,
        timeout: options.timeoutMs ?? 30_000,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }),
        );
        response.on('error', reject);
      },
    );
    request.on('timeout', () =>
      request.destroy(new Error(`no answer from ${url} within ${options.timeoutMs ?? 30_000} ms`)),
    );
    request.on('error', reject);
    request.end(body);
  });
}

/**
 * Fails with MOTO_MISSING_MESSAGE unless `python` can import moto and its server (the `server`
 * extra: flask, werkzeug).
 */
export function checkMoto(python: string = defaultPython()): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(python, ['-c', 'import moto, moto.server'], { timeout: 30_000 }, (error) => {
      if (error) reject(new Error(MOTO_MISSING_MESSAGE, { cause: error }));
      else resolve();
    });
  });
}

/**
 * Runs `python -m moto.server -H 127.0.0.1 -p PORT`, plus a watchdog thread that exits the server
 * when its stdin closes: if this node process dies without running its exit hooks (SIGKILL), the
 * pipe closes and moto follows instead of lingering.
 */
const LAUNCHER = [
  'import logging, os, runpy, socketserver, sys, threading',
  'import moto.backends',
  // moto's server lists its own package folder (an isdir per service) on every request to find
  // the service a loopback host means, and logs every request through colorama: together about
  // half of its CPU in this suite. The list cannot change while it runs; the request log is noise.
  'modules = tuple(moto.backends.list_of_moto_modules())',
  'moto.backends.list_of_moto_modules = lambda: modules',
  "logging.getLogger('werkzeug').setLevel(logging.WARNING)",
  // werkzeug writes a response's headers and body in separate sends; with Nagle's algorithm on,
  // the second waits for the client's delayed ACK (about 40 ms on loopback) on many responses.
  'socketserver.StreamRequestHandler.disable_nagle_algorithm = True',
  'def watch():',
  '    sys.stdin.buffer.read()',
  '    os._exit(0)',
  'threading.Thread(target=watch, daemon=True).start()',
  "sys.argv = ['moto.server'] + sys.argv[1:]",
  "runpy.run_module('moto.server', run_name='__main__', alter_sys=True)",
].join('\n');

async function waitUntilAnswering(
  endpoint: string,
  child: ChildProcess,
  deadline: number,
  output: () => string,
): Promise<void> {
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`moto exited (${child.exitCode ?? child.signalCode}) before answering:\n${output()}`);
    }
    try {
      const answer = await httpRequest(`${endpoint}/moto-api/`, { timeoutMs: 5_000 });
      if (answer.status > 0) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`moto did not answer on ${endpoint} in time:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
}

async function launch(python: string, accountId: string, deadline: number): Promise<RunningMoto> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn(python, ['-c', LAUNCHER, '-H', '127.0.0.1', '-p', String(port)], {
    detached: true, // its own process group, killed as one
    stdio: ['pipe', 'ignore', 'pipe'],
    env: {
      ...process.env,
      MOTO_ACCOUNT_ID: accountId,
      MOTO_PORT: String(port),
      PYTHONUNBUFFERED: '1',
      // EC2 otherwise loads some thousand AMIs (and an EBS snapshot each) every time its backend
      // is created, after each reset: the suite runs no instance.
      MOTO_EC2_LOAD_DEFAULT_AMIS: 'false',
    },
  });
  trackServer(child);
  // moto writes warnings and errors to stderr: read it (a full pipe would block the server), keep the tail.
  let tail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-4_000);
  });
  child.stdin?.on('error', () => undefined);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        killGroup(child, 'SIGTERM');
        const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      child.stdin?.destroy();
      child.stderr?.destroy();
    })();
    return stopping;
  };

  try {
    await waitUntilAnswering(endpoint, child, deadline, () => tail);
  } catch (error) {
    await stop();
    throw error;
  }
  const holdProcess = (hold: boolean) => {
    // The pipes are sockets (they have ref and unref), typed as plain streams.
    const pipes = [child.stdin, child.stderr] as unknown as Array<{ ref(): void; unref(): void } | null>;
    for (const handle of [child, ...pipes]) {
      if (hold) handle?.ref();
      else handle?.unref();
    }
  };
  return { endpoint, stop, holdProcess };
}

/** Starts a moto server on a free loopback port; fails with MOTO_MISSING_MESSAGE if moto is not installed. */
export async function startMoto(options: MotoOptions = {}): Promise<RunningMoto> {
  const python = options.python ?? defaultPython();
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  await checkMoto(python);
  let lastError: unknown;
  // Another process may take the free port between the check and moto's bind: try again then.
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      return await launch(python, options.accountId ?? dev.account, deadline);
    } catch (error) {
      lastError = error;
      if (Date.now() > deadline || !/Address already in use|exited/.test(String(error))) break;
    }
  }
  throw lastError;
}

const SHARED_GRACE_MS = 2_000;
let shared: { server: Promise<RunningMoto>; users: number; stopTimer?: NodeJS.Timeout } | undefined;

/**
 * The process's moto server, started by the first caller. `npm test` runs the integration files
 * one after another in one process: they share the server instead of each paying its start
 * (about 2 s) and the first call to each service (about 3 s of imports). The returned `stop`
 * releases this caller's use at once. After the last release the server no longer keeps the
 * process alive (it is killed when the process exits) and stops 2 s later unless another file
 * acquired it meanwhile.
 */
export async function sharedMoto(): Promise<Moto> {
  if (!shared) {
    const server = startMoto();
    shared = { server, users: 0 };
    server.catch(() => {
      if (shared?.server === server) shared = undefined; // the next caller tries again
    });
  }
  const instance = shared;
  instance.users++;
  clearTimeout(instance.stopTimer);
  const moto = await instance.server;
  moto.holdProcess(true);
  let released = false;
  return {
    endpoint: moto.endpoint,
    stop: async () => {
      if (released) return;
      released = true;
      if (--instance.users > 0) return;
      moto.holdProcess(false);
      instance.stopTimer = setTimeout(() => {
        if (instance.users > 0 || shared !== instance) return;
        shared = undefined;
        void moto.stop();
      }, SHARED_GRACE_MS);
      instance.stopTimer.unref();
    },
  };
}

/** Empties every emulated service (POST /moto-api/reset), so each test starts clean. */
export async function resetMoto(endpoint: string): Promise<void> {
  const answer = await httpRequest(`${endpoint}/moto-api/reset`, { method: 'POST' });
  if (answer.status !== 200)
    throw new Error(`moto reset failed: HTTP ${answer.status} ${answer.body.toString('utf8')}`);
}
