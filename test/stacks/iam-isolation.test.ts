import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { platformConfig } from '../../src/config';
import {
  ACTIONS_WITHOUT_RESOURCE_TYPES,
  iamStatements as statements,
  synth,
  type SynthesizedPlatform,
} from '../helpers';

/** The literal text of a resource (an ARN with its Fn::Join parts, references as their JSON). */
const text = (resource: unknown): string => JSON.stringify(resource);

/**
 * The actions that AWS offers no resource-level permission for, granted on "*" (each also
 * acknowledged where cdk-nag reports it). Mutating ones are the risk between environments that
 * share an account: `application-autoscaling:RegisterScalableTarget` (the schedule's; scalable
 * targets have only random ARNs) and `ecs:RegisterTaskDefinition` (a revision registered in
 * another family runs nowhere: running or deploying it needs permissions scoped to this
 * environment). Environments in separate accounts (README, Separate accounts) remove the risk.
 */
const WITHOUT_RESOURCES = new Set([
  ...ACTIONS_WITHOUT_RESOURCE_TYPES,
  'ecs:DescribeTasks',
  'ecs:ListTasks',
  'ecs:RegisterTaskDefinition',
  'application-autoscaling:RegisterScalableTarget',
]);

describe("no role of one environment names another environment's resources (issue 14)", () => {
  let platform: SynthesizedPlatform;
  before(() => {
    platform = synth();
  });

  for (const env of platformConfig.environments) {
    const others = platformConfig.environments.filter((other) => other.name !== env.name);
    test(`${env.name}: every statement names only ${env.name}'s or shared resources, or an action without resources`, () => {
      let checked = 0;
      for (const part of ['network', 'ops', 'data', 'app', 'pipeline']) {
        for (const { owner, statement } of statements(platform.json(env.name, part))) {
          if (statement.Effect !== 'Allow') continue;
          checked++;
          const resources = [statement.Resource].flat();
          for (const other of others) {
            assert.doesNotMatch(
              text(resources),
              new RegExp(`booking-${other.name}\\b|booking${other.name}`),
              `${env.name} ${part} ${owner} names ${other.name}`,
            );
          }
          if (resources.includes('*')) {
            for (const action of [statement.Action].flat()) {
              assert.ok(WITHOUT_RESOURCES.has(action), `${env.name} ${part} ${owner}: ${action} on "*"`);
            }
          }
        }
      }
      assert.ok(checked > 20, `${checked} statements`);
    });
  }

  test("each ECS write names its own environment's cluster, services or task families", () => {
    let checked = 0;
    for (const env of platformConfig.environments) {
      for (const part of ['app', 'pipeline', 'data', 'ops']) {
        for (const { owner, statement } of statements(platform.json(env.name, part))) {
          const writes = [statement.Action]
            .flat()
            .filter((action: string) => /^ecs:(UpdateService|RunTask|StopTask)$/.test(action));
          if (writes.length === 0) continue;
          for (const resource of [statement.Resource].flat()) {
            // A reference into this environment's own template or stacks, or a literal ARN naming it.
            const own =
              resource.Ref !== undefined ||
              resource['Fn::GetAtt'] !== undefined ||
              String(resource['Fn::GetStackOutput']?.StackName ?? '').startsWith(`booking-${env.name}-`) ||
              new RegExp(`booking-${env.name}\\b`).test(text(resource));
            assert.ok(own, `${env.name} ${part} ${owner}: ${writes.join(', ')} on ${text(resource)}`);
            checked++;
          }
        }
      }
    }
    // dev's schedule, and each pipeline's deploy and migrate steps.
    assert.ok(checked >= 4, `${checked} ECS writes`);
  });
});
