import { RemovalPolicy, Tags } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { STATE_TABLE_KEYS } from '../../ops/contracts';

export interface StateTableProps {
  /** e.g. `booking-dev-ops-state` (contracts.stateTableName). */
  readonly tableName: string;
  /** Keep the table (and refuse its deletion) when the stack is deleted: production. */
  readonly protect: boolean;
}

/**
 * The environment's state record, transition lock and journal: one on-demand DynamoDB table
 * shared by the CLI, the schedule, the guard and deploys. A handful of items and a few hundred
 * requests a month: well under 0.01 USD. Conditional writes make the lock and the record safe
 * against concurrent runs; journal entries expire after a year (TTL).
 */
export class StateTable extends Construct {
  public readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: StateTableProps) {
    super(scope, id);
    Tags.of(this).add('module', 'state-table');
    this.table = new dynamodb.Table(this, 'Table', {
      tableName: props.tableName,
      partitionKey: { name: STATE_TABLE_KEYS.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: STATE_TABLE_KEYS.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: 'expiresAt',
      deletionProtection: props.protect,
      removalPolicy: props.protect ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
  }
}
