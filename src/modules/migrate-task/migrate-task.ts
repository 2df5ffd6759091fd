import { Tags } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { acknowledgeTaskFindings, AppTask, type AppRuntime, type DatabaseCredentials } from '../app-task/app-task';

export interface MigrateTaskProps {
  /** Image, environment, secrets, database and log retention, shared with web and worker. */
  readonly runtime: AppRuntime;
  /** The container command (`compute.migrateCommand`), e.g. `manage.py migrate`. */
  readonly command: readonly string[];
  /**
   * Task CPU units (256 = 0.25 vCPU); a Fargate size with `memoryMiB`. Billed only while a
   * migration runs: 0.03725 USD per vCPU-hour on arm64 in London (x86_64: 0.04656).
   */
  readonly cpu: number;
  /**
   * Task memory in MiB. Billed only while a migration runs: 0.00409 USD per GB-hour on arm64 in
   * London (x86_64: 0.00511).
   */
  readonly memoryMiB: number;
  /** Log group name prefix, e.g. `/booking/dev`: logs go to `<prefix>/migrate`, the family is `booking-dev-migrate`. */
  readonly logPrefix: string;
  /** The worker's task role: same image and secrets, and the pipeline passes exactly four roles. */
  readonly taskRole: iam.IRole;
  /** The worker's execution role (pulls the image, reads the secrets), for the same reason. */
  readonly executionRole: iam.IRole;
  /** The credentials migrations run with: the owner of the schema's tables. */
  readonly databaseCredentials: DatabaseCredentials;
}

/**
 * The one-off `migrate` task: the same image running `manage.py migrate`, connected straight to
 * the database (schema changes need session-level locks that transaction pooling would break).
 * The pipeline runs it before every deploy; an operator can run it by hand.
 */
export class MigrateTask extends Construct {
  public readonly task: AppTask;

  constructor(scope: Construct, id: string, props: MigrateTaskProps) {
    super(scope, id);
    Tags.of(this).add('module', 'migrate-task');
    this.task = new AppTask(this, 'Task', {
      runtime: props.runtime,
      role: 'migrate',
      logPrefix: props.logPrefix,
      cpu: props.cpu,
      memoryMiB: props.memoryMiB,
      command: props.command,
      withPgBouncer: false,
      taskRole: props.taskRole,
      executionRole: props.executionRole,
      databaseCredentials: props.databaseCredentials,
    });
    acknowledgeTaskFindings(this.task);
  }
}
