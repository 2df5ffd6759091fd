// The restore drill's verification (the `verify` container of src/modules/backup/restore-drill.ts)
// run as ECS runs it: the container's entrypoint and command from the synthesized task
// definition, PGHOST/PGPORT/PGUSER/PGDATABASE as the drill passes them, PGPASSWORD as its secret,
// against a real PostgreSQL. It must pass only on a database holding applied Django migrations:
// an empty restore, a database without the table, or the wrong password must fail the task.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { RESTORE_DRILL } from '../../src/ops/contracts';
import { resourcesOfType, synth } from '../helpers';
import {
  type CommandResult,
  requireBinary,
  runCommand,
  type Server,
  serverUser,
  startPostgresCluster,
} from './real-processes';

const MASTER = 'booking_admin';
const password = () => randomBytes(12).toString('hex');

describe(
  'restore drill verification (psql in the verify container) against real PostgreSQL',
  { timeout: 180_000 },
  () => {
    const superPassword = password();
    const masterPassword = password();
    let dir: string | undefined;
    let port: number;
    let psqlBinary: string;
    let postgres: Server | undefined;
    let entryPoint: string[];
    let command: string[];

    function psql(sql: string, dbname: string): Promise<CommandResult> {
      const connection = `host=127.0.0.1 port=${port} dbname=${dbname} user=rdsadmin sslmode=disable`;
      return runCommand(psqlBinary, ['-X', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-c', sql, connection], {
        env: { PATH: process.env.PATH, LANG: 'C.UTF-8', PGPASSWORD: superPassword, PGCONNECT_TIMEOUT: '10' },
        timeoutMs: 30_000,
      });
    }
    const ok = (result: CommandResult) => assert.equal(result.status, 0, result.stderr);

    /**
     * The container as ECS starts it. The image verifies TLS against the RDS CA bundle; this
     * loopback server has no TLS, so only the connection string's sslmode is swapped (the query
     * and the options are the definition's own).
     */
    function verify(database: string, secret = masterPassword): Promise<CommandResult> {
      const [binary, ...entryArgs] = entryPoint;
      assert.equal(binary, 'psql');
      const [connection, ...rest] = command;
      assert.match(connection, /^sslmode=verify-full sslrootcert=\S+ /);
      const local = connection.replace(/^sslmode=verify-full sslrootcert=\S+ /, 'sslmode=disable ');
      return runCommand(psqlBinary, [...entryArgs, local, ...rest], {
        env: {
          PATH: process.env.PATH,
          LANG: 'C.UTF-8',
          PGHOST: '127.0.0.1',
          PGPORT: String(port),
          PGUSER: MASTER,
          PGDATABASE: database,
          PGPASSWORD: secret,
        },
        timeoutMs: 30_000,
      });
    }

    before(async () => {
      const template = synth().json('prod', 'app');
      const [, definition] = resourcesOfType(template, 'AWS::ECS::TaskDefinition').find(
        ([, resource]) => resource.Properties.Family === RESTORE_DRILL.taskFamily('booking', 'prod'),
      )!;
      const container = definition.Properties.ContainerDefinitions[0];
      entryPoint = container.EntryPoint;
      command = container.Command;

      psqlBinary = requireBinary('psql', 'postgresql-client');
      const user = serverUser();
      dir = mkdtempSync(join(tmpdir(), 'restore-drill-verify-'));
      if (user) chownSync(dir, user.uid, user.gid);
      const cluster = await startPostgresCluster({
        dir,
        superuser: 'rdsadmin',
        password: superPassword,
        ready: async (free: number) => {
          port = free;
          return (await psql('select 1', 'postgres')).status === 0;
        },
      });
      postgres = cluster.server;
      // What a restored RDS snapshot holds: the master (no superuser) owning the application's
      // database; one restore with migrations applied, one from an empty database, one without the table.
      ok(await psql(`create role ${MASTER} login createrole createdb password '${masterPassword}'`, 'postgres'));
      for (const database of ['migrated', 'empty_table', 'no_table']) {
        ok(await psql(`create database ${database} owner ${MASTER}`, 'postgres'));
      }
      const table =
        'create table django_migrations (id serial primary key, app varchar(255) not null, name varchar(255) not null, applied timestamptz not null)';
      ok(await psql(`set role ${MASTER}; ${table}`, 'empty_table'));
      ok(
        await psql(
          `set role ${MASTER}; ${table}; insert into django_migrations (app, name, applied) values ('contenttypes', '0001_initial', now())`,
          'migrated',
        ),
      );
    });

    after(async () => {
      await postgres?.stop('SIGINT');
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    test('a database with applied migrations passes (exit 0)', async () => {
      const result = await verify('migrated');
      assert.equal(result.status, 0, result.stderr);
      assert.match(result.stdout, /1/);
    });

    test('an empty django_migrations fails: division by zero, exit 1', async () => {
      const result = await verify('empty_table');
      assert.equal(result.status, 1);
      assert.match(result.stderr, /division by zero/);
    });

    test('a database without the table fails', async () => {
      const result = await verify('no_table');
      assert.equal(result.status, 1);
      assert.match(result.stderr, /django_migrations" does not exist/);
    });

    test('a missing database or a wrong password fails (exit 2: no connection)', async () => {
      assert.equal((await verify('nowhere')).status, 2);
      assert.equal((await verify('migrated', 'not-the-password')).status, 2);
    });
  },
);
