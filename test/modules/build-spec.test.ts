// The release build's shell commands (buildSpec), run by sh with stand-in `aws` and `docker` that
// answer as ECR would and record each call: promotion by digest, the promotion gate
// (pipeline.promoteFrom) and the scan gate (pipeline.scanGate).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { buildSpec } from '../../src/modules/pipeline/buildspecs';
import { temporaryDirectory } from '../helpers';

const DIGEST = 'sha256:0123456789abcdef';

interface Ecr {
  /** The digest the commit's tag names, or none (not built yet). */
  readonly existing?: string;
  /** How many `release-dev-` tags that image carries. */
  readonly releasedByDev?: number;
  /** `findingSeverityCounts` of the scan, as ECR returns it (null: no findings). */
  readonly findings?: Record<string, number> | null;
}

/** Runs the build phase's commands as CodeBuild does (sh, stop at the first failure). */
function runBuild(variables: Record<string, string>, ecr: Ecr) {
  const dir = temporaryDirectory('booking-build-spec-');
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  const calls = join(dir, 'calls');
  // aws: describe-images by tag answers the existing digest (or fails, as ECR does for a missing
  // tag), by digest answers the release-tag count, after a push the pushed digest.
  writeFileSync(
    join(bin, 'aws'),
    `#!/bin/sh
echo "aws $*" >> "${calls}"
case "$*" in
  *"describe-images"*"imageTag="*)
    if [ -f "${dir}/pushed" ]; then echo "${DIGEST}"; exit 0; fi
    ${ecr.existing ? `echo "${ecr.existing}"` : 'echo "An error occurred (ImageNotFoundException)" >&2; exit 254'} ;;
  *"describe-images"*"imageDigest="*) echo "${ecr.releasedByDev ?? 0}" ;;
  *"wait image-scan-complete"*) exit 0 ;;
  *"describe-image-scan-findings"*) echo '${JSON.stringify(ecr.findings ?? null)}' ;;
  *) echo "unexpected aws call: $*" >&2; exit 1 ;;
esac
`,
  );
  writeFileSync(join(bin, 'docker'), `#!/bin/sh\necho "docker $*" >> "${calls}"\ntouch "${dir}/pushed"\n`);
  chmodSync(join(bin, 'aws'), 0o755);
  chmodSync(join(bin, 'docker'), 0o755);
  const commands = (buildSpec() as any).phases.build.commands as string[];
  const script = ['set -e', 'TAG=abcdef012345', ...commands].join('\n');
  const result = spawnSync('sh', ['-c', script], {
    cwd: dir,
    encoding: 'utf8',
    env: {
      PATH: `${bin}:/usr/bin:/bin`,
      REGISTRY_ID: '111111111111',
      REPOSITORY_NAME: 'booking',
      REPOSITORY_URI: '111111111111.dkr.ecr.eu-west-2.amazonaws.com/booking',
      PROMOTE_FROM: '',
      SCAN_GATE: 'off',
      ...variables,
    },
  });
  const log = existsSync(calls) ? readFileSync(calls, 'utf8').trim().split('\n') : [];
  const definitions = join(dir, 'imagedefinitions-web.json');
  return {
    status: result.status,
    output: result.stdout + result.stderr,
    calls: log,
    image: existsSync(definitions) ? JSON.parse(readFileSync(definitions, 'utf8'))[0].imageUri : undefined,
  };
}

describe('the release build (buildSpec) with stand-ins for ECR and Docker', () => {
  const uri = '111111111111.dkr.ecr.eu-west-2.amazonaws.com/booking';

  test('a commit no pipeline built yet is built, pushed once and released by digest', () => {
    const run = runBuild({}, {});
    assert.equal(run.status, 0, run.output);
    assert.ok(run.calls.some((call) => call.startsWith(`docker push ${uri}:abcdef012345`)));
    assert.equal(run.image, `${uri}@${DIGEST}`);
  });

  test('an image dev released is promoted by digest, not rebuilt', () => {
    const run = runBuild({ PROMOTE_FROM: 'release-dev-' }, { existing: DIGEST, releasedByDev: 1 });
    assert.equal(run.status, 0, run.output);
    assert.ok(!run.calls.some((call) => call.startsWith('docker')), 'no build');
    assert.equal(run.image, `${uri}@${DIGEST}`);
  });

  test('an image dev built but never released is refused, naming what to do', () => {
    const run = runBuild({ PROMOTE_FROM: 'release-dev-' }, { existing: DIGEST, releasedByDev: 0 });
    assert.notEqual(run.status, 0);
    assert.match(run.output, /exists but dev never released it: release it to dev first \(pipeline\.promoteFrom\)/);
    assert.equal(run.image, undefined);
  });

  test('without promoteFrom any existing image of the commit is promoted (dev)', () => {
    const run = runBuild({}, { existing: DIGEST, releasedByDev: 0 });
    assert.equal(run.status, 0, run.output);
    assert.equal(run.image, `${uri}@${DIGEST}`);
  });

  test('the scan gate stops a release on findings at or above its severity, after the scan completes', () => {
    const critical = runBuild({ SCAN_GATE: 'critical' }, { findings: { CRITICAL: 2, HIGH: 5 } });
    assert.notEqual(critical.status, 0);
    assert.match(critical.output, /Release stopped: scan findings at or above critical \(pipeline\.scanGate\)/);
    assert.ok(critical.calls.some((call) => call.includes('wait image-scan-complete')));
    assert.equal(critical.image, undefined);

    const highOnly = { findings: { HIGH: 1, MEDIUM: 3 } };
    assert.equal(runBuild({ SCAN_GATE: 'critical' }, highOnly).status, 0);
    assert.notEqual(runBuild({ SCAN_GATE: 'high' }, highOnly).status, 0);
    // No findings at all: ECR returns no counts.
    assert.equal(runBuild({ SCAN_GATE: 'high' }, { findings: null }).status, 0);
  });

  test('with the gate off no scan is awaited', () => {
    const run = runBuild({ SCAN_GATE: 'off' }, { findings: { CRITICAL: 9 } });
    assert.equal(run.status, 0, run.output);
    assert.ok(!run.calls.some((call) => call.includes('scan')), run.calls.join('\n'));
  });
});
