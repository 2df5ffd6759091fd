import { Duration, RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { releaseTagPrefix } from '../../ops/contracts';

export interface ImageRepositoryProps {
  /** Repository name, e.g. `booking`. */
  readonly repositoryName: string;
  /**
   * Images kept of those no environment released (dev's builds, mostly); older ones expire.
   * Stored images cost 0.10 USD per GB-month in London.
   * @default 30
   */
  readonly keepReleases?: number;
  /**
   * The environments whose released images (tagged `release-<env>-...` by their pipelines) are
   * kept apart from the count above: the newest `keepReleasesPerEnvironment` of each, so the
   * image an environment runs, and those it may roll back to, never expire.
   * @default none
   */
  readonly environments?: readonly string[];
  /**
   * Released images kept per environment (the running one and the rollback window).
   * @default 10
   */
  readonly keepReleasesPerEnvironment?: number;
  /**
   * Environments in other accounts: their account may pull (task execution roles); only their
   * pipeline stack's roles (`<app>-<env>-pipeline-*`: build and record steps) may push and tag.
   * Each role's own policy also names the repository. No charge.
   * @default none
   */
  readonly crossAccountEnvironments?: ReadonlyArray<{ readonly account: string; readonly pipelineRolePrefix: string }>;
}

/**
 * The application image repository, one for every environment: an image is built once and
 * promoted between environments by digest, so prod runs exactly the bytes dev tested. Tags are
 * immutable (a tag always names the same image), images are scanned on push, untagged layers
 * expire after a day; each environment's newest released images are kept, and of the others
 * only the most recent.
 */
export class ImageRepository extends Construct {
  public readonly repository: ecr.Repository;

  constructor(scope: Construct, id: string, props: ImageRepositoryProps) {
    super(scope, id);
    const keepPerEnvironment = props.keepReleasesPerEnvironment ?? 10;
    Tags.of(this).add('module', 'images');
    this.repository = new ecr.Repository(this, 'Repository', {
      repositoryName: props.repositoryName,
      imageScanOnPush: true,
      imageTagMutability: ecr.TagMutability.IMMUTABLE,
      encryption: ecr.RepositoryEncryption.AES_256,
      // Images are the releases environments run: never deleted with the stack.
      removalPolicy: RemovalPolicy.RETAIN,
      // ECR applies the first rule (by priority) whose tag selection an image matches, and no
      // lower rule can expire it: an image with an environment's release tag is only ever
      // expired by that environment's rule, beyond its newest releases.
      lifecycleRules: [
        ...(props.environments ?? []).map((environment, index) => ({
          rulePriority: 1 + index,
          description: `Keep the ${keepPerEnvironment} newest images released to ${environment}`,
          tagStatus: ecr.TagStatus.TAGGED,
          tagPrefixList: [releaseTagPrefix(environment)],
          maxImageCount: keepPerEnvironment,
        })),
        {
          rulePriority: 91,
          description: 'Expire untagged images after a day',
          tagStatus: ecr.TagStatus.UNTAGGED,
          maxImageAge: Duration.days(1),
        },
        {
          rulePriority: 92,
          description: 'Keep the most recent images no environment released',
          tagStatus: ecr.TagStatus.ANY,
          maxImageCount: props.keepReleases ?? 30,
        },
      ],
    });
    const elsewhere = props.crossAccountEnvironments ?? [];
    const accounts = [...new Set(elsewhere.map((env) => env.account))];
    if (accounts.length > 0) {
      this.repository.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'EnvironmentAccountsPull',
          principals: accounts.map((account) => new iam.AccountPrincipal(account)),
          actions: [
            'ecr:BatchCheckLayerAvailability',
            'ecr:BatchGetImage',
            'ecr:GetDownloadUrlForLayer',
            'ecr:DescribeImages',
            'ecr:DescribeImageScanFindings',
          ],
        }),
      );
      // A push names a tag prod may promote, or a release tag the lifecycle keeps: only the
      // environments' own pipeline roles may do it, not any principal of their accounts.
      this.repository.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'EnvironmentPipelinesPush',
          principals: accounts.map((account) => new iam.AccountPrincipal(account)),
          actions: ['ecr:InitiateLayerUpload', 'ecr:UploadLayerPart', 'ecr:CompleteLayerUpload', 'ecr:PutImage'],
          conditions: {
            ArnLike: {
              'aws:PrincipalArn': elsewhere.map(
                (env) => `arn:${Stack.of(this).partition}:iam::${env.account}:role/${env.pipelineRolePrefix}*`,
              ),
            },
          },
        }),
      );
    }
  }
}
