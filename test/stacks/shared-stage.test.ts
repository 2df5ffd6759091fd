import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { Match } from 'aws-cdk-lib/assertions';
import { environmentNamed, findConfigIssues, ingressOf, platformConfig } from '../../src/config';
import { resourcesOfType, synth, type SynthesizedPlatform } from '../helpers';

describe('DNS, TLS and the image repository', () => {
  let platform: SynthesizedPlatform;
  let adopted: SynthesizedPlatform;
  before(() => {
    platform = synth();
    adopted = synth({
      shared: {
        ...platformConfig.shared,
        hostedZone: { mode: 'adopt', id: 'Z0123456789ABCDEFGHIJ', existingRecords: 'manage' },
      },
      environments: [environmentNamed(platformConfig, 'dev')],
    });
  });

  test('the shared zone is created for the domain, kept on deletion, and its name servers are an output', () => {
    const json = platform.json('shared', 'dns');
    const zones = resourcesOfType(json, 'AWS::Route53::HostedZone');
    assert.equal(zones.length, 1);
    assert.equal(zones[0][1].Properties.Name, 'lichnails.co.uk.');
    assert.equal(zones[0][1].DeletionPolicy, 'Retain');
    const outputs = Object.values(json.Outputs as Record<string, any>);
    assert.ok(outputs.some((o) => JSON.stringify(o.Value).includes('NameServers')));
    assert.equal(platform.artifact('shared', 'dns').terminationProtection, true);
  });

  test('an adopted zone is used by id: no zone is created, the id is handed to the environments', () => {
    const json = adopted.json('shared', 'dns');
    assert.equal(resourcesOfType(json, 'AWS::Route53::HostedZone').length, 0);
    const [, parameter] = resourcesOfType(json, 'AWS::SSM::Parameter')[0];
    assert.equal(parameter.Properties.Name, '/booking/shared/hosted-zone-id');
    assert.equal(parameter.Properties.Value, 'Z0123456789ABCDEFGHIJ');
    const [, cname] = resourcesOfType(json, 'AWS::Route53::RecordSet').find(([, r]) => r.Properties.Type === 'CNAME')!;
    assert.equal(cname.Properties.HostedZoneId, 'Z0123456789ABCDEFGHIJ');
  });

  test('the Vercel frontend CNAME and the CAA records come from config', () => {
    const template = platform.template('shared', 'dns');
    template.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'usa-berko.lichnails.co.uk.',
      Type: 'CNAME',
      ResourceRecords: ['cname.vercel-dns.com'],
    });
    template.hasResourceProperties('AWS::Route53::RecordSet', {
      Name: 'lichnails.co.uk.',
      Type: 'CAA',
      ResourceRecords: ['0 issue "amazon.com"', '0 issue "letsencrypt.org"'],
    });
  });

  for (const envName of ['dev', 'prod']) {
    const env = environmentNamed(platformConfig, envName);

    const behindAlb = ingressOf(env).kind === 'alb';
    const door = behindAlb ? 'the HTTPS listener' : "the HTTP API's custom domain";
    test(`${envName}: certificate for ${env.apiHost} validated by DNS in the shared zone, on ${door}`, () => {
      const json = platform.json(envName, 'app');
      const [certId, cert] = resourcesOfType(json, 'AWS::CertificateManager::Certificate')[0];
      assert.equal(cert.Properties.DomainName, env.apiHost);
      assert.equal(cert.Properties.ValidationMethod, 'DNS');
      const zoneId = cert.Properties.DomainValidationOptions[0].HostedZoneId;
      assert.equal(cert.Properties.DomainValidationOptions[0].DomainName, env.apiHost);
      // The zone id is a deploy-time SSM parameter published by the shared stack.
      const parameter = json.Parameters[zoneId.Ref];
      assert.equal(parameter.Type, 'AWS::SSM::Parameter::Value<String>');
      assert.equal(parameter.Default, '/booking/shared/hosted-zone-id');
      if (behindAlb) {
        platform.template(envName, 'app').hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
          Port: 443,
          Certificates: [{ CertificateArn: { Ref: certId } }],
        });
      } else {
        platform.template(envName, 'app').hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
          DomainName: env.apiHost,
          DomainNameConfigurations: [Match.objectLike({ CertificateArn: { Ref: certId }, EndpointType: 'REGIONAL' })],
        });
      }
    });

    test(`${envName}: ${env.apiHost} is an alias of ${behindAlb ? 'the load balancer' : "the HTTP API's regional domain"}`, () => {
      const json = platform.json(envName, 'app');
      if (!behindAlb) {
        const [domainId] = resourcesOfType(json, 'AWS::ApiGatewayV2::DomainName')[0];
        platform.template(envName, 'app').hasResourceProperties('AWS::Route53::RecordSet', {
          Name: `${env.apiHost}.`,
          Type: 'A',
          AliasTarget: {
            DNSName: { 'Fn::GetAtt': [domainId, 'RegionalDomainName'] },
            HostedZoneId: { 'Fn::GetAtt': [domainId, 'RegionalHostedZoneId'] },
          },
        });
        return;
      }
      const [lbId] = resourcesOfType(json, 'AWS::ElasticLoadBalancingV2::LoadBalancer')[0];
      platform.template(envName, 'app').hasResourceProperties('AWS::Route53::RecordSet', {
        Name: `${env.apiHost}.`,
        Type: 'A',
        AliasTarget: Match.objectLike({
          DNSName: Match.objectLike({
            'Fn::Join': Match.arrayWith([Match.arrayWith([{ 'Fn::GetAtt': [lbId, 'DNSName'] }])]),
          }),
        }),
      });
    });
  }

  test('image repository: scan on push, immutable tags, each environment keeps its releases, untagged images expire after a day', () => {
    const json = platform.json('shared', 'images');
    const [, repo] = resourcesOfType(json, 'AWS::ECR::Repository')[0];
    assert.equal(repo.Properties.RepositoryName, 'booking');
    assert.deepEqual(repo.Properties.ImageScanningConfiguration, { ScanOnPush: true });
    assert.equal(repo.Properties.ImageTagMutability, 'IMMUTABLE');
    assert.equal(repo.DeletionPolicy, 'Retain');
    const rules = JSON.parse(repo.Properties.LifecyclePolicy.LifecyclePolicyText).rules;
    assert.deepEqual(
      rules.map((r: any) => [
        r.rulePriority,
        r.selection.tagStatus,
        r.selection.tagPrefixList,
        r.selection.countType,
        r.selection.countNumber,
      ]),
      [
        // ECR applies the first rule whose tags an image matches: a released image is only
        // expired by its environment's rule, beyond the 10 newest, never by the last rule.
        [1, 'tagged', ['release-dev-'], 'imageCountMoreThan', 10],
        [2, 'tagged', ['release-prod-'], 'imageCountMoreThan', 10],
        [91, 'untagged', undefined, 'sinceImagePushed', 1],
        [92, 'any', undefined, 'imageCountMoreThan', 30],
      ],
    );
  });

  test('bad DNS config fails with a clear message', () => {
    const badZone = findConfigIssues({
      ...platformConfig,
      shared: { ...platformConfig.shared, hostedZone: { mode: 'adopt', id: 'zone-1' } },
    });
    assert.deepEqual(badZone, [
      {
        field: 'shared.hostedZone.id',
        message: '"zone-1" is not a Route 53 hosted zone id (e.g. "Z0123456789ABCDEFGHIJ")',
      },
    ]);
  });
});
