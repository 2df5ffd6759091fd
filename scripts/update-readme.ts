// `npm run docs`: rewrites the README's cost table from the current templates and price table.
import { readFileSync, writeFileSync } from 'node:fs';
import { platformConfig } from '../src/config';
import { readmeCostTable, withCostTable } from '../src/cost/readme-table';

const readme = readFileSync('README.md', 'utf8');
const updated = withCostTable(readme, readmeCostTable(platformConfig));
writeFileSync('README.md', updated);
console.log(updated === readme ? 'README cost table already current' : 'README cost table updated');
