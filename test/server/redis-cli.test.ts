/** `lwm2m-sdk server --redis`: a malformed URL is a usage error, an unreachable Redis a clear failure. */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { cli } from '../helpers/cli.js';

test('--redis takes a redis:// URL; anything else is a usage error (exit 2)', () => {
  const r = cli(['server', '--port', '0', '--redis', 'http://127.0.0.1:6379']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /--redis <url>.*redis:\/\//);
});

test('an unreachable Redis ends the command with exit 1 and a log line naming the URL', async () => {
  // A port that was free a moment ago: nothing answers there.
  const port = await new Promise<number>((ok) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => ok(p));
    });
  });
  const r = cli(['server', '--port', '0', '--redis', `redis://127.0.0.1:${port}`]);
  assert.equal(r.status, 1);
  const line = r.stdout.split('\n').filter((l) => l.includes('cannot connect to Redis')).map((l) => JSON.parse(l) as Record<string, unknown>)[0];
  assert.equal(line?.['url'], `redis://127.0.0.1:${port}`);
});
