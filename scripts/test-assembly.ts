// Synthesizes the committed platform once for a whole `npm test` run (quality gates on, Lambda code
// not bundled) into the folder given as the first argument; test/helpers.ts `synth()` reads it
// instead of synthesizing again in every test file. Variants (other configs) still synthesize.
import { buildApp } from '../src/app';
import { platformConfig } from '../src/config';
import { synthesize } from '../src/quality/synthesize';

const outdir = process.argv[2];
if (!outdir) throw new Error('usage: tsx scripts/test-assembly.ts <outdir>');
synthesize(buildApp(platformConfig, { outdir, skipBundling: true }).app);
