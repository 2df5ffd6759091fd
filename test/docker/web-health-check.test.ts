// The web container's own health check (WEB_HEALTH_CHECK, used behind the HTTP API where no load
// balancer checks the tasks), run for real with this machine's python3 and sh against a local
// server standing in for the ECS task metadata endpoint and the app: it must ask what the ALB's
// target group asked (GET /health/ on the task's address and the app port, Host `<ip>:<port>`)
// and pass on 200 only.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { WEB_HEALTH_CHECK, withAppPort } from '../../src/config/application';

const run = promisify(execFile);

describe('web container health check (python3 against a stand-in app and metadata endpoint)', () => {
  let server: Server;
  let port: number;
  /** What /health/ answers next, and the requests it saw. */
  let answer: (response: ServerResponse) => void = (response) => response.writeHead(200).end('ok');
  const seen: Array<{ path: string; host: string }> = [];

  before(async () => {
    server = createServer((request: IncomingMessage, response: ServerResponse) => {
      seen.push({ path: request.url ?? '', host: request.headers.host ?? '' });
      if (request.url === '/metadata') {
        // The container metadata (v4) of an awsvpc task: its private address.
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(
          JSON.stringify({ Name: 'app', Networks: [{ NetworkMode: 'awsvpc', IPv4Addresses: ['127.0.0.1'] }] }),
        );
      } else if (request.url === '/health/') {
        // As Django with ALLOWED_HOSTS = [apiHost, task IP]: another host is a 400.
        if (request.headers.host !== `127.0.0.1:${port}`) response.writeHead(400).end('DisallowedHost');
        else answer(response);
      } else {
        response.writeHead(200).end('elsewhere');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** Runs the check as ECS does (CMD-SHELL: `sh -c`), the app port being the stand-in's. */
  async function check(): Promise<number> {
    const [command] = withAppPort([WEB_HEALTH_CHECK], port);
    try {
      await run('sh', ['-c', command], {
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          ECS_CONTAINER_METADATA_URI_V4: `http://127.0.0.1:${port}/metadata`,
        },
        timeout: 20_000,
      });
      return 0;
    } catch (error) {
      return (error as { code?: number }).code ?? -1;
    }
  }

  test('passes on 200 from /health/ asked on the task address and app port (Host <ip>:<port>)', async () => {
    seen.length = 0;
    answer = (response) => response.writeHead(200).end('ok');
    assert.equal(await check(), 0);
    assert.deepEqual(
      seen.map((request) => request.path),
      ['/metadata', '/health/'],
    );
    assert.equal(seen[1].host, `127.0.0.1:${port}`);
  });

  test('fails on a 5xx and on a 4xx', async () => {
    answer = (response) => response.writeHead(503).end('starting');
    assert.equal(await check(), 1);
    answer = (response) => response.writeHead(404).end('no such page');
    assert.equal(await check(), 1);
  });

  test('fails on a redirect, even to a page answering 200 (the target group took 200 only)', async () => {
    answer = (response) => response.writeHead(301, { location: `http://127.0.0.1:${port}/elsewhere` }).end();
    assert.equal(await check(), 1);
  });

  test('fails when nothing listens on the app port', async () => {
    const [command] = withAppPort([WEB_HEALTH_CHECK], 1);
    await assert.rejects(
      run('sh', ['-c', command], {
        env: {
          PATH: process.env.PATH ?? '/usr/bin:/bin',
          ECS_CONTAINER_METADATA_URI_V4: `http://127.0.0.1:${port}/metadata`,
        },
        timeout: 20_000,
      }),
      (error: { code?: number }) => error.code === 1,
    );
  });
});
