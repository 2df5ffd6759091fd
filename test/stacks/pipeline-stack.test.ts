import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { environmentNamed, findConfigIssues, platformConfig } from '../../src/config';
import { resourcesOfType, synth, type SynthesizedPlatform, withEnvironment } from '../helpers';

function pipelineOf(json: Record<string, any>): any {
  const pipelines = resourcesOfType(json, 'AWS::CodePipeline::Pipeline');
  assert.equal(pipelines.length, 1);
  return pipelines[0][1].Properties;
}

function buildSpecOf(json: Record<string, any>, projectName: string): any {
  const found = resourcesOfType(json, 'AWS::CodeBuild::Project').find(([, p]) => p.Properties.Name === projectName);
  assert.ok(found, projectName);
  return { project: found[1].Properties, spec: JSON.parse(found[1].Properties.Source.BuildSpec) };
}

describe('release pipeline', () => {
  let platform: SynthesizedPlatform;
  before(() => {
    platform = synth();
  });

  for (const envName of ['dev', 'prod']) {
    const env = environmentNamed(platformConfig, envName);

    test(`${envName}: V2 pipeline from GitHub ${env.pipeline.branch}: build, ${env.pipeline.manualApproval ? 'approve, ' : ''}migrate, deploy, record`, () => {
      const pipeline = pipelineOf(platform.json(envName, 'pipeline'));
      assert.equal(pipeline.PipelineType, 'V2');
      assert.deepEqual(
        pipeline.Stages.map((s: any) => s.Name),
        env.pipeline.manualApproval
          ? ['Source', 'Build', 'Approve', 'Migrate', 'Deploy', 'Record']
          : ['Source', 'Build', 'Migrate', 'Deploy', 'Record'],
      );
      const source = pipeline.Stages[0].Actions[0];
      assert.equal(source.ActionTypeId.Provider, 'CodeStarSourceConnection');
      assert.equal(source.Configuration.BranchName, env.pipeline.branch);
      assert.equal(source.Configuration.FullRepositoryId, 'lichnails/booking-backend');
      const json = platform.json(envName, 'pipeline');
      const connection = json.Parameters[source.Configuration.ConnectionArn.Ref];
      assert.equal(connection.Default, '/booking/shared/github-connection-arn');
    });

    test(`${envName}: web and worker deploy in parallel after the migration`, () => {
      const pipeline = pipelineOf(platform.json(envName, 'pipeline'));
      const names = pipeline.Stages.map((s: any) => s.Name);
      assert.ok(names.indexOf('Migrate') < names.indexOf('Deploy'));
      const deploy = pipeline.Stages.find((s: any) => s.Name === 'Deploy');
      assert.deepEqual(
        deploy.Actions.map((a: any) => [a.Name, a.ActionTypeId.Provider, a.RunOrder, a.Configuration.FileName]),
        [
          ['DeployWeb', 'ECS', 1, 'imagedefinitions-web.json'],
          ['DeployWorker', 'ECS', 1, 'imagedefinitions-worker.json'],
        ],
      );
      const migrate = pipeline.Stages.find((s: any) => s.Name === 'Migrate').Actions[0];
      assert.match(
        migrate.Configuration.EnvironmentVariables,
        /"name":"IMAGE","type":"PLAINTEXT","value":"#\{Build.IMAGE\}"/,
      );
    });

    test(`${envName}: the build writes both containers' image definitions from one digest`, () => {
      const { project, spec } = buildSpecOf(platform.json(envName, 'pipeline'), `booking-${envName}-build`);
      assert.equal(project.Environment.PrivilegedMode, true);
      assert.equal(project.Environment.Type, 'ARM_CONTAINER');
      assert.deepEqual(project.Cache, { Modes: ['LOCAL_DOCKER_LAYER_CACHE'], Type: 'LOCAL' });
      const commands: string[] = spec.phases.build.commands;
      assert.ok(commands.includes('IMAGE="$REPOSITORY_URI@$DIGEST"'));
      const definitions = commands.filter((c) => c.startsWith('printf'));
      assert.deepEqual(definitions, [
        `printf '[{"name":"app","imageUri":"%s"}]' "$IMAGE" > imagedefinitions-web.json`,
        `printf '[{"name":"app","imageUri":"%s"}]' "$IMAGE" > imagedefinitions-worker.json`,
      ]);
      assert.deepEqual(spec.env['exported-variables'], ['IMAGE']);
      assert.match(commands.join('\n'), /promoting \$DIGEST/);
    });

    test(`${envName}: the build's promotion and scan gates come from config`, () => {
      const { project } = buildSpecOf(platform.json(envName, 'pipeline'), `booking-${envName}-build`);
      const variables = Object.fromEntries(project.Environment.EnvironmentVariables.map((v: any) => [v.Name, v.Value]));
      // prod promotes only what dev released and stops on critical findings; dev gates nothing.
      assert.equal(variables.PROMOTE_FROM, envName === 'prod' ? 'release-dev-' : '');
      assert.equal(variables.SCAN_GATE, envName === 'prod' ? 'critical' : 'off');
      const reads = resourcesOfType(platform.json(envName, 'pipeline'), 'AWS::IAM::Policy').flatMap(([, policy]) =>
        policy.Properties.PolicyDocument.Statement.filter((s: any) =>
          [s.Action].flat().includes('ecr:DescribeImageScanFindings'),
        ),
      );
      assert.equal(reads.length, 1);
      assert.match(JSON.stringify(reads[0].Resource), /repository\/booking"/);
    });

    test(`${envName}: migration runs the new image and fails the release on a non-zero exit`, () => {
      const { spec } = buildSpecOf(platform.json(envName, 'pipeline'), `booking-${envName}-migrate`);
      const commands: string[] = spec.phases.build.commands;
      assert.ok(commands.some((c) => c.includes('register-task-definition')));
      assert.ok(commands.some((c) => c.includes('aws ecs wait tasks-stopped')));
      assert.equal(commands.at(-1), 'test "$EXIT" = "0"');
    });

    test(`${envName}: iam:PassRole names exactly the four service roles, never "*", and only to ECS`, () => {
      const json = platform.json(envName, 'pipeline');
      const passed = new Set<string>();
      for (const [, policy] of resourcesOfType(json, 'AWS::IAM::Policy')) {
        for (const statement of policy.Properties.PolicyDocument.Statement) {
          if (![statement.Action].flat().includes('iam:PassRole')) continue;
          assert.deepEqual(statement.Condition, {
            StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
          });
          for (const resource of [statement.Resource].flat()) {
            assert.notEqual(resource, '*');
            passed.add(resource['Fn::GetStackOutput'].OutputName);
          }
        }
      }
      const names = [...passed].map((output) =>
        output.replace(/^PublishOutputFnGetAtt/, '').replace(/[0-9A-F]{8}Arn[0-9A-F]{8}$/, ''),
      );
      assert.deepEqual(names.sort(), [
        'WebServiceTaskTaskDefinitionExecutionRole',
        'WebServiceTaskTaskDefinitionTaskRole',
        'WorkerServiceTaskTaskDefinitionExecutionRole',
        'WorkerServiceTaskTaskDefinitionTaskRole',
      ]);
    });

    test(`${envName}: the build pushes and the record step tags, only in the application repository`, () => {
      const json = platform.json(envName, 'pipeline');
      const pushes = resourcesOfType(json, 'AWS::IAM::Policy').flatMap(([, policy]) =>
        policy.Properties.PolicyDocument.Statement.filter((s: any) => [s.Action].flat().includes('ecr:PutImage')),
      );
      assert.equal(pushes.length, 2);
      for (const push of pushes) assert.match(JSON.stringify(push.Resource), /repository\/booking"/);
    });

    test(`${envName}: the record step tags the released digest release-${envName}-<time> before recording it`, () => {
      const project = resourcesOfType(platform.json(envName, 'pipeline'), 'AWS::CodeBuild::Project').find(
        ([, p]) => p.Properties.Name === `booking-${envName}-record`,
      )![1];
      const variables = Object.fromEntries(
        project.Properties.Environment.EnvironmentVariables.map((v: any) => [v.Name, v.Value]),
      );
      assert.equal(variables.RELEASE_TAG_PREFIX, `release-${envName}-`);
      assert.equal(variables.REPOSITORY_NAME, 'booking');
      assert.equal(variables.REGISTRY_ID, '111111111111');
      const commands: string[] = JSON.parse(project.Properties.Source.BuildSpec).phases.build.commands;
      const tag = commands.findIndex((c) => c.startsWith('aws ecr put-image'));
      const record = commands.findIndex((c) => c.startsWith('aws ssm put-parameter'));
      assert.ok(tag >= 0 && tag < record, 'tagged first, so a recorded image is always protected');
      assert.match(commands[tag], /--image-tag "\$TAG" --image-digest "\$DIGEST"/);
    });

    test(`${envName}: failures notify the ops topic`, () => {
      const json = platform.json(envName, 'pipeline');
      const [, rule] = resourcesOfType(json, 'AWS::CodeStarNotifications::NotificationRule')[0];
      assert.ok(rule.Properties.EventTypeIds.includes('codepipeline-pipeline-pipeline-execution-failed'));
      assert.match(JSON.stringify(rule.Properties.Targets), /OpsTopicArn|AlertsTopic/);
    });
  }

  test('prod approval notifies the ops topic before anything touches the database', () => {
    const pipeline = pipelineOf(platform.json('prod', 'pipeline'));
    const approve = pipeline.Stages.find((s: any) => s.Name === 'Approve').Actions[0];
    assert.equal(approve.ActionTypeId.Provider, 'Manual');
    assert.ok(approve.Configuration.NotificationArn);
  });

  test('production without manual approval is refused', () => {
    assert.deepEqual(findConfigIssues(withEnvironment('prod', { pipeline: { manualApproval: false } })), [
      {
        field: 'prod.pipeline.manualApproval',
        message:
          'false is not allowed for a production environment (a person approves each release before it migrates the database)',
      },
    ]);
  });

  test('the GitHub connection is created once per account and handed to the pipelines', () => {
    const json = platform.json('shared', 'source');
    const [, connection] = resourcesOfType(json, 'AWS::CodeStarConnections::Connection')[0];
    assert.deepEqual(connection.Properties, {
      ConnectionName: 'booking-github',
      ProviderType: 'GitHub',
      Tags: connection.Properties.Tags,
    });
    const [, parameter] = resourcesOfType(json, 'AWS::SSM::Parameter')[0];
    assert.equal(parameter.Properties.Name, '/booking/shared/github-connection-arn');
  });
});
