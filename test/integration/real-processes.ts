/**
 * Real servers for the integration tests (redis-server, PostgreSQL, PgBouncer): finding their
 * binaries (or failing with the one Debian package to install), free loopback ports, and child
 * processes that are stopped in `after` and, whatever happens, when the test process exits.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { accessSync, chownSync, constants, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { delimiter, dirname, join } from 'node:path';

/** Directories searched after PATH: Debian puts pgbouncer in /usr/sbin, not on a user's PATH. */
const SYSTEM_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

/** The full path of an executable `name` on PATH or in the system directories, if any. */
export function findBinary(name: string, extraDirs: readonly string[] = []): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...SYSTEM_DIRS, ...extraDirs];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The message when a binary is missing: which Debian package provides it. */
export function missingBinaryMessage(name: string, debianPackage: string): string {
  return `${name} is not installed: apt-get install -y ${debianPackage}`;
}

/** `findBinary`, or an error naming the Debian package to install. */
export function requireBinary(name: string, debianPackage: string, extraDirs: readonly string[] = []): string {
  const found = findBinary(name, extraDirs);
  if (!found) throw new Error(missingBinaryMessage(name, debianPackage));
  return found;
}

/** A loopback port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
export function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.setTimeout(1_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * The user to run servers as that refuse root (PostgreSQL, PgBouncer): none when not root; as
 * root, `postgres` (the Debian package creates it), else `nobody`.
 */
export function serverUser(): { uid: number; gid: number; name: string } | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  const users = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .map((line) => line.split(':'))
    .filter((fields) => fields.length >= 4);
  for (const name of ['postgres', 'nobody']) {
    const fields = users.find((entry) => entry[0] === name);
    if (fields) return { name, uid: Number(fields[2]), gid: Number(fields[3]) };
  }
  throw new Error('running as root, and neither a postgres nor a nobody user exists to run the servers as');
}

export interface CommandResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to completion (never throws for a non-zero exit: the status is in the result). */
export function runCommand(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; uid?: number; gid?: number; timeoutMs?: number; cwd?: string } = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      {
        env: options.env ?? process.env,
        uid: options.uid,
        gid: options.gid,
        cwd: options.cwd,
        timeout: options.timeoutMs ?? 60_000,
        killSignal: 'SIGKILL',
        encoding: 'utf8',
      },
      (error, stdout, stderr) => {
        if (!error) resolve({ status: 0, stdout, stderr });
        else if (typeof error.code === 'number') resolve({ status: error.code, stdout, stderr });
        else if (error.signal) {
          const why = error.killed ? `timed out after ${options.timeoutMs ?? 60_000} ms` : `killed by ${error.signal}`;
          resolve({ status: null, stdout, stderr: `${stderr}\n(${command} ${why})` });
        } else reject(error); // could not start at all (ENOENT, EACCES)
      },
    );
  });
}

/** A server started by `startServer`. */
export interface Server {
  readonly child: ChildProcess;
  /** The last few kilobytes of its stdout and stderr. */
  output(): string;
  /** Whether it has exited. */
  exited(): boolean;
  /** Sends `signal` (default SIGTERM) to its process group, SIGKILL after 10 s; safe to call twice. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Servers still running: killed when the test process exits, however the tests end. */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * Keeps `child` (started `detached`, leading its own process group) on the list of servers killed
 * when the test process exits, until it exits itself.
 */
export function trackServer(child: ChildProcess): void {
  running.add(child);
  installExitHook();
  child.once('exit', () => running.delete(child));
  child.once('error', () => running.delete(child));
}

/** Sends `signal` to the child's whole process group (it leads it), or to the child alone. */
export function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal); // the whole process group (the child is its leader)
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of running) killGroup(child, 'SIGKILL');
  });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      for (const child of running) killGroup(child, 'SIGKILL');
      process.kill(process.pid, signal);
    });
  }
}

