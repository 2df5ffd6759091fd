import { APP_CONTAINER_NAME } from '../../ops/contracts';
/**
 * The pipeline's build specifications, as data so the tests can read them. Each runs on an
 * AWS-provided CodeBuild image with the AWS CLI, Docker and jq.
 */

/** Container name of the application in every task definition. */
/** The application container every task definition names (its image is what a release changes). */
export const APP_CONTAINER = APP_CONTAINER_NAME;

/**
 * Build: one image per commit, tagged with the commit, pushed once. When the tag exists (another
 * environment built this commit) the image is promoted by digest, not rebuilt, and with
 * PROMOTE_FROM set (`release-<env>-`) only if that environment released it. With SCAN_GATE
 * (`critical` or `high`) the release stops on scan findings of that severity or worse. Both
 * image definitions files name the same `<repository>@sha256:<digest>`, so web and worker run the
 * same bytes; the digest is exported as IMAGE for the migrate and record steps.
 */
export function buildSpec(): Record<string, unknown> {
  const ecr = 'aws ecr --registry-id "$REGISTRY_ID" --repository-name "$REPOSITORY_NAME"';
  return {
    version: '0.2',
    env: { 'exported-variables': ['IMAGE'] },
    phases: {
      pre_build: {
        commands: [
          'aws ecr get-login-password --region "$AWS_REGION" | docker login --username AWS --password-stdin "$REGISTRY"',
          'TAG=$(echo "$CODEBUILD_RESOLVED_SOURCE_VERSION" | cut -c1-12)',
        ],
      },
      build: {
        commands: [
          `DIGEST=$(aws ecr describe-images --registry-id "$REGISTRY_ID" --repository-name "$REPOSITORY_NAME" --image-ids imageTag="$TAG" --query "imageDetails[0].imageDigest" --output text 2>/dev/null || true)`,
          [
            'if [ -n "$DIGEST" ] && [ "$DIGEST" != "None" ]; then',
            '  echo "Image $TAG exists: promoting $DIGEST";',
            '  if [ -n "$PROMOTE_FROM" ]; then',
            `    RELEASED=$(aws ecr describe-images --registry-id "$REGISTRY_ID" --repository-name "$REPOSITORY_NAME" --image-ids imageDigest="$DIGEST" --query "length(imageDetails[0].imageTags[?starts_with(@, '$PROMOTE_FROM')])" --output text);`,
            '    UPSTREAM=${PROMOTE_FROM#release-}; UPSTREAM=${UPSTREAM%-};',
            '    if [ "$RELEASED" = "0" ]; then echo "Image $TAG ($DIGEST) exists but $UPSTREAM never released it: release it to $UPSTREAM first (pipeline.promoteFrom)"; exit 1; fi;',
            '  fi;',
            'else',
            '  docker build --tag "$REPOSITORY_URI:$TAG" . && docker push "$REPOSITORY_URI:$TAG";',
            '  DIGEST=$(aws ecr describe-images --registry-id "$REGISTRY_ID" --repository-name "$REPOSITORY_NAME" --image-ids imageTag="$TAG" --query "imageDetails[0].imageDigest" --output text);',
            'fi',
          ].join('\n'),
          [
            'if [ "$SCAN_GATE" != "off" ]; then',
            `  ${ecr.replace('aws ecr', 'aws ecr wait image-scan-complete')} --image-id imageDigest="$DIGEST";`,
            `  COUNTS=$(${ecr.replace('aws ecr', 'aws ecr describe-image-scan-findings')} --image-id imageDigest="$DIGEST" --query imageScanFindings.findingSeverityCounts --output json);`,
            '  CRITICAL=$(echo "$COUNTS" | jq ".CRITICAL // 0"); HIGH=$(echo "$COUNTS" | jq ".HIGH // 0");',
            '  echo "Scan findings of $DIGEST: $COUNTS";',
            '  if [ "$CRITICAL" -gt 0 ] || { [ "$SCAN_GATE" = "high" ] && [ "$HIGH" -gt 0 ]; }; then echo "Release stopped: scan findings at or above $SCAN_GATE (pipeline.scanGate)"; exit 1; fi;',
            'fi',
          ].join('\n'),
          'IMAGE="$REPOSITORY_URI@$DIGEST"',
          `printf '[{"name":"${APP_CONTAINER}","imageUri":"%s"}]' "$IMAGE" > imagedefinitions-web.json`,
          `printf '[{"name":"${APP_CONTAINER}","imageUri":"%s"}]' "$IMAGE" > imagedefinitions-worker.json`,
          'cat imagedefinitions-web.json',
        ],
      },
    },
    artifacts: { files: ['imagedefinitions-web.json', 'imagedefinitions-worker.json'] },
    cache: { paths: [] },
  };
}

