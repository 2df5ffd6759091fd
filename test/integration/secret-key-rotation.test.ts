/**
 * `booking-infra rotate-secret-key` against moto, the AWS API emulator: the SecureString parameter
 * and the services are moto's, and after each run the test reads them back (not the CLI's words).
 */
import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import { DeleteParameterCommand, GetParameterCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import type { OpsDependencies } from '../../src/cli/commands/ops';
import { parseKeys } from '../../src/ops/secret-key-rotation';
import {
  cliDependencies,
  holdPauseLock,
  motoSuite,
  runCli,
  seedEnvironment,
  type SeededEnvironment,
} from './environment';
import { resetMoto } from './moto';

const PARAMETER = (env: string) => `/booking/${env}/app/DJANGO_SECRET_KEY`;

describe('rotate-secret-key against moto', () => {
  let seeded: SeededEnvironment;

  const suite = motoSuite();
  const clients = () => suite.clients();
  const cli = (args: string[], overrides: Partial<OpsDependencies> = {}) =>
    runCli(args, cliDependencies(clients, overrides));
  const keys = async (env = 'dev') =>
    parseKeys(
      (await suite.harness.ssm.send(new GetParameterCommand({ Name: PARAMETER(env), WithDecryption: true }))).Parameter!
        .Value!,
    );
  /** Forced new deployments of a service that reached moto (which keeps no deployment history). */
  const deployments = async (service: string) =>
    suite.proxy
      .calls('ecs:UpdateService')
      .filter((call) => !call.injected && call.input.service === service && call.input.forceNewDeployment === true)
      .length;

  beforeEach(async () => {
    await resetMoto(suite.moto.endpoint);
    suite.proxy.reset();
    seeded = await seedEnvironment(suite.moto.endpoint, { env: 'dev' });
    await suite.harness.ssm.send(
      new PutParameterCommand({ Name: PARAMETER('dev'), Type: 'SecureString', Value: 'key-one', Overwrite: true }),
    );
  });

  test('a rotation writes a new current key, keeps the previous one as fallback, and redeploys both services', async () => {
    const before = { web: await deployments(seeded.services.web!), worker: await deployments(seeded.services.worker!) };
    const result = await cli(['rotate-secret-key', 'dev']);
    assert.equal(result.code, 0, result.err);
    assert.match(result.out, /Plan for DJANGO_SECRET_KEY of dev/);
    assert.match(result.out, /keeping 1 of its 1 key\(s\) as fallback/);
    const now = await keys();
    assert.equal(now.length, 2);
    assert.equal(now[1], 'key-one');
    assert.match(now[0], /^[A-Za-z0-9_-]{60,}$/);
    assert.doesNotMatch(result.out + result.err, new RegExp(now[0]));
    assert.equal(await deployments(seeded.services.web!), before.web + 1);
    assert.equal(await deployments(seeded.services.worker!), before.worker + 1);
    // A second rotation drops the oldest: only --keep previous keys stay accepted.
    assert.equal((await cli(['rotate-secret-key', 'dev'])).code, 0);
    const later = await keys();
    assert.deepEqual(later.slice(1), [now[0]]);
    assert.equal((await cli(['rotate-secret-key', 'dev', '--keep', '2'])).code, 0);
    assert.deepEqual((await keys()).slice(1), [later[0], now[0]]);
  });

  test('--dry-run changes nothing', async () => {
    const web = await deployments(seeded.services.web!);
    const dry = await cli(['rotate-secret-key', 'dev', '--dry-run']);
    assert.equal(dry.code, 0, dry.err);
    assert.match(dry.out, /Dry run: nothing was changed/);
    assert.deepEqual(await keys(), ['key-one']);
    assert.equal(await deployments(seeded.services.web!), web);
  });

  test('while a pause holds the lock, no rotation happens and the holder is named', async () => {
    await holdPauseLock(suite.harness, seeded.stateTable);
    const result = await cli(['rotate-secret-key', 'dev']);
    assert.equal(result.code, 1);
    assert.match(result.err, /cli:bob@desk is running "pause"/);
    assert.deepEqual(await keys(), ['key-one']);
  });

  test('a missing parameter is named with the way to create it, before anything changes', async () => {
    await suite.harness.ssm.send(new DeleteParameterCommand({ Name: PARAMETER('dev') }));
    const web = await deployments(seeded.services.web!);
    const result = await cli(['rotate-secret-key', 'dev']);
    assert.equal(result.code, 1);
    assert.match(result.err, /\/booking\/dev\/app\/DJANGO_SECRET_KEY does not exist: create it first/);
    assert.equal(await deployments(seeded.services.web!), web);
  });

  test('a redeploy that fails after the write leaves the new key stored and says how to finish; --redeploy-only finishes', async () => {
    // Not retried by the SDK (a 400 of its own kind): the run stops after the write.
    suite.proxy.failNext('ecs:UpdateService', { times: 1, status: 400, code: 'ServiceNotActiveException' });
    const broken = await cli(['rotate-secret-key', 'dev']);
    assert.equal(broken.code, 1);
    assert.match(broken.err, /the new key is stored and the previous one stays accepted/);
    assert.match(broken.err, /--redeploy-only/);
    const stored = await keys();
    assert.equal(stored[1], 'key-one');
    assert.equal(await deployments(seeded.services.web!), 0);
    const finish = await cli(['rotate-secret-key', 'dev', '--redeploy-only']);
    assert.equal(finish.code, 0, finish.err);
    assert.deepEqual(await keys(), stored, 'the key is not rotated again');
    assert.equal(await deployments(seeded.services.web!), 1);
    // The lock was released both times: a status read finds none.
    assert.equal((await cli(['rotate-secret-key', 'dev', '--dry-run'])).code, 0);
  });
});
