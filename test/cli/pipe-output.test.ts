import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { run } from '../../src/cli/main';
import { offlineEntryPointRun } from '../helpers';

const bin = join(__dirname, '..', '..', 'bin', 'booking-infra.js');

/** A Linux pipe holds 64 KiB: output beyond that waits in the CLI until the reader takes it. */
const PIPE_CAPACITY = 64 * 1024;

/**
 * Runs bin/booking-infra.js as a shell pipeline does, `booking-infra ... | slow-reader`: its
 * stdout is a kernel pipe (node's own child stdio is a socket pair, which hides the bug) whose
 * reader takes one byte, waits 0.3 s with the pipe full (the CLI, done computing, is blocked writing), then reads the rest. The CLI's exit
 * code comes back on stderr, after the CLI has exited.
 */
async function throughSlowPipe(args: string[]) {
  const script = '{ node "$0" "$@"; echo "exit=$?" >&2; } | { dd bs=1 count=1 2>/dev/null; sleep 0.3; cat; }';
  const child = spawn('sh', ['-c', script, bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  await new Promise((resolve) => child.on('close', resolve));
  const errors = Buffer.concat(stderr).toString();
  return { code: Number(/exit=(\d+)/.exec(errors)?.[1]), stdout: Buffer.concat(stdout), stderr: errors };
}

/** Runs bin/booking-infra.js directly, collecting its output and exit code. */
async function spawnCli(args: string[]) {
  const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const stdout: Buffer[] = [];
  const stderr: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr).toString() };
}

/** What `run()` prints in-process, where nothing can be cut: the reference for the piped output. */
async function printedInProcess(args: string[]): Promise<Buffer> {
  const out: string[] = [];
  const code = await run(args, { out: (text) => out.push(`${text}\n`), err: () => undefined });
  assert.equal(code, 0);
  return Buffer.from(out.join(''));
}

describe('the CLI through a pipe', () => {
  // A large offline output: the cost of every environment of an existing assembly (the committed
  // platform, synthesized once per test process), about 100 KB of JSON. Nothing the CLI prints
  // reaches 1 MB, so the reader is slow instead: the pipe (64 KiB) stays full, and
  // process.exit() right after printing cut the output at 65536 bytes.
  const args = ['cost', '--assembly', offlineEntryPointRun().outdir, '--format', 'json'];

  test('a slow reader gets the whole cost JSON, byte for byte', async () => {
    const [piped, expected] = await Promise.all([throughSlowPipe(args), printedInProcess(args)]);
    assert.equal(piped.code, 0, piped.stderr);
    assert.ok(expected.length > PIPE_CAPACITY, `the output (${expected.length} bytes) must overflow the pipe`);
    assert.equal(piped.stdout.length, expected.length);
    assert.deepEqual(piped.stdout, expected);
    assert.ok(JSON.parse(piped.stdout.toString()).estimates.length > 0);
  });

  test('a failing command still exits non-zero, with its one-line error on stderr', async () => {
    const result = await spawnCli(['cost', 'nowhere']);
    assert.equal(result.code, 1);
    assert.equal(result.stdout.length, 0);
    assert.match(result.stderr, /^booking-infra: unknown environment "nowhere" \(use one of: .*\)\n$/);
  });
});
