#!/usr/bin/env node
// `npx booking-infra <command>`: the operations CLI. Runs the TypeScript sources through tsx.
require('tsx/cjs/api').register();
const { run } = require('../src/cli/main.ts');

// A reader that stops early (`booking-infra cost prod | head -1`) closes the pipe: nothing more
// can be delivered: drop the rest quietly instead of crashing on EPIPE.
process.stdout.on('error', (error) => {
  if (error && (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED')) {
    process.stdout.destroy(); // later writes go nowhere; the command ends on its own
    return;
  }
  throw error;
});

// Sets the exit code and lets node exit on its own: exiting at once would drop whatever stdout
// still holds for a pipe (e.g. `booking-infra cost --format json | wc -c` stopped at 64 KiB).
run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`booking-infra: ${error && error.stack ? error.stack : error}\n`);
    process.exitCode = 1;
  },
);
