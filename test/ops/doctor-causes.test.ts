import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, type TestContext, test } from 'node:test';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetConnectionCommand } from '@aws-sdk/client-codestar-connections';
import { GetHostedZoneCommand } from '@aws-sdk/client-route-53';
import { GetParameterCommand, GetParametersCommand } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { run } from '../../src/cli/main';
import { defaultOpsDependencies } from '../../src/cli/commands/ops';
import { environmentNamed, platformConfig } from '../../src/config';
import { createClients, type OpsClients } from '../../src/ops/clients';
import { runDoctor } from '../../src/ops/doctor';
import { withAwsEnvironment } from '../helpers';

const env = environmentNamed(platformConfig, 'dev');
const CHECKS = [
  'credentials',
  'CDK bootstrap in eu-west-2',
  'CDK bootstrap in us-east-1 (CDN certificate)',
  'GitHub connection',
  'application secrets',
  'NS delegation of lichnails.co.uk',
  // dev is on the HTTP API (src/config/dev.ts): its VPC link, named by the app stack's outputs.
  'VPC link of the HTTP API',
];

const keys = { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'example-secret' };

/** doctor for dev with real SDK clients (maxAttempts 1: a failure is not retried). */
const doctor = (clients: OpsClients = createClients(env.region, { maxAttempts: 1 })) =>
  runDoctor(platformConfig.shared, env, { clients, resolveNs: async () => [] });

/** A local HTTP server answering every request with a web page, as a proxy or captive portal does. */
async function webPage(t: TestContext, status: number): Promise<string> {
  const server = createServer((_request, response) => {
    response.writeHead(status, { 'content-type': 'text/html' });
    response.end('<html>proxy</html>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.close();
    server.closeAllConnections();
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** The first check reports the cause and its fix; every later one points at it, without a fix. */
function assertReportedOnce(results: Awaited<ReturnType<typeof doctor>>, cause: RegExp, fix: RegExp): void {
  assert.deepEqual(
    results.map((r) => r.name),
    CHECKS,
  );
  const [first, ...rest] = results;
  assert.equal(first.ok, false);
  assert.match(first.detail, cause);
  assert.match(first.fix ?? '', fix);
  for (const result of rest) {
    assert.deepEqual(result, {
      name: result.name,
      ok: false,
      detail: 'skipped: same cause as "credentials"',
      sameCauseAs: 'credentials',
    });
  }
}

describe('doctor reports a cause shared by every check once', () => {
  test('no credentials: the credentials check says how to provide them, the others are skipped', async () => {
    const results = await withAwsEnvironment({}, () => doctor());
    assertReportedOnce(results, /^no AWS credentials found$/, /set AWS_PROFILE.*AWS_ACCESS_KEY_ID/);
    assert.equal(results[0].cause, 'no-credentials');
  });

  test('an unreachable AWS_ENDPOINT_URL is named once, with its host and port', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await new Promise((resolve) => server.close(resolve)); // nothing listens there now
    const results = await withAwsEnvironment({ ...keys, AWS_ENDPOINT_URL: endpoint }, () => doctor());
    assertReportedOnce(
      results,
      new RegExp(`^cannot reach ${new URL(endpoint).host} \\(ECONNREFUSED\\)$`),
      new RegExp(`check AWS_ENDPOINT_URL=${endpoint}`),
    );
  });

  test('a proxy answering 200 with a web page is not taken for an account', async (t) => {
    // STS's XML parser reads the page as an empty answer: no account, rather than an error.
    const endpoint = await webPage(t, 200);
    const results = await withAwsEnvironment({ ...keys, AWS_ENDPOINT_URL: endpoint }, () => doctor());
    assertReportedOnce(
      results,
      /answered with something that is not an AWS API response \(HTTP 200\)/,
      /check AWS_ENDPOINT_URL=.*proxy/,
    );
    assert.doesNotMatch(JSON.stringify(results), /BOOKING_ACCOUNT=undefined/);
  });

  test('a proxy answering 502 is reported once', async (t) => {
    const endpoint = await webPage(t, 502);
    const results = await withAwsEnvironment({ ...keys, AWS_ENDPOINT_URL: endpoint }, () => doctor());
    assertReportedOnce(results, /not an AWS API response \(HTTP 502\)/, /proxy/);
  });

  test('access denied is per action: each check reports its own, none is skipped', async () => {
    const clients = createClients(env.region, {
      maxAttempts: 1,
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    });
    const denied = (action: string) =>
      Object.assign(
        new Error(`User: arn:aws:iam::111111111111:user/ops is not authorized to perform: ${action} on resource: *`),
        { name: 'AccessDeniedException' },
      );
    mockClient(clients.sts).on(GetCallerIdentityCommand).resolves({ Account: env.account, Arn: 'arn:ops' });
    mockClient(clients.cloudformation).on(DescribeStacksCommand).rejects(denied('cloudformation:DescribeStacks'));
    mockClient(clients.edgeCloudformation).on(DescribeStacksCommand).rejects(denied('cloudformation:DescribeStacks'));
    const ssm = mockClient(clients.ssm);
    ssm.on(GetParameterCommand).rejects(denied('ssm:GetParameter'));
    ssm.on(GetParametersCommand).rejects(denied('ssm:GetParameters'));
    mockClient(clients.connections).on(GetConnectionCommand).rejects(denied('codestar-connections:GetConnection'));
    mockClient(clients.route53).on(GetHostedZoneCommand).rejects(denied('route53:GetHostedZone'));

    const results = await doctor(clients);
    assert.deepEqual(
      results.map((r) => [r.name, r.ok, r.sameCauseAs]),
      CHECKS.map((name) => [name, name === 'credentials', undefined]),
    );
    assert.deepEqual(
      results.slice(1).map((r) => r.detail),
      [
        'access denied to cloudformation:DescribeStacks (AccessDeniedException)',
        'access denied to cloudformation:DescribeStacks (AccessDeniedException)',
        'access denied to ssm:GetParameter (AccessDeniedException)',
        'access denied to ssm:GetParameters (AccessDeniedException)',
        'access denied to ssm:GetParameter (AccessDeniedException)',
        'access denied to cloudformation:DescribeStacks (AccessDeniedException)',
      ],
    );
    assert.match(results[1].fix!, /check the IAM policies of arn:aws:iam::111111111111:user\/ops/);
  });

  test('`booking-infra doctor` prints the fix once and still fails', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await withAwsEnvironment({}, () =>
      run(
        ['doctor', 'dev'],
        { out: (text) => out.push(text), err: (text) => err.push(text) },
        {},
        {
          ...defaultOpsDependencies,
          clients: (env) => createClients(env.region, { maxAttempts: 1 }),
          resolveNs: async () => [],
          docker: async () => ({ ok: true, detail: 'Docker engine 28.2.2 aarch64' }),
        },
      ),
    );
    assert.equal(code, 1);
    assert.deepEqual(out, [
      'FAIL credentials: no AWS credentials found',
      '     fix: set AWS_PROFILE to a configured profile (run `aws sso login` first if it uses SSO), or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
      ...[CHECKS[1], CHECKS[2], 'PostgreSQL 18.6 offered in eu-west-2', ...CHECKS.slice(3)].map(
        (name) => `FAIL ${name}: skipped: same cause as "credentials"`,
      ),
      'PASS Docker for image assets: Docker engine 28.2.2 aarch64',
    ]);
    assert.deepEqual(err, ['booking-infra: 8 of 9 checks failed for dev']);
  });
});