/** Starts a long-running server in its own process group. */
export function startServer(
  command: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; uid?: number; gid?: number; cwd?: string } = {},
): Server {
  const child = spawn(command, args, {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: options.env ?? process.env,
    uid: options.uid,
    gid: options.gid,
    cwd: options.cwd,
  });
  trackServer(child);
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-8_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exitedFlag = false;
  const exitedPromise = new Promise<void>((resolve) =>
    child.once('close', () => {
      exitedFlag = true;
      resolve();
    }),
  );
  child.once('error', (error) => {
    tail += `\n(could not start ${command}: ${error.message})`;
    exitedFlag = true;
  });
  let stopping: Promise<void> | undefined;
  return {
    child,
    output: () => tail,
    exited: () => exitedFlag,
    stop: (signal: NodeJS.Signals = 'SIGTERM') => {
      stopping ??= (async () => {
        if (!exitedFlag && child.pid !== undefined) {
          killGroup(child, signal);
          const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 10_000);
          await exitedPromise;
          clearTimeout(timer);
        }
      })();
      return stopping;
    },
  };
}

/** Polls `ready` until it returns true; fails with the server's output if it exits or time runs out. */
export async function waitUntil(
  what: string,
  ready: () => Promise<boolean>,
  server: Server | undefined,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (server?.exited()) throw new Error(`${what}: the server exited:\n${server.output()}`);
    if (await ready().catch(() => false)) return;
    if (Date.now() > deadline) {
      throw new Error(`${what}: not ready within ${timeoutMs / 1000} s${server ? `:\n${server.output()}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The directory holding initdb and postgres: Debian's newest /usr/lib/postgresql/<version>/bin, else PATH. */
export function postgresBinDir(): string {
  const debian = '/usr/lib/postgresql';
  const versions = existsSync(debian)
    ? readdirSync(debian)
        .filter((version) => existsSync(join(debian, version, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length > 0) return join(debian, versions[0], 'bin');
  const initdb = findBinary('initdb');
  if (initdb && existsSync(join(dirname(initdb), 'postgres'))) return dirname(initdb);
  throw new Error(missingBinaryMessage('PostgreSQL (initdb, postgres)', 'postgresql'));
}

/** A PostgreSQL cluster started by `startPostgresCluster`. */
export interface PostgresCluster {
  readonly server: Server;
  readonly port: number;
}

/**
 * A throwaway PostgreSQL cluster in `<dir>/data`: initdb with a SCRAM superuser, then postgres on
 * a free loopback port (TCP only, no fsync), run as the server user when this process is root.
 * `settings` adds to or replaces the defaults; `hba` replaces pg_hba.conf. Waits until `ready`.
 */
export async function startPostgresCluster(options: {
  readonly dir: string;
  readonly superuser: string;
  readonly password: string;
  readonly settings?: Readonly<Record<string, string | number>>;
  readonly hba?: string;
  readonly ready: (port: number) => Promise<boolean>;
}): Promise<PostgresCluster> {
  const binDir = postgresBinDir();
  const user = serverUser();
  const asUser = user ? { uid: user.uid, gid: user.gid } : {};
  const own = (path: string) => {
    if (user) chownSync(path, user.uid, user.gid);
  };
  const passwordFile = join(options.dir, 'superuser-password');
  writeFileSync(passwordFile, `${options.password}\n`, { mode: 0o600 });
  own(passwordFile);
  const data = join(options.dir, 'data');
  const initdb = `-U ${options.superuser} -A scram-sha-256 -E UTF8 --no-locale --no-sync`.split(' ');
  const made = await runCommand(join(binDir, 'initdb'), ['-D', data, `--pwfile=${passwordFile}`, ...initdb], {
    ...asUser,
    cwd: options.dir,
  });
  if (made.status !== 0) throw new Error(`initdb failed: ${made.stderr}`);
  if (options.hba !== undefined) {
    writeFileSync(join(data, 'pg_hba.conf'), options.hba);
    own(join(data, 'pg_hba.conf'));
  }
  const port = await freePort();
  const settings: Record<string, string | number> = {
    listen_addresses: '127.0.0.1',
    port,
    unix_socket_directories: '', // TCP only: nothing in /var/run/postgresql
    password_encryption: 'scram-sha-256',
    max_connections: 20,
    shared_buffers: '16MB',
    fsync: 'off',
    ...options.settings,
  };
  const server = startServer(
    join(binDir, 'postgres'),
    ['-D', data, ...Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`])],
    { ...asUser, cwd: options.dir },
  );
  await waitUntil(`PostgreSQL on 127.0.0.1:${port}`, () => options.ready(port), server);
  return { server, port };
}
