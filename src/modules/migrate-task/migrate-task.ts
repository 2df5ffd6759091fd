import { Tags } from 'aws-cdk-lib';
import type * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { acknowledgeTaskFindings, AppTask, type AppRuntime } from '../app-task/app-task';

export interface MigrateTaskProps {
  readonly runtime: AppRuntime;
  readonly command: readonly string[];
  readonly cpu: number;
  readonly memoryMiB: number;
  readonly logPrefix: string;
  /** The worker's roles: same image and secrets, and the pipeline passes exactly four roles. */
  readonly taskRole: iam.IRole;
  readonly executionRole: iam.IRole;
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
    });
    acknowledgeTaskFindings(this.task);
  }
}
