import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type CustomResourceEvent, handler, type HandlerDependencies } from '../../src/lambda/ops/index';
import { checkStructure, type DatabaseDeploy } from '../../src/ops/deploy-gate';
import { EnvironmentOperations } from '../../src/ops/operations';
import type { EnvironmentResources } from '../../src/ops/resources';
import { StateStore } from '../../src/ops/state-store';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { FakeAws } from '../ops/fake-aws';

// The data stack's gate (Custom::EnvironmentStructure) with the database kept as a snapshot while
// minimal (database.whileMinimal: 'snapshot'): what a deploy may do to the database, given the
// state record and whether the instance exists. Each refusal happens before the instance changes
// (the instance depends on the gate), so a refused deploy rolls back with the database untouched.

const NOW = Date.parse('2026-11-28T12:00:00Z');
const KEPT = 'booking-dev-minimal-20261128t013000z';
const snapshot = { identifier: KEPT, masterUsername: 'booking_admin' };
const services = { web: { desired: 1, min: 1, max: 2 } };

function gate(fake: FakeAws) {
  const store = new StateStore(fake.clients.dynamodb, 'booking-dev-ops-state');
  return (structure: 'running' | 'minimal', database: Omit<DatabaseDeploy, 'exists'> & { exists: boolean }) =>
    checkStructure(store, {
      environment: 'dev',
      structure,
      now: NOW,
      actor: 'deploy:booking-dev-data',
      database: { ...database, exists: async () => database.exists },
    });
}

const record = (state: string, extra: Record<string, unknown> = {}) => ({
  state,
  changedAt: '2026-11-28T01:30:00Z',
  services,
  ...extra,
});

describe('the structure gate: deleting the database with the minimal deploy', () => {
  test('allowed once minimal recorded the snapshot; refused while recorded running, naming the command', async () => {
    const fake = new FakeAws('dev');
    fake.setStateRecord(record('minimal', { databaseSnapshot: snapshot }));
    await gate(fake)('minimal', { instance: 'none', restoreFrom: '', exists: true });
    fake.setStateRecord(record('running'));
    await assert.rejects(
      gate(fake)('minimal', { instance: 'none', restoreFrom: '', exists: true }),
      /deletes dev's cache with its queued jobs and its database, but dev is recorded running: run "npx booking-infra minimal dev" first .*snapshots the database/,
    );
  });

  test('recorded minimal by a run with whileMinimal "stopped" (no snapshot named): refused while the instance exists', async () => {
    const fake = new FakeAws('dev');
    fake.setStateRecord(record('minimal'));
    await assert.rejects(
      gate(fake)('minimal', { instance: 'none', restoreFrom: '', exists: true }),
      /names no snapshot of it .* run "npx booking-infra minimal dev" again with this config/,
    );
    // Already gone (a minimal deploy that ran before): nothing left to lose, deploying again is fine.
    await gate(fake)('minimal', { instance: 'none', restoreFrom: '', exists: false });
  });

  test('a first deploy straight into minimal: recorded minimal when no instance exists, refused when one does', async () => {
    const fresh = new FakeAws('dev');
    await gate(fresh)('minimal', { instance: 'none', restoreFrom: '', exists: false });
    assert.equal(fresh.stateRecord().state, 'minimal');
    const orphaned = new FakeAws('dev');
    await assert.rejects(
      gate(orphaned)('minimal', { instance: 'none', restoreFrom: '', exists: true }),
      /nothing recorded a snapshot of it: run "npx booking-infra minimal dev" first/,
    );
  });

  test('refused while a transition holds the lock', async () => {
    const fake = new FakeAws('dev');
    fake.setStateRecord(record('minimal', { databaseSnapshot: snapshot }));
    fake.setLock({ holder: 'cli:alice', operation: 'resume', startedAt: new Date(NOW - 60_000).toISOString() });
    await assert.rejects(
      gate(fake)('minimal', { instance: 'none', restoreFrom: '', exists: true }),
      /"resume" by cli:alice has held dev's lock/,
    );
  });
});

