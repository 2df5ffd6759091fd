import { App, CfnResource, Duration, RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { maxConnectionsFor } from '../../config/aws-catalog';
import { KEPT_AS_SNAPSHOT_TAG } from '../../cost/rules/context';
import { acknowledge } from '../../quality/acknowledge';
import { DATABASE_PORT } from '../networking/networking';

/**
 * The engine version of a `major.minor` string (`database.engineVersion`, validated): a full
 * version RDS accepts for new instances (a bare major such as "18" is refused for new instances);
 * minor upgrades after it arrive in the maintenance window (autoMinorVersionUpgrade).
 */
export function postgresVersion(engineVersion: string): rds.PostgresEngineVersion {
  return rds.PostgresEngineVersion.of(engineVersion, engineVersion.split('.')[0]);
}

export { maxConnectionsFor };

export interface DatabaseProps {
  /** The environment's VPC. */
  readonly vpc: ec2.IVpc;
  /** Isolated subnets: no route to or from the internet. */
  readonly subnets: ec2.SubnetSelection;
  /** The security group that admits only the tasks (made by the networking module). */
  readonly securityGroup: ec2.ISecurityGroup;
  /** Fixed identifier, e.g. `booking-dev`; also names the log groups. */
  readonly identifier: string;
  /** PostgreSQL `major.minor` new instances get, e.g. `18.6` (`database.engineVersion`). */
  readonly engineVersion: string;
  /**
   * Create the instance from this snapshot (its data, users and encryption) with a new generated
   * password for the snapshot's master user, instead of an empty database. Changing or removing
   * it later REPLACES the instance. Snapshot storage beyond the free backup allowance costs 0.10
   * USD per GB-month; a restore takes ~10-30 minutes for a small database.
   * @default an empty database with the master user `booking_admin`
   */
  readonly restoreFromSnapshot?: { readonly snapshotIdentifier: string; readonly masterUsername: string };
  /**
   * The data is kept as a snapshot while the environment is minimal (`database.whileMinimal:
   * 'snapshot'`): the master secret is made apart from the instance, so it outlives the instance
   * (its logical id stays the one a generated secret has, so turning this on replaces nothing),
   * and `keptAsSnapshot` / `restoredFromMinimalSnapshot` may be used.
   * @default false
   */
  readonly snapshotWhileMinimal?: boolean;
  /**
   * No instance: the minimal deploy of an environment whose data `booking-infra minimal` kept as
   * a snapshot. The secrets and log groups stay; CloudFormation deletes the instance (with a final
   * snapshot where the removal policy says so) and its parameter and subnet groups, which the
   * restore makes again. Needs `snapshotWhileMinimal`.
   * @default false
   */
  readonly keptAsSnapshot?: boolean;
  /**
   * Create the instance from this snapshot, the one `booking-infra minimal` took of this same
   * database: its data, users, passwords and encryption come back as they were (the master secret
   * is unchanged). Changing it while the instance exists replaces the instance (the data stack's
   * gate refuses that). Needs `snapshotWhileMinimal`; wins over `restoreFromSnapshot`'s snapshot.
   * @default none
   */
  readonly restoredFromMinimalSnapshot?: string;
  /**
   * RDS class, e.g. `db.t4g.micro`: 0.018 USD/hour Single-AZ in London (13.14 USD/month while
   * running; nothing while stopped); `db.t4g.small` 0.036 USD/hour (26.28 USD/month).
   */
  readonly instanceClass: string;
  /**
   * A standby in a second AZ: doubles the instance and storage price (db.t4g.micro 26.28 instead
   * of 13.14 USD/month; gp3 0.266 instead of 0.133 USD per GB-month).
   */
  readonly multiAz: boolean;
  /**
   * Initial gp3 storage in GiB (20 is RDS's minimum for gp3): 0.133 USD per GB-month Single-AZ in
   * London, so 20 GiB is 2.66 USD/month, billed while the instance is stopped too.
   */
  readonly allocatedStorageGiB: number;
  /**
   * Storage-autoscaling ceiling in GiB: storage grows to it on demand, is billed as it grows
   * (0.133 USD per GB-month Single-AZ) and never shrinks.
   */
  readonly maxAllocatedStorageGiB: number;
  /**
   * Days of automated backups (1-35). Backup storage up to the provisioned storage is free;
   * beyond it 0.10 USD per GB-month.
   */
  readonly backupRetentionDays: number;
  /**
   * Deletion protection and RETAIN on stack deletion (the master secret too); otherwise a final
   * snapshot is kept and the secret deleted.
   */
  readonly protect: boolean;
  /**
   * Days CloudWatch Logs keeps the exported PostgreSQL logs (a value it accepts). Stored logs cost
   * 0.0315 USD per GB-month, ingestion 0.5985 USD per GB.
   */
  readonly logRetentionDays: number;
  /**
   * The database the application uses.
   * @default 'booking'
   */
  readonly databaseName?: string;
  /**
   * Statements slower than this are logged (log_min_duration_statement).
   * @default 500 ms
   */
  readonly slowQueryThreshold?: Duration;
  /**
   * The login roles the application uses (created in the database by the roles task, see
   * docker/db-roles): the migration owner and the application (web and worker).
   */
  readonly roleNames: DatabaseRoleNames;
  /**
   * Rotate the three secrets every `everyDays` days with Secrets Manager's hosted rotation
   * functions (`database.credentialRotation`), run in `subnets` with `securityGroup`, which must
   * reach the database and the Secrets Manager API (NAT or an endpoint: see `Networking`).
   * @default no rotation
   */
  readonly rotation?: {
    readonly everyDays: number;
    readonly subnets: ec2.SubnetSelection;
    readonly securityGroup: ec2.ISecurityGroup;
  };
}

/** The database's login roles besides the master. */
export interface DatabaseRoleNames {
  /** Runs migrations and owns the schema's tables, e.g. `booking_owner`. */
  readonly owner: string;
  /** The application's data-only role, e.g. `booking_app` (rotation alternates with `<name>_clone`). */
  readonly application: string;
}

/** The login role names of an application, e.g. `booking_owner` and `booking_app` for `booking`. */
export function databaseRoleNames(appName: string): DatabaseRoleNames {
  const base = appName.replace(/-/g, '_');
  return { owner: `${base}_owner`, application: `${base}_app` };
}

/**
 * The logical id CloudFormation would know `make(...)`'s resource by, were it made at
 * `<scope>/<path...>` (the last part its id): made in a throwaway tree mirroring the scope's path,
 * so the CDK's own rules (including a construct's own override, as DatabaseSecret's) decide. A
 * construct made elsewhere in the tree keeps the id of the resource it takes over.
 */
export function logicalIdAt(
  scope: Construct,
  path: readonly string[],
  make: (parent: Construct, id: string) => Construct = (parent, id) =>
    new CfnResource(new Construct(parent, id), 'Resource', { type: 'Probe::Probe' }),
): string {
  const stack = Stack.of(scope);
  let at: Construct = new App({ autoSynth: false });
  for (const part of scope.node.scopes.slice(1)) {
    at = part === stack ? new Stack(at, part.node.id) : new Construct(at, part.node.id);
  }
  for (const id of path.slice(0, -1)) at = new Construct(at, id);
  const made = make(at, path[path.length - 1]);
  const resource = made instanceof CfnResource ? made : (made.node.findChild('Resource') as CfnResource);
  return Stack.of(resource).resolve(resource.logicalId) as string;
}

/**
 * The seed's RDS module: PostgreSQL in isolated subnets, encrypted, TLS-only, with generated
 * master credentials in Secrets Manager, backups at UK night and logs in CloudWatch. Empty, or
 * restored from a snapshot of another database (the Terraform platform's) with the same settings.
 */
export class Database extends Construct {
  /**
   * A `DatabaseInstance`, or a `DatabaseInstanceFromSnapshot` when restored from a snapshot; none
   * while the data is kept as a snapshot (`keptAsSnapshot`).
   */
  public readonly instance?: rds.DatabaseInstanceBase;
  /** The snapshot the instance is created from (its `DBSnapshotIdentifier`), '' for an empty one. */
  public readonly createdFrom: string;
  /** `<identifier>`, the instance's RDS identifier (also while there is no instance). */
  public readonly identifier: string;
  /** Master credentials (JSON: username, password, host, port, dbname): administration only. */
  public readonly secret: secretsmanager.ISecret;
  /** The migration owner's credentials (same JSON), for the migrate task. */
  public readonly ownerSecret: secretsmanager.ISecret;
  /** The application's credentials (same JSON plus `masterarn`), for web, worker and PgBouncer. */
  public readonly applicationSecret: secretsmanager.ISecret;
  public readonly roleNames: DatabaseRoleNames;
  /** The application secret's name, as Secrets Manager's events carry it. */
  public readonly applicationSecretName: string;
  public readonly databaseName: string;
  /** The `max_connections` the instance runs with, set explicitly in its parameter group. */
  public readonly maxConnections: number;
  public readonly port = DATABASE_PORT;

  /** The instance, for what needs one (the tasks): fails naming `what` while kept as a snapshot. */
  public requireInstance(what: string): rds.DatabaseInstanceBase {
    if (!this.instance) {
      throw new Error(`${what} needs the database instance, which is kept as a snapshot in this structure (minimal)`);
    }
    return this.instance;
  }

  constructor(scope: Construct, id: string, props: DatabaseProps) {
    super(scope, id);
    Tags.of(this).add('module', 'database');
    this.databaseName = props.databaseName ?? 'booking';
    this.maxConnections = maxConnectionsFor(props.instanceClass);
    const engine = rds.DatabaseInstanceEngine.postgres({ version: postgresVersion(props.engineVersion) });

    const parameterGroup = new rds.ParameterGroup(this, 'Parameters', {
      engine,
      description: `${props.identifier}: TLS only, slow-query log, explicit max_connections`,
      parameters: {
        'rds.force_ssl': '1',
        log_min_duration_statement: String((props.slowQueryThreshold ?? Duration.millis(500)).toMilliseconds()),
        // Set to the value RDS would derive from the class's memory, so that the PgBouncer pools
        // are checked against the number the server really enforces.
        max_connections: String(this.maxConnections),
      },
    });

    // RDS writes to these names; creating them first gives them a retention without the CDK's
    // log-retention Lambda.
    const logGroups = ['postgresql', 'upgrade'].map(
      (kind) =>
        new logs.LogGroup(this, `${kind}Logs`, {
          logGroupName: `/aws/rds/instance/${props.identifier}/${kind}`,
          retention: props.logRetentionDays as logs.RetentionDays,
          removalPolicy: props.protect ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
        }),
    );

    // Everything but the credentials and the initial data is the same whether the instance starts
    // empty or from a snapshot, so a restored database is the same database to everything else.
    const common: rds.DatabaseInstanceSourceProps = {
      engine,
      instanceIdentifier: props.identifier,
      instanceType: new ec2.InstanceType(props.instanceClass.replace(/^db\./, '')),
      vpc: props.vpc,
      vpcSubnets: props.subnets,
      securityGroups: [props.securityGroup],
      publiclyAccessible: false,
      multiAz: props.multiAz,
      port: DATABASE_PORT,
      parameterGroup,
      storageType: rds.StorageType.GP3,
      allocatedStorage: props.allocatedStorageGiB,
      maxAllocatedStorage: props.maxAllocatedStorageGiB,
      iamAuthentication: true,
      backupRetention: Duration.days(props.backupRetentionDays),
      // UK night (UTC; 01:00-02:30 in London all year round).
      preferredBackupWindow: '01:00-01:30',
      preferredMaintenanceWindow: 'sun:01:45-sun:02:30',
      autoMinorVersionUpgrade: true,
      allowMajorVersionUpgrade: false,
      copyTagsToSnapshot: true,
      deleteAutomatedBackups: !props.protect,
      cloudwatchLogsExports: ['postgresql', 'upgrade'],
      // The free tier: 7 days of Performance Insights (Database Insights standard mode).
      enablePerformanceInsights: true,
      performanceInsightRetention: rds.PerformanceInsightRetention.DEFAULT,
      deletionProtection: props.protect,
      removalPolicy: props.protect ? RemovalPolicy.RETAIN : RemovalPolicy.SNAPSHOT,
    };
    const secretName = `${props.identifier}/database/master`;
    this.identifier = props.identifier;
    const restore = props.restoreFromSnapshot;
    if ((props.keptAsSnapshot || props.restoredFromMinimalSnapshot) && !props.snapshotWhileMinimal) {
      throw new Error('Database: keptAsSnapshot and restoredFromMinimalSnapshot need snapshotWhileMinimal');
    }
    // The snapshot the instance comes from: the minimal cycle's, else another database's.
    this.createdFrom = props.restoredFromMinimalSnapshot ?? restore?.snapshotIdentifier ?? '';
    // The master secret. A restore from another database's snapshot gets a new generated password
    // for the snapshot's master user (what SnapshotCredentials.fromGeneratedSecret does, which
    // cannot name the secret). Kept as a snapshot while minimal, the secret must outlive the
    // instance: made apart from it, with the logical id the instance's generated secret has, so
    // an environment turning `whileMinimal: 'snapshot'` on keeps its secret and password.
    let masterSecret: rds.DatabaseSecret | undefined;
    if (restore || props.snapshotWhileMinimal) {
      // As Credentials.fromGeneratedSecret makes it (replaceOnPasswordCriteriaChanges included).
      const secretProps: rds.DatabaseSecretProps = restore
        ? { username: restore.masterUsername, secretName }
        : { username: 'booking_admin', secretName, replaceOnPasswordCriteriaChanges: true };
      masterSecret = new rds.DatabaseSecret(this, 'MasterSecret', secretProps);
      // No resource is the snapshot keeping the data while minimal: the cost estimator prices it
      // on this secret, which stays.
      if (props.keptAsSnapshot) Tags.of(masterSecret).add(KEPT_AS_SNAPSHOT_TAG, props.identifier);
      if (!restore) {
        (masterSecret.node.defaultChild as CfnResource).overrideLogicalId(
          logicalIdAt(this, ['Instance', 'Secret'], (parent, id) => new rds.DatabaseSecret(parent, id, secretProps)),
        );
      }
    }

    let instance: rds.DatabaseInstance | rds.DatabaseInstanceFromSnapshot | undefined;
    if (props.keptAsSnapshot) {
      instance = undefined;
    } else if (this.createdFrom) {
      // The snapshot keeps its databases (the app's `booking` among them), its master user and its
      // encryption (StorageEncrypted cannot be set on a restore).
      instance = new rds.DatabaseInstanceFromSnapshot(this, 'Instance', {
        ...common,
        snapshotIdentifier: this.createdFrom,
        credentials: rds.SnapshotCredentials.fromSecret(masterSecret!),
      });
      acknowledge(
        instance,
        'AwsSolutions::AwsSolutions-RDS2',
        props.restoredFromMinimalSnapshot
          ? "Restored from the snapshot booking-infra minimal took of this environment's own encrypted instance (database.restoredFromMinimalSnapshot): the restore inherits that encryption, and CloudFormation refuses StorageEncrypted on a restore"
          : 'Restored from a snapshot (database.restoreFromSnapshot), whose encryption the instance inherits: CloudFormation refuses StorageEncrypted on a restore. The migration runbook (README) copies an unencrypted snapshot with a KMS key before restoring it',
      );
    } else {
      instance = new rds.DatabaseInstance(this, 'Instance', {
        ...common,
        databaseName: this.databaseName,
        // The same template either way: the literal user name, the password by dynamic reference.
        credentials: masterSecret
          ? rds.Credentials.fromSecret(masterSecret, 'booking_admin')
          : rds.Credentials.fromGeneratedSecret('booking_admin', { secretName }),
        storageEncrypted: true,
      });
    }
    this.instance = instance;
    if (instance && masterSecret && !restore) {
      // The attachment keeps the logical id it has under a generated secret, too.
      const attachment = masterSecret.node.tryFindChild('Attachment');
      ((attachment as Construct | undefined)?.node.defaultChild as CfnResource | undefined)?.overrideLogicalId(
        logicalIdAt(this, ['Instance', 'Secret', 'Attachment']),
      );
    }
    for (const logGroup of logGroups) this.instance?.node.addDependency(logGroup);
    this.secret = instance?.secret ?? masterSecret!;
    // The master credentials live as long as the data: retained with a protected instance, so a
    // database kept after a stack deletion can still be reached. (`instance.secret` is the
    // attachment; the secret itself is the instance's child, or made apart.)
    (masterSecret ?? (instance!.node.findChild('Secret') as secretsmanager.ISecret)).applyRemovalPolicy(
      props.protect ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    );

    // The roles' credentials: generated by Secrets Manager (never in a template), completed with
    // the instance's host, port and engine, and the master's ARN the multi-user rotation needs.
    this.roleNames = props.roleNames;
    this.applicationSecretName = `${props.identifier}/database/app`;
    const roleSecret = (id: string, username: string, kind: string) => {
      const secret = new rds.DatabaseSecret(this, id, {
        username,
        secretName: `${props.identifier}/database/${kind}`,
        dbname: this.databaseName,
        masterSecret: kind === 'app' ? this.secret : undefined,
      });
      secret.applyRemovalPolicy(props.protect ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY);
      return instance ? secret.attach(instance) : secret;
    };
    this.ownerSecret = roleSecret('OwnerSecret', props.roleNames.owner, 'owner');
    this.applicationSecret = roleSecret('ApplicationSecret', props.roleNames.application, 'app');

    if (props.rotation) {
      const { everyDays, subnets, securityGroup } = props.rotation;
      const network = { vpc: props.vpc, vpcSubnets: subnets, securityGroups: [securityGroup] };
      // Not at once: the owner and application roles exist only after the app stack's roles task
      // (a rotation now would fail and leave AWSPENDING behind, which blocks the next schedule
      // update). The first rotation comes `everyDays` after the deploy.
      const rotate = (secret: secretsmanager.ISecret, id: string, hostedRotation: secretsmanager.HostedRotation) =>
        secret.addRotationSchedule(id, {
          hostedRotation,
          automaticallyAfter: Duration.days(everyDays),
          rotateImmediatelyOnUpdate: false,
        });
      // The master and the owner change their own password (single user): nothing holds them
      // for long (the roles task and the migrate task read them when they start).
      rotate(
        this.secret,
        'MasterRotation',
        secretsmanager.HostedRotation.postgreSqlSingleUser({
          ...network,
          functionName: `${props.identifier}-rotate-master`,
        }),
      );
      rotate(
        this.ownerSecret,
        'OwnerRotation',
        secretsmanager.HostedRotation.postgreSqlSingleUser({
          ...network,
          functionName: `${props.identifier}-rotate-owner`,
        }),
      );
      // The application alternates between two users, so the credentials its running tasks hold
      // stay valid for a whole period while the tasks are replaced (see DatabaseAccess).
      rotate(
        this.applicationSecret,
        'ApplicationRotation',
        secretsmanager.HostedRotation.postgreSqlMultiUser({
          ...network,
          masterSecret: this.secret,
          functionName: `${props.identifier}-rotate-app`,
        }),
      );
    } else {
      for (const id of ['OwnerSecret', 'ApplicationSecret']) {
        acknowledge(
          this.node.findChild(id),
          'AwsSolutions::AwsSolutions-SMG4',
          'Rotation is off by config (database.credentialRotation) in this environment, which has no NAT gateway: the rotation functions would need a Secrets Manager endpoint (16.06 USD/month). Production rotates every 30 days',
        );
      }
    }

    if (!props.rotation) {
      // On the secret made apart, or on the instance whose child `Instance/Secret` it is.
      acknowledge(
        masterSecret ?? this.instance!,
        'AwsSolutions::AwsSolutions-SMG4',
        'Rotation is off by config (database.credentialRotation) in this environment, which has no NAT gateway: the rotation functions would need a Secrets Manager endpoint (16.06 USD/month). Only the roles task uses the master credentials',
      );
    }
    if (!this.instance) return;
    acknowledge(
      this.instance,
      'AwsSolutions::AwsSolutions-RDS11',
      'PostgreSQL keeps its standard port 5432: the instance is in isolated subnets behind a security group that admits only the tasks, and a non-standard port would hide nothing while breaking tools that expect 5432',
    );
    if (!props.multiAz) {
      acknowledge(
        this.instance,
        'AwsSolutions::AwsSolutions-RDS3',
        'Single-AZ by config (database.multiAz) in this non-production environment: a standby would double the instance and storage price',
      );
    }
    if (!props.protect) {
      acknowledge(
        this.instance,
        'AwsSolutions::AwsSolutions-RDS10',
        'Deletion protection is off by config (deletionProtection) in this non-production environment so it can be torn down; a final snapshot is kept on delete',
      );
    }
  }
}
