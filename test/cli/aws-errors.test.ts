import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, type TestContext, test } from 'node:test';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { run } from '../../src/cli/main';
import { defaultOpsDependencies, refusePlaceholderAccount } from '../../src/cli/commands/ops';
import { createClients } from '../../src/ops/clients';
import { type EnvironmentConfig, platformConfig } from '../../src/config';
import { describeAwsFailure, errorSummary } from '../../src/ops/aws-errors';
import { offlineEntryPointRun, withAwsEnvironment } from '../helpers';

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'example-secret' };
const region = 'eu-west-2';

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** An address nothing listens on: a port the OS just gave out and took back. */
async function refusedEndpoint(): Promise<string> {
  const server = createServer();
  const port = await listen(server);
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

/** A local HTTP server that answers every request the same way; closed when the test ends. */
async function answering(t: TestContext, status: number, contentType: string, body: string): Promise<string> {
  const server = createServer((_request, response) => {
    response.writeHead(status, { 'content-type': contentType });
    response.end(body);
  });
  const port = await listen(server);
  t.after(() => {
    server.close();
    server.closeAllConnections();
  });
  return `http://127.0.0.1:${port}`;
}

/** The error a call rejects with. */
async function failureOf(call: () => Promise<unknown>): Promise<unknown> {
  try {
    await call();
  } catch (error) {
    return error;
  }
  assert.fail('the call succeeded');
}

const sts = (endpoint: string) => new STSClient({ region, endpoint, credentials, maxAttempts: 1 });
const ssm = (endpoint: string) => new SSMClient({ region, endpoint, credentials, maxAttempts: 1 });
const callerIdentity = (client: STSClient) => failureOf(() => client.send(new GetCallerIdentityCommand({})));
const parameter = (client: SSMClient) => failureOf(() => client.send(new GetParameterCommand({ Name: '/x' })));

/** The description is one line that starts with the cause and ends with the fix. */
function assertOneLine(line: string | undefined, cause: RegExp, fix: RegExp): void {
  assert.ok(line, 'the failure was not recognized');
  assert.doesNotMatch(line, /\n/);
  assert.match(line, cause);
  assert.equal(line.search(cause), 0, `"${line}" does not start with the cause`);
  assert.match(line.slice(line.indexOf('; ')), fix);
}

describe('describeAwsFailure', () => {
  test('missing credentials name the cause and how to provide them', async () => {
    const line = await withAwsEnvironment({}, async () =>
      describeAwsFailure(await callerIdentity(new STSClient({ region, maxAttempts: 1 }))),
    );
    assertOneLine(line, /no AWS credentials found/, /set AWS_PROFILE.*aws sso login.*AWS_ACCESS_KEY_ID/);
  });

  test('missing credentials mention the AWS_PROFILE that gave none', async () => {
    const profileError = Object.assign(new Error('Could not load credentials from any providers'), {
      name: 'CredentialsProviderError',
    });
    assertOneLine(
      describeAwsFailure(profileError, { AWS_PROFILE: 'booking-dev' }),
      /no AWS credentials found \(AWS_PROFILE=booking-dev\)/,
      /aws sso login/,
    );
  });

  test('an expired SSO session says to log in again', () => {
    const expired = Object.assign(
      new Error('The SSO session associated with this profile has expired or is otherwise invalid.\nTo refresh...'),
      { name: 'CredentialsProviderError' },
    );
    assertOneLine(
      describeAwsFailure(expired, { AWS_PROFILE: 'booking-dev' }),
      /the AWS credentials could not be loaded \(AWS_PROFILE=booking-dev\): The SSO session .* expired/,
      /run `aws sso login`/,
    );
  });

  test('a missing region says to set AWS_REGION', async () => {
    const line = await withAwsEnvironment({}, async () =>
      describeAwsFailure(await callerIdentity(new STSClient({ credentials, maxAttempts: 1 }))),
    );
    assertOneLine(line, /no AWS region configured/, /set AWS_REGION/);
  });

  test('a refused endpoint names host:port and the AWS_ENDPOINT_URL it came from', async () => {
    const endpoint = await refusedEndpoint();
    const error = await callerIdentity(sts(endpoint));
    const port = new URL(endpoint).port;
    assertOneLine(
      describeAwsFailure(error, { AWS_ENDPOINT_URL: endpoint }),
      new RegExp(`cannot reach 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`),
      new RegExp(`check AWS_ENDPOINT_URL=http://127\\.0\\.0\\.1:${port} .*or the network`),
    );
    assertOneLine(describeAwsFailure(error, {}), /cannot reach 127\.0\.0\.1/, /check the network/);
  });

  test('a host that does not resolve is named with the port of AWS_ENDPOINT_URL', async () => {
    const endpoint = 'http://booking-infra-test.invalid:4566';
    const error = await callerIdentity(sts(endpoint));
    assertOneLine(
      describeAwsFailure(error, { AWS_ENDPOINT_URL: endpoint }),
      /cannot reach booking-infra-test\.invalid:4566 \((ENOTFOUND|EAI_AGAIN)\)/,
      /check AWS_ENDPOINT_URL=http:\/\/booking-infra-test\.invalid:4566/,
    );
  });

  test('a refusal hidden in an AggregateError with an empty message is still found', () => {
    // The shape node gives when it tried IPv6 and IPv4 (autoSelectFamily) and both were refused.
    const refused = (address: string) =>
      Object.assign(new Error(`connect ECONNREFUSED ${address}:4566`), {
        code: 'ECONNREFUSED',
        address,
        port: 4566,
      });
    const error = Object.assign(new AggregateError([refused('::1'), refused('127.0.0.1')], ''), {
      code: 'ECONNREFUSED',
    });
    assertOneLine(
      describeAwsFailure(error, { AWS_ENDPOINT_URL: 'http://localhost:4566' }),
      /cannot reach \[::1\]:4566 \(ECONNREFUSED\)/,
      /AWS_ENDPOINT_URL=http:\/\/localhost:4566/,
    );
  });

  test('an HTML page instead of an AWS answer is named as such, with its HTTP status', async (t) => {
    for (const status of [502, 200]) {
      const endpoint = await answering(t, status, 'text/html', '<html>proxy</html>');
      const cause = new RegExp(
        `the endpoint ${endpoint} answered with something that is not an AWS API response \\(HTTP ${status}\\)`,
      );
      const fix = /check AWS_ENDPOINT_URL=http:\/\/127\.0\.0\.1:\d+ points at AWS .*proxy/;
      // The JSON protocol (SSM) cannot parse the page; the query protocol (STS) finds no error code
      // in it (and, on a 200, no answer: see doctor's credentials check).
      const failures = [await parameter(ssm(endpoint))];
      if (status !== 200) failures.push(await callerIdentity(sts(endpoint)));
      for (const error of failures)
        assertOneLine(describeAwsFailure(error, { AWS_ENDPOINT_URL: endpoint }), cause, fix);
    }
  });

  test('an expired token says to refresh the credentials', async (t) => {
    const endpoint = await answering(
      t,
      403,
      'text/xml',
      '<ErrorResponse><Error><Type>Sender</Type><Code>ExpiredToken</Code>' +
        '<Message>The security token included in the request is expired</Message></Error></ErrorResponse>',
    );
    assertOneLine(
      describeAwsFailure(await callerIdentity(sts(endpoint)), {}),
      /AWS rejected the credentials: ExpiredToken: The security token included in the request is expired/,
      /refresh them: `aws sso login`.*AWS_SESSION_TOKEN/,
    );
  });

  test('access denied names the action and whose policies to check', async (t) => {
    const message =
      'User: arn:aws:iam::111111111111:user/ops is not authorized to perform: ssm:GetParameter on resource: ' +
      'arn:aws:ssm:eu-west-2:111111111111:parameter/x because no identity-based policy allows the ssm:GetParameter action';
    const endpoint = await answering(
      t,
      400,
      'application/x-amz-json-1.1',
      JSON.stringify({ __type: 'com.amazonaws.ssm#AccessDeniedException', message }),
    );
    assertOneLine(
      describeAwsFailure(await parameter(ssm(endpoint)), {}),
      /access denied to ssm:GetParameter \(AccessDeniedException\)/,
      /check the IAM policies of arn:aws:iam::111111111111:user\/ops: they must allow ssm:GetParameter/,
    );
  });

  test('other failures are left to the caller', async (t) => {
    const endpoint = await answering(
      t,
      400,
      'application/x-amz-json-1.1',
      JSON.stringify({ __type: 'com.amazonaws.ssm#ParameterNotFound', message: '' }),
    );
    assert.equal(describeAwsFailure(await parameter(ssm(endpoint)), {}), undefined);
    assert.equal(describeAwsFailure(new Error('Stack with id CDKToolkit does not exist'), {}), undefined);
    assert.equal(describeAwsFailure('a string', {}), undefined);
  });
});

describe('errorSummary', () => {
  test('an empty or bare "Unknown" message becomes the name, code and HTTP status', () => {
    const unknown = Object.assign(new Error('Unknown'), { name: 'Unknown', $metadata: { httpStatusCode: 500 } });
    assert.equal(errorSummary(unknown), 'Unknown (HTTP 500)');
    assert.equal(
      errorSummary(Object.assign(new Error(''), { name: 'InternalFailure', code: 'EPROTO' })),
      'InternalFailure EPROTO',
    );
    assert.equal(errorSummary(new Error('first line\nsecond line')), 'first line');
    assert.equal(errorSummary(42), '42');
  });
});

describe('the CLI prints one line per failure to reach AWS', () => {
  const status = (clients = (env: EnvironmentConfig) => createClients(env.region, { maxAttempts: 1 })) => {
    const err: string[] = [];
    const out: string[] = [];
    const io = { out: (text: string) => out.push(text), err: (text: string) => err.push(text) };
    return run(['status', 'dev'], io, {}, { ...defaultOpsDependencies, clients }).then((code) => ({ code, out, err }));
  };

  test('without credentials', async () => {
    const result = await withAwsEnvironment({}, () => status());
    assert.equal(result.code, 1);
    assert.equal(result.err.length, 1);
    assert.match(result.err[0], /^booking-infra: no AWS credentials found; set AWS_PROFILE/);
  });

  test('with AWS_ENDPOINT_URL pointing at nothing', async () => {
    const endpoint = await refusedEndpoint();
    const variables = {
      AWS_ENDPOINT_URL: endpoint,
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    };
    const result = await withAwsEnvironment(variables, () => status());
    assert.equal(result.code, 1);
    assert.deepEqual(result.err, [
      `booking-infra: cannot reach ${new URL(endpoint).host} (ECONNREFUSED); check AWS_ENDPOINT_URL=${endpoint} (is that service running?) or the network`,
    ]);
  });
});

describe('commands that reach AWS refuse placeholder account ids (issue 13)', () => {
  const dev = platformConfig.environments.find((env) => env.name === 'dev')!;
  const runCli = (args: string[], variables: NodeJS.ProcessEnv = {}) => {
    const err: string[] = [];
    const out: string[] = [];
    const io = { out: (text: string) => out.push(text), err: (text: string) => err.push(text) };
    return run(args, io, variables, defaultOpsDependencies).then((code) => ({ code, out, err }));
  };

  test('status, pause and doctor name the variable to set, before any call', async () => {
    for (const [args, env, variable] of [
      [['status', 'dev'], 'dev', 'BOOKING_DEV_ACCOUNT'],
      [['pause', 'prod', '--yes'], 'prod', 'BOOKING_PROD_ACCOUNT'],
      [['doctor', 'dev'], 'dev', 'BOOKING_DEV_ACCOUNT'],
    ] as const) {
      const result = await withAwsEnvironment({}, () => runCli([...args]));
      assert.equal(result.code, 1, args.join(' '));
      assert.deepEqual(result.out, []);
      assert.deepEqual(result.err, [
        `booking-infra: ${env}.account is 111111111111, a placeholder: set ${variable}=<your 12-digit account id> (or BOOKING_ACCOUNT for every stack) before a command that reaches AWS`,
      ]);
    }
  });

  test('a real account id gets past the check (and on to the credentials); an emulator takes any id', async () => {
    const result = await withAwsEnvironment({}, () =>
      runCli(['status', 'dev'], { BOOKING_DEV_ACCOUNT: '210987654321' }),
    );
    assert.equal(result.code, 1);
    assert.equal(result.err.length, 1);
    assert.doesNotMatch(result.err[0], /placeholder/);
    assert.match(result.err[0], /credentials/);
    assert.doesNotThrow(() => refusePlaceholderAccount(dev, { AWS_ENDPOINT_URL: 'http://127.0.0.1:5000' }));
    assert.throws(() => refusePlaceholderAccount(dev, {}), /placeholder/);
    assert.doesNotThrow(() => refusePlaceholderAccount({ ...dev, account: '210987654321' }, {}));
  });

  test('offline commands take placeholders: cost prices the committed platform', async () => {
    const assembly = offlineEntryPointRun().outdir;
    const result = await withAwsEnvironment({}, () => runCli(['cost', 'dev', '--assembly', assembly]));
    assert.equal(result.code, 0, result.err.join('\n'));
  });
});