describe('the structure gate: bringing the database back from the snapshot', () => {
  test('restores only the recorded snapshot, naming the config field and the snapshot otherwise', async () => {
    const fake = new FakeAws('dev');
    fake.setStateRecord(record('running', { databaseSnapshot: snapshot }));
    await gate(fake)('running', { instance: 'present', restoreFrom: KEPT, exists: false });
    await assert.rejects(
      gate(fake)('running', { instance: 'present', restoreFrom: '', exists: false }),
      new RegExp(
        `dev's data is kept in the snapshot ${KEPT} .* creates the database from nothing \\(an empty database\\): set database.restoredFromMinimalSnapshot: '${KEPT}' in src/config/dev.ts`,
      ),
    );
    await assert.rejects(
      gate(fake)('running', {
        instance: 'present',
        restoreFrom: 'booking-dev-minimal-20260101t000000z',
        exists: false,
      }),
      /creates the database from snapshot booking-dev-minimal-20260101t000000z/,
    );
  });

  test('a deploy before resume (still recorded minimal) is refused: resume records running first', async () => {
    const fake = new FakeAws('dev');
    fake.setStateRecord(record('minimal', { databaseSnapshot: snapshot }));
    await assert.rejects(
      gate(fake)('running', { instance: 'present', restoreFrom: KEPT, exists: false }),
      /dev is recorded minimal: run "npx booking-infra resume dev" first/,
    );
  });

  test('changing the snapshot while the instance exists is refused (CloudFormation would replace it)', async () => {
    const fake = new FakeAws('dev');
    fake.setStateRecord(record('running'));
    const deploy = (previousRestoreFrom: string | undefined, restoreFrom: string) =>
      gate(fake)('running', { instance: 'present', restoreFrom, previousRestoreFrom, exists: true });
    await assert.rejects(
      deploy(KEPT, 'booking-dev-minimal-20261201t000000z'),
      new RegExp(`was created from snapshot ${KEPT}, but this deploy creates it from snapshot .*REPLACE the database`),
    );
    await assert.rejects(
      deploy('', KEPT),
      /created from nothing \(an empty database\).*put .* back as they were \(unset\)/i,
    );
    await assert.rejects(deploy(KEPT, ''), /REPLACE/);
    // Unchanged, or a gate deployed before the field existed (no previous value): nothing to refuse.
    await deploy(KEPT, KEPT);
    await deploy(undefined, KEPT);
  });

  test('an environment that never kept a snapshot deploys as before', async () => {
    const fake = new FakeAws('dev');
    await gate(fake)('running', { instance: 'present', restoreFrom: '', exists: false });
    fake.setStateRecord(record('paused'));
    await gate(fake)('running', { instance: 'present', restoreFrom: '', previousRestoreFrom: '', exists: true });
  });
});

describe('the structure gate: the snapshot itself, not only its name', () => {
  const available = async () => ({ status: 'available', engineVersion: '18.6' });

  test('a minimal deploy is refused while the recorded snapshot is missing or not available', async () => {
    const fake = new FakeAws('dev');
    fake.setStateRecord(record('minimal', { databaseSnapshot: snapshot }));
    const deploy = (found: { status: string } | undefined) =>
      gate(fake)('minimal', { instance: 'none', restoreFrom: '', exists: true, snapshot: async () => found });
    await assert.rejects(
      deploy(undefined),
      new RegExp(
        `kept in the snapshot ${KEPT}, but that snapshot is missing: run "npx booking-infra minimal dev" again`,
      ),
    );
    await assert.rejects(deploy({ status: 'creating' }), /but that snapshot is creating/);
    await deploy({ status: 'available' });
  });

  test('a restore is refused from a snapshot that is gone, or newer than database.engineVersion, naming the version to set', async () => {
    const fake = new FakeAws('dev');
    fake.setStateRecord(record('running', { databaseSnapshot: snapshot }));
    const restore = (snapshotFound: DatabaseDeploy['snapshot'], engineVersion = '18.6') =>
      gate(fake)('running', {
        instance: 'present',
        restoreFrom: KEPT,
        exists: false,
        engineVersion,
        snapshot: snapshotFound,
      });
    await assert.rejects(
      restore(async () => undefined),
      new RegExp(`kept in the snapshot ${KEPT}, which is missing: the database cannot be restored from it`),
    );
    await assert.rejects(
      restore(async () => ({ status: 'available', engineVersion: '18.10' })),
      new RegExp(
        `the snapshot ${KEPT} is PostgreSQL 18.10 .* set database.engineVersion: '18.10' in src/config/dev.ts`,
      ),
    );
    await restore(available);
    await restore(async () => ({ status: 'available', engineVersion: '18.6' }), '18.7');
  });

  test("an instance the minimal deploy failed to delete is refused before CloudFormation's create fails on its name", async () => {
    const fake = new FakeAws('dev');
    fake.setStateRecord(record('running', { databaseSnapshot: snapshot }));
    await assert.rejects(
      gate(fake)('running', {
        instance: 'present',
        restoreFrom: KEPT,
        previousInstance: 'none',
        exists: true,
        snapshot: available,
      }),
      new RegExp(
        `database exists, but the previous template had no instance .*in the snapshot ${KEPT}, which this deploy restores`,
      ),
    );
  });
});

