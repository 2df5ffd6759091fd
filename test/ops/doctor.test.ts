import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { GetVpcLinkCommand } from '@aws-sdk/client-apigatewayv2';
import { GetConnectionCommand } from '@aws-sdk/client-codestar-connections';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetHostedZoneCommand, ListHostedZonesByNameCommand } from '@aws-sdk/client-route-53';
import { GetParameterCommand, GetParametersCommand } from '@aws-sdk/client-ssm';
import { DescribeDBEngineVersionsCommand } from '@aws-sdk/client-rds';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { environmentNamed, platformConfig } from '../../src/config';
import type { EnvironmentConfig } from '../../src/config/types';
import { runDoctor } from '../../src/ops/doctor';
import { FakeAws } from './fake-aws';

describe('doctor', () => {
  // Behind the load balancer: the HTTP API's own check is specified below, with `ingress: http-api`.
  const env: EnvironmentConfig = { ...environmentNamed(platformConfig, 'dev'), ingress: { kind: 'alb' } };
  const dev = (fake: FakeAws, nameServers: string[], config: EnvironmentConfig = env) =>
    runDoctor(platformConfig.shared, config, {
      clients: fake.clients,
      resolveNs: async () => nameServers,
      postgresVersion: '18.6',
      docker: async () => docker,
    });
  let docker = { ok: true, detail: 'Docker engine 28.2.2 aarch64' };
  const zoneServers = ['ns-1.awsdns-01.org', 'ns-2.awsdns-02.co.uk'];

  function healthy(ingress: 'alb' | 'http-api' = 'alb'): FakeAws {
    const fake = new FakeAws('dev', { ingress });
    fake.stubs.sts
      .on(GetCallerIdentityCommand)
      .resolves({ Account: env.account, Arn: 'arn:aws:iam::111111111111:user/ops' });
    for (const stub of [fake.stubs.cloudformation, fake.stubs.edgeCloudformation]) {
      stub.on(DescribeStacksCommand, { StackName: 'CDKToolkit' }).resolves({
        Stacks: [
          {
            StackName: 'CDKToolkit',
            StackStatus: 'UPDATE_COMPLETE',
            CreationTime: new Date(0),
            Outputs: [{ OutputKey: 'BootstrapVersion', OutputValue: '30' }],
          },
        ],
      });
    }
    fake.stubs.rds
      .on(DescribeDBEngineVersionsCommand, { Engine: 'postgres', EngineVersion: '18.6' })
      .resolves({ DBEngineVersions: [{ Engine: 'postgres', EngineVersion: '18.6' }] });
    docker = { ok: true, detail: 'Docker engine 28.2.2 aarch64' };
    fake.stubs.ssm
      .on(GetParameterCommand, { Name: '/booking/shared/github-connection-arn' })
      .resolves({ Parameter: { Value: 'arn:conn' } });
    fake.stubs.ssm
      .on(GetParameterCommand, { Name: '/booking/shared/hosted-zone-id' })
      .resolves({ Parameter: { Value: 'Z123' } });
    fake.stubs.connections
      .on(GetConnectionCommand)
      .resolves({ Connection: { ConnectionName: 'booking-github', ConnectionStatus: 'AVAILABLE' } });
    fake.stubs.ssm.on(GetParametersCommand).resolves({
      Parameters: [{ Name: '/booking/dev/app/DJANGO_SECRET_KEY', Type: 'SecureString' }],
      InvalidParameters: [],
    });
    fake.stubs.route53.on(GetHostedZoneCommand).resolves({
      HostedZone: { Id: 'Z123', Name: 'x', CallerReference: 'x' },
      DelegationSet: { NameServers: zoneServers },
    });
    return fake;
  }

  test('passes every check on a ready account', async () => {
    const results = await dev(healthy(), ['NS-2.awsdns-02.co.uk.', 'ns-1.awsdns-01.org']);
    assert.deepEqual(
      results.map((r) => [r.name, r.ok]),
      [
        ['credentials', true],
        ['CDK bootstrap in eu-west-2', true],
        ['CDK bootstrap in us-east-1 (CDN certificate)', true],
        ['PostgreSQL 18.6 offered in eu-west-2', true],
        ['GitHub connection', true],
        ['application secrets', true],
        ['NS delegation of lichnails.co.uk', true],
        ['Docker for image assets', true],
      ],
    );
  });

  test('an old bootstrap stack fails with the version the templates need', async () => {
    const fake = healthy();
    fake.stubs.cloudformation.on(DescribeStacksCommand, { StackName: 'CDKToolkit' }).resolves({
      Stacks: [
        {
          StackName: 'CDKToolkit',
          StackStatus: 'UPDATE_COMPLETE',
          CreationTime: new Date(0),
          Outputs: [{ OutputKey: 'BootstrapVersion', OutputValue: '5' }],
        },
      ],
    });
    const [, bootstrap] = await dev(fake, []);
    assert.equal(bootstrap.ok, false);
    assert.match(bootstrap.detail, /bootstrap version 5 \(templates need 6 or later\)/);
  });

  test('each failing check says what to do', async () => {
    const fake = healthy();
    fake.stubs.sts
      .on(GetCallerIdentityCommand)
      .resolves({ Account: '999999999999', Arn: 'arn:aws:iam::999999999999:user/x' });
    for (const stub of [fake.stubs.cloudformation, fake.stubs.edgeCloudformation]) {
      stub
        .on(DescribeStacksCommand, { StackName: 'CDKToolkit' })
        .rejects(new Error('Stack with id CDKToolkit does not exist'));
    }
    fake.stubs.connections
      .on(GetConnectionCommand)
      .resolves({ Connection: { ConnectionName: 'booking-github', ConnectionStatus: 'PENDING' } });
    fake.stubs.ssm
      .on(GetParametersCommand)
      .resolves({ Parameters: [], InvalidParameters: ['/booking/dev/app/DJANGO_SECRET_KEY'] });
    fake.stubs.rds.on(DescribeDBEngineVersionsCommand).resolves({ DBEngineVersions: [] });
    docker = { ok: false, detail: 'no Docker engine answers (docker info failed)' };
    const results = await dev(fake, ['ns1.registrar-parking.example']);
    assert.ok(results.every((r) => !r.ok));
    const fix = Object.fromEntries(results.map((r) => [r.name, r.fix]));
    assert.match(fix.credentials!, /set BOOKING_ACCOUNT=999999999999/);
    assert.equal(fix['CDK bootstrap in eu-west-2'], 'npx cdk bootstrap aws://111111111111/eu-west-2');
    // The edge stack's region, where the CDN's certificate is deployed, needs its own bootstrap.
    assert.equal(fix['CDK bootstrap in us-east-1 (CDN certificate)'], 'npx cdk bootstrap aws://111111111111/us-east-1');
    assert.match(fix['GitHub connection']!, /Update pending connection/);
    assert.match(fix['PostgreSQL 18.6 offered in eu-west-2']!, /aws rds describe-db-engine-versions --engine postgres/);
    assert.match(fix['Docker for image assets']!, /linux\/arm64/);
    assert.equal(
      fix['application secrets'],
      "aws ssm put-parameter --type SecureString --overwrite --name /booking/dev/app/DJANGO_SECRET_KEY --value '...'",
    );
    assert.match(
      fix['NS delegation of lichnails.co.uk']!,
      /set the name servers of lichnails\.co\.uk at its registrar to: ns-1\.awsdns-01\.org ns-2\.awsdns-02\.co\.uk/,
    );
  });

  test('prod in an account of its own checks the delegation of its API host, not the registrar', async () => {
    const prod = { ...environmentNamed(platformConfig, 'prod'), account: '222222222222' };
    const fake = healthy();
    fake.stubs.sts
      .on(GetCallerIdentityCommand)
      .resolves({ Account: '222222222222', Arn: 'arn:aws:iam::222222222222:user/ops' });
    const apiServers = ['ns-7.awsdns-07.net', 'ns-8.awsdns-08.com'];
    fake.stubs.route53.on(ListHostedZonesByNameCommand, { DNSName: 'api.lichnails.co.uk' }).resolves({
      HostedZones: [{ Id: '/hostedzone/ZAPI', Name: 'api.lichnails.co.uk.', CallerReference: 'x' }],
      DNSName: 'api.lichnails.co.uk',
      IsTruncated: false,
      MaxItems: 100,
    });
    fake.stubs.route53.on(GetHostedZoneCommand, { Id: '/hostedzone/ZAPI' }).resolves({
      HostedZone: { Id: '/hostedzone/ZAPI', Name: 'api.lichnails.co.uk.', CallerReference: 'x' },
      DelegationSet: { NameServers: apiServers },
    });
    const asked: string[] = [];
    const check = (nameServers: string[]) =>
      runDoctor(platformConfig.shared, prod, {
        clients: fake.clients,
        resolveNs: async (name) => {
          asked.push(name);
          return nameServers;
        },
        postgresVersion: '18.6',
      });
    const good = (await check(apiServers)).find((r) => r.name === 'NS delegation of api.lichnails.co.uk')!;
    assert.equal(good.ok, true, good.detail);
    assert.deepEqual(asked, ['api.lichnails.co.uk']);
    const stale = (await check(zoneServers)).find((r) => r.name === 'NS delegation of api.lichnails.co.uk')!;
    assert.equal(stale.ok, false);
    assert.match(
      stale.fix!,
      /NS records of api\.lichnails\.co\.uk in the lichnails\.co\.uk zone \(account 111111111111\)/,
    );
    assert.match(stale.fix!, /deploy booking-prod\/app again/);
    // No zone yet: the app stack was never deployed.
    fake.stubs.route53
      .on(ListHostedZonesByNameCommand)
      .resolves({ HostedZones: [], IsTruncated: false, MaxItems: 100 });
    const missing = (await check(apiServers)).find((r) => r.name === 'NS delegation of api.lichnails.co.uk')!;
    assert.equal(missing.ok, false);
    assert.equal(missing.detail, 'no hosted zone api.lichnails.co.uk in account 222222222222');
    assert.match(missing.fix!, /npx cdk deploy 'booking-prod\/app'/);
  });

  describe('with the HTTP API: its VPC link, which goes INACTIVE after 60 days without traffic', () => {
    const httpApi: EnvironmentConfig = { ...env, ingress: { kind: 'http-api' } };
    const linkCheck = async (fake: FakeAws) => {
      const results = await dev(fake, zoneServers, httpApi);
      // After the AWS checks, before the local Docker one.
      assert.deepEqual(
        results.slice(-2).map((r) => r.name),
        ['VPC link of the HTTP API', 'Docker for image assets'],
      );
      return results.at(-2)!;
    };

    test('AVAILABLE passes', async () => {
      const fake = healthy('http-api');
      const link = await linkCheck(fake);
      assert.deepEqual(link, {
        name: 'VPC link of the HTTP API',
        ok: true,
        detail: "the API's VPC link vldev42 is AVAILABLE",
      });
      assert.deepEqual(
        fake.stubs.apigatewayv2.commandCalls(GetVpcLinkCommand).map((call) => call.args[0].input),
        [{ VpcLinkId: 'vldev42' }],
      );
    });

    test('INACTIVE passes with a warning: requests fail for a few minutes; resume or any request wakes it', async () => {
      const fake = healthy('http-api');
      fake.vpcLink = { status: 'INACTIVE' };
      const link = await linkCheck(fake);
      assert.equal(link.ok, true, 'nothing to fix before a deploy');
      assert.equal(link.warning, true);
      assert.equal(
        link.detail,
        "the API's VPC link vldev42 is INACTIVE (no traffic for 60 days): requests to https://api-dev.lichnails.co.uk/ will fail for a few minutes until it reactivates",
      );
      assert.equal(
        link.fix,
        'npx booking-infra resume dev (it wakes the link and waits until it is AVAILABLE), or send any request to https://api-dev.lichnails.co.uk/',
      );
      assert.deepEqual(fake.wakeRequests, [], 'doctor only reads');
    });

    test("FAILED fails, with AWS's reason and the redeploy that replaces it", async () => {
      const fake = healthy('http-api');
      fake.vpcLink = { status: 'FAILED', message: 'Insufficient free IP addresses in subnet' };
      const link = await linkCheck(fake);
      assert.equal(link.ok, false);
      assert.equal(
        link.detail,
        "the API's VPC link vldev42 is FAILED (Insufficient free IP addresses in subnet): requests to https://api-dev.lichnails.co.uk/ cannot reach the web tasks",
      );
      assert.equal(
        link.fix,
        "remove the cause AWS gives (e.g. no free address in a subnet), then re-create the app stack, which owns the link and holds no data (its services stop meanwhile): npx cdk destroy 'booking-dev/app' && npx cdk deploy 'booking-dev/*'",
      );
    });

    test('before the first deploy with the HTTP API there is no link to check yet', async () => {
      const link = await linkCheck(healthy('alb'));
      assert.equal(link.ok, true);
      assert.equal(link.detail, 'none yet: booking-dev-app is not deployed with the HTTP API (a deploy creates it)');
    });
  });
});
