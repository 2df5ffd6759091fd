import { Stack } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import type { Construct } from 'constructs';

/** The application image repository as an environment's stack refers to it. */
export interface SharedRepositoryReference {
  readonly repository: ecr.IRepository;
  /** `<account>.dkr.ecr.<region>.<suffix>/<name>`: what images are pushed to and pulled from. */
  readonly uri: string;
  /** `<account>.dkr.ecr.<region>.<suffix>`: the registry `docker login` signs in to. */
  readonly registry: string;
}

/**
 * The shared image repository from a stack in the same region: by name when the stack is in the
 * repository's account, by its ARN in `account` otherwise (pulls and pushes from another account
 * are allowed by the repository's policy, see ImageRepository). Grants made on it name the
 * repository's ARN either way.
 */
export function sharedImageRepository(
  scope: Construct,
  id: string,
  name: string,
  account: string,
): SharedRepositoryReference {
  const stack = Stack.of(scope);
  const registry = `${account}.dkr.ecr.${stack.region}.amazonaws.com`;
  if (account === stack.account) {
    const repository = ecr.Repository.fromRepositoryName(scope, id, name);
    return { repository, uri: repository.repositoryUri, registry };
  }
  const repository = ecr.Repository.fromRepositoryAttributes(scope, id, {
    repositoryName: name,
    repositoryArn: stack.formatArn({ service: 'ecr', account, resource: 'repository', resourceName: name }),
  });
  return { repository, uri: `${account}.dkr.ecr.${stack.region}.${stack.urlSuffix}/${name}`, registry };
}