describe('the guard Lambda passes the database fields to the gate', () => {
  const resources: EnvironmentResources = {
    environment: 'dev',
    stage: 'booking-dev',
    region: 'eu-west-2',
    databaseId: 'booking-dev',
    clusterName: 'booking-dev',
    services: [],
    stateTable: 'booking-dev-ops-state',
    metricNamespace: 'booking',
    configured: { web: { min: 1, max: 2 }, worker: { min: 0, max: 2 } },
  };

  function harness(fake: FakeAws) {
    const responses: any[] = [];
    const deps: HandlerDependencies = {
      operations: new EnvironmentOperations(resources, {
        clients: fake.clients,
        report: () => undefined,
        sleep: async () => undefined,
        now: () => NOW,
        actor: 'booking-dev-guard',
      }),
      now: () => NOW,
      log: () => undefined,
      respond: async (_url, body) => {
        responses.push(JSON.parse(body));
      },
      clients: fake.clients,
    };
    return { deps, responses };
  }

  const event = (properties: Record<string, string>, old?: Record<string, string>): CustomResourceEvent => ({
    RequestType: old ? 'Update' : 'Create',
    ResponseURL: 'https://cloudformation-custom-resource-response.example/response',
    StackId: 'arn:aws:cloudformation:eu-west-2:111111111111:stack/booking-dev-data/guid',
    RequestId: 'request-1',
    LogicalResourceId: 'StateGuardStructure',
    ResourceType: 'Custom::EnvironmentStructure',
    PhysicalResourceId: old ? 'StateGuardStructure-request-0' : undefined,
    ResourceProperties: properties,
    OldResourceProperties: old,
  });

  test('an update that changes RestoreFrom while the instance exists fails with the reason CloudFormation shows', async () => {
    const fake = new FakeAws('dev');
    fake.setStateRecord(record('running'));
    const { deps, responses } = harness(fake);
    await handler(
      event(
        { Structure: 'running', DatabaseInstance: 'present', RestoreFrom: 'booking-dev-minimal-20261201t000000z' },
        { Structure: 'running', DatabaseInstance: 'present', RestoreFrom: KEPT },
      ),
      undefined,
      deps,
    );
    assert.equal(responses[0].Status, 'FAILED');
    assert.match(responses[0].Reason, /REPLACE the database/);
  });

  test('leaving a minimal deploy that had no instance: the old RestoreFrom is not compared', async () => {
    const fake = new FakeAws('dev');
    fake.setStateRecord(record('running', { databaseSnapshot: snapshot }));
    fake.database = 'missing';
    fake.dbSnapshots[KEPT] = { status: 'available', tags: {} };
    const { deps, responses } = harness(fake);
    const leaving = event(
      { Structure: 'running', DatabaseInstance: 'present', RestoreFrom: KEPT },
      { Structure: 'minimal', DatabaseInstance: 'none', RestoreFrom: '' },
    );
    await handler(leaving, undefined, deps);
    assert.equal(responses[0].Status, 'SUCCESS', responses[0].Reason);
    // The recorded snapshot gone (deleted by hand): refused before the restore is attempted.
    delete fake.dbSnapshots[KEPT];
    await handler(leaving, undefined, deps);
    assert.equal(responses[1].Status, 'FAILED');
    assert.match(responses[1].Reason, new RegExp(`kept in the snapshot ${KEPT}, which is missing`));
  });

  test("CloudFormation's rollback of a refused update is let through: refusing it would strand the stack", async () => {
    const fake = new FakeAws('dev');
    fake.setStateRecord(record('running', { databaseSnapshot: snapshot }));
    const rollingBack = event(
      // The previous template again (minimal, no instance), after a restoring deploy failed.
      { Structure: 'minimal', DatabaseInstance: 'none', RestoreFrom: '', EngineVersion: '18.6' },
      { Structure: 'running', DatabaseInstance: 'present', RestoreFrom: KEPT, EngineVersion: '18.6' },
    );
    const { deps, responses } = harness(fake);
    // Not rolling back: the same request is refused (recorded running, not minimal).
    await handler(rollingBack, undefined, deps);
    assert.equal(responses[0].Status, 'FAILED');
    assert.match(responses[0].Reason, /recorded running: run "npx booking-infra minimal dev" first/);
    fake.stubs.cloudformation.on(DescribeStacksCommand, { StackName: rollingBack.StackId }).resolves({
      Stacks: [{ StackName: 'booking-dev-data', StackStatus: 'UPDATE_ROLLBACK_IN_PROGRESS', CreationTime: new Date() }],
    });
    await handler(rollingBack, undefined, deps);
    assert.equal(responses[1].Status, 'SUCCESS');
  });

  test('a template from before the database fields is checked on its structure alone', async () => {
    const fake = new FakeAws('dev');
    fake.setStateRecord(record('minimal'));
    const { deps, responses } = harness(fake);
    await handler(event({ Structure: 'minimal' }), undefined, deps);
    assert.equal(responses[0].Status, 'SUCCESS');
  });
});
