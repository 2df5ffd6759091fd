import { Duration, RemovalPolicy, Tags } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

export interface ImageRepositoryProps {
  /** Repository name, e.g. `booking`. */
  readonly repositoryName: string;
  /**
   * Tagged images kept; older ones expire. Each environment runs one of the recent releases.
   * Stored images cost 0.10 USD per GB-month in London.
   * @default 30
   */
  readonly keepReleases?: number;
  /**
   * Other accounts whose environments pull images (task execution roles) and whose pipelines
   * promote or push them (build roles): the repository's policy allows these accounts, and each
   * account's own IAM policies name the roles (no charge).
   * @default none
   */
  readonly environmentAccounts?: readonly string[];
}

/**
 * The application image repository, one for every environment: an image is built once and
 * promoted between environments by digest, so prod runs exactly the bytes dev tested. Tags are
 * immutable (a tag always names the same image), images are scanned on push, untagged layers
 * expire after a day and only the last releases are kept.
 */
export class ImageRepository extends Construct {
  public readonly repository: ecr.Repository;

  constructor(scope: Construct, id: string, props: ImageRepositoryProps) {
    super(scope, id);
    Tags.of(this).add('module', 'images');
    this.repository = new ecr.Repository(this, 'Repository', {
      repositoryName: props.repositoryName,
      imageScanOnPush: true,
      imageTagMutability: ecr.TagMutability.IMMUTABLE,
      encryption: ecr.RepositoryEncryption.AES_256,
      // Images are the releases environments run: never deleted with the stack.
      removalPolicy: RemovalPolicy.RETAIN,
      lifecycleRules: [
        {
          rulePriority: 1,
          description: 'Expire untagged images after a day',
          tagStatus: ecr.TagStatus.UNTAGGED,
          maxImageAge: Duration.days(1),
        },
        {
          rulePriority: 2,
          description: 'Keep the most recent releases',
          tagStatus: ecr.TagStatus.ANY,
          maxImageCount: props.keepReleases ?? 30,
        },
      ],
    });
    const accounts = props.environmentAccounts ?? [];
    if (accounts.length > 0) {
      this.repository.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'EnvironmentAccountsPullAndPush',
          principals: accounts.map((account) => new iam.AccountPrincipal(account)),
          actions: [
            'ecr:BatchCheckLayerAvailability',
            'ecr:BatchGetImage',
            'ecr:GetDownloadUrlForLayer',
            'ecr:DescribeImages',
            'ecr:InitiateLayerUpload',
            'ecr:UploadLayerPart',
            'ecr:CompleteLayerUpload',
            'ecr:PutImage',
          ],
        }),
      );
    }
  }
}