/**
 * Migrate: registers a revision of the migrate task definition on the new image, runs it once in
 * the worker's subnets and security group, waits, and fails the pipeline unless the container
 * exited 0, before any service changes.
 */
export function migrateSpec(): Record<string, unknown> {
  return {
    version: '0.2',
    phases: {
      build: {
        commands: [
          'CURRENT=$(aws ecs describe-task-definition --task-definition "$MIGRATE_FAMILY" --query taskDefinition)',
          `NEXT=$(echo "$CURRENT" | jq --arg image "$IMAGE" '.containerDefinitions |= map(if .name == "${APP_CONTAINER}" then .image = $image else . end) | {family, taskRoleArn, executionRoleArn, networkMode, containerDefinitions, volumes, requiresCompatibilities, cpu, memory, runtimePlatform}')`,
          'REVISION=$(aws ecs register-task-definition --cli-input-json "$NEXT" --query taskDefinition.taskDefinitionArn --output text)',
          'TASK=$(aws ecs run-task --cluster "$CLUSTER" --task-definition "$REVISION" --launch-type FARGATE --started-by pipeline-migrate --network-configuration "awsvpcConfiguration={subnets=[$SUBNETS],securityGroups=[$SECURITY_GROUP],assignPublicIp=$ASSIGN_PUBLIC_IP}" --query "tasks[0].taskArn" --output text)',
          'echo "Migrating with $IMAGE in $TASK"',
          'aws ecs wait tasks-stopped --cluster "$CLUSTER" --tasks "$TASK"',
          `EXIT=$(aws ecs describe-tasks --cluster "$CLUSTER" --tasks "$TASK" --query "tasks[0].containers[?name=='${APP_CONTAINER}'].exitCode | [0]" --output text)`,
          'echo "migrate exited with $EXIT"',
          'test "$EXIT" = "0"',
        ],
      },
    },
  };
}

/**
 * Record: after both deploys succeed, the image gets this environment's release tag (a new tag on
 * the same manifest, which immutable tags allow) so the repository keeps it, then becomes what
 * `cdk deploy` uses.
 */
export function recordSpec(): Record<string, unknown> {
  return {
    version: '0.2',
    phases: {
      build: {
        commands: [
          'DIGEST="${IMAGE#*@}"',
          'TAG="${RELEASE_TAG_PREFIX}$(date -u +%Y%m%dT%H%M%SZ)"',
          'aws ecr batch-get-image --registry-id "$REGISTRY_ID" --repository-name "$REPOSITORY_NAME" --image-ids imageDigest="$DIGEST" --output json > image.json',
          'aws ecr put-image --registry-id "$REGISTRY_ID" --repository-name "$REPOSITORY_NAME" --image-tag "$TAG" --image-digest "$DIGEST" --image-manifest-media-type "$(jq -r \'.images[0].imageManifestMediaType\' image.json)" --image-manifest "$(jq -r \'.images[0].imageManifest\' image.json)"',
          'echo "Tagged $DIGEST as $TAG"',
          'aws ssm put-parameter --name "$RELEASE_PARAMETER" --value "$IMAGE" --type String --overwrite',
        ],
      },
    },
  };
}
