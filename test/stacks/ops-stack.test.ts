import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { environmentNamed, platformConfig } from '../../src/config';
import { OPS_LAMBDA_VARIABLES as V, STACK_OUTPUTS, STATE_TABLE_KEYS, stateTableName } from '../../src/ops/contracts';
import { resourcesOfType, synth, type SynthesizedPlatform } from '../helpers';

const expected = {
  dev: { policy: 'Delete', protect: false },
  prod: { policy: 'Retain', protect: true },
} as const;

describe('ops stack', () => {
  let platform: SynthesizedPlatform;
  before(() => {
    platform = synth();
  });

  for (const envName of ['dev', 'prod'] as const) {
    const want = expected[envName];

    test(`${envName}: one state table, booking-${envName}-ops-state, keyed pk/sk (strings), on demand`, () => {
      const tables = resourcesOfType(platform.json(envName, 'ops'), 'AWS::DynamoDB::Table');
      assert.equal(tables.length, 1);
      const [, table] = tables[0];
      const props = table.Properties;
      assert.equal(props.TableName, `booking-${envName}-ops-state`);
      assert.equal(props.TableName, stateTableName('booking', envName));
      assert.deepEqual(props.KeySchema, [
        { AttributeName: STATE_TABLE_KEYS.partitionKey, KeyType: 'HASH' },
        { AttributeName: STATE_TABLE_KEYS.sortKey, KeyType: 'RANGE' },
      ]);
      assert.deepEqual(props.KeySchema, [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ]);
      assert.deepEqual(props.AttributeDefinitions, [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ]);
      assert.equal(props.BillingMode, 'PAY_PER_REQUEST');
      assert.equal(props.ProvisionedThroughput, undefined);
      assert.equal(props.GlobalSecondaryIndexes, undefined);
      assert.equal(props.StreamSpecification, undefined);
    });

    test(`${envName}: point-in-time recovery on, journal entries expire through the expiresAt TTL, encrypted`, () => {
      const [[, table]] = resourcesOfType(platform.json(envName, 'ops'), 'AWS::DynamoDB::Table');
      assert.deepEqual(table.Properties.PointInTimeRecoverySpecification, { PointInTimeRecoveryEnabled: true });
      assert.deepEqual(table.Properties.TimeToLiveSpecification, { AttributeName: 'expiresAt', Enabled: true });
      assert.deepEqual(table.Properties.SSESpecification, { SSEEnabled: true });
    });

    test(`${envName}: the table is ${want.protect ? 'retained and protected from deletion' : 'deleted with the stack'}`, () => {
      const [[, table]] = resourcesOfType(platform.json(envName, 'ops'), 'AWS::DynamoDB::Table');
      assert.equal(table.DeletionPolicy, want.policy);
      assert.equal(table.UpdateReplacePolicy, want.policy);
      assert.equal(table.Properties.DeletionProtectionEnabled, want.protect);
      assert.equal(environmentNamed(platformConfig, envName).deletionProtection, want.protect);
    });

    test(`${envName}: outputs StateTableName (the table) and OpsTopicArn, with no export`, () => {
      const json = platform.json(envName, 'ops');
      const [[tableId]] = resourcesOfType(json, 'AWS::DynamoDB::Table');
      const [[topicId]] = resourcesOfType(json, 'AWS::SNS::Topic');
      const outputs = json.Outputs;
      assert.deepEqual(outputs[STACK_OUTPUTS.ops.stateTableName].Value, { Ref: tableId });
      assert.equal(STACK_OUTPUTS.ops.stateTableName, 'StateTableName');
      assert.deepEqual(outputs[STACK_OUTPUTS.ops.opsTopicArn].Value, { Ref: topicId });
      for (const name of [STACK_OUTPUTS.ops.stateTableName, STACK_OUTPUTS.ops.opsTopicArn]) {
        assert.equal(outputs[name].Export, undefined, name);
      }
    });

    test(`${envName}: the guard and the schedule use the table the ops stack creates`, () => {
      const table = `booking-${envName}-ops-state`;
      const functions = [
        ...resourcesOfType(platform.json(envName, 'data'), 'AWS::Lambda::Function'),
        ...resourcesOfType(platform.json(envName, 'app'), 'AWS::Lambda::Function'),
      ].filter(([, fn]) => fn.Properties.Environment?.Variables?.[V.stateTable] !== undefined);
      // The guard everywhere; the schedule where the environment has one.
      assert.equal(functions.length, environmentNamed(platformConfig, envName).schedule ? 2 : 1);
      for (const [id, fn] of functions) assert.equal(fn.Properties.Environment.Variables[V.stateTable], table, id);
    });
  }
});
