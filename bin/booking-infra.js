#!/usr/bin/env node
// `npx booking-infra <command>`: the operations CLI. Runs the TypeScript sources through tsx.
require('tsx/cjs/api').register();
const { run } = require('../src/cli/main.ts');

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`booking-infra: ${error && error.stack ? error.stack : error}\n`);
    process.exit(1);
  },
);
