// `npm run docs`: rewrites the README's cost table from the current templates and price table, and
// docs/STATUS.md (the status document) from the code. Tests fail when either is stale.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { platformConfig } from '../src/config';
import { readmeCostTable, withCostTable } from '../src/cost/readme-table';
import { generateStatusDocument, STATUS_DOCUMENT_PATH } from '../src/status/status-document';

const readme = readFileSync('README.md', 'utf8');
const updated = withCostTable(readme, readmeCostTable(platformConfig));
writeFileSync('README.md', updated);
console.log(updated === readme ? 'README cost table already current' : 'README cost table updated');

const status = generateStatusDocument(platformConfig);
let previous: string | undefined;
try {
  previous = readFileSync(STATUS_DOCUMENT_PATH, 'utf8');
} catch {
  previous = undefined;
}
mkdirSync(dirname(STATUS_DOCUMENT_PATH), { recursive: true });
writeFileSync(STATUS_DOCUMENT_PATH, status);
console.log(status === previous ? `${STATUS_DOCUMENT_PATH} already current` : `${STATUS_DOCUMENT_PATH} written`);
