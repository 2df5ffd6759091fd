import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { UpdateServiceCommand } from '@aws-sdk/client-ecs';
import { platformConfig, environmentNamed } from '../../src/config';
import { discoverResources } from '../../src/ops/resources';
import { planSecretKeyRotation, rotateSecretKey } from '../../src/ops/secret-key-rotation';
import { StateStore } from '../../src/ops/state-store';
import { FakeAws } from './fake-aws';

describe('rotate-secret-key with a cache task', () => {
  test('redeploys web and worker, which read the key, and leaves the cache task running', async () => {
    const fake = new FakeAws('dev', { cacheTask: true });
    const parameterName = '/booking/dev/app/DJANGO_SECRET_KEY';
    fake.parameters[parameterName] = 'key-one';
    const resources = await discoverResources(
      fake.clients.cloudformation,
      platformConfig.shared,
      environmentNamed(platformConfig, 'dev'),
    );
    assert.ok(resources.services.some((s) => s.role === 'cache'));
    const rotation = { parameterName, keepFallbacks: 2, redeployOnly: true };
    const plan = await planSecretKeyRotation(fake.clients, resources, rotation);
    assert.deepEqual(plan.steps, [
      'rolling deployment of booking-dev-web, booking-dev-worker so every task signs with the current key',
    ]);
    await rotateSecretKey(
      fake.clients,
      new StateStore(fake.clients.dynamodb, resources.stateTable),
      resources,
      rotation,
      {
        actor: 'cli:alice@laptop',
        now: () => Date.parse('2026-11-27T12:00:00Z'),
        report: () => undefined,
      },
    );
    assert.deepEqual(
      fake.stubs.ecs.commandCalls(UpdateServiceCommand).map((call) => call.args[0].input.service),
      ['booking-dev-web', 'booking-dev-worker'],
    );
    assert.equal(fake.lock(), undefined);
  });
});
