/**
 * A redis-server of the test's own on a free port of 127.0.0.1, without persistence, stopped
 * afterwards: nothing depends on a system service. scripts/setup.sh installs redis-server.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { connectRedis, type RedisCommander } from '../../runtime/server/redis-connection.js';

export interface TestRedis {
  readonly url: string;
  readonly port: number;
  /** A connection for the test's own commands; closed by stop(). */
  readonly redis: RedisCommander;
  /** Stops redis-server only (the data goes with it), keeping the port for `restart`. */
  kill(): Promise<void>;
  /** Starts an empty redis-server again on the same port. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => ok(port));
    });
  });
}

async function startOn(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => { stderr += b.toString(); });
  const exited = new Promise<never>((_, fail) => {
    child.once('exit', (code) => fail(new Error(`redis-server exited with ${code}: ${stderr}`)));
    child.once('error', (e) => fail(new Error(`cannot run redis-server (bash scripts/setup.sh installs it): ${e.message}`)));
  });
  exited.catch(() => undefined);
  // Ready when it answers PING; a port taken meanwhile makes it exit instead.
  for (let i = 0; i < 100; i++) {
    const up = await Promise.race([pingOnce(port), exited]);
    if (up) return child;
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error(`redis-server on port ${port} did not answer PING`);
}

async function pingOnce(port: number): Promise<boolean> {
  const { createConnection } = await import('node:net');
  return new Promise((ok) => {
    const c = createConnection({ host: '127.0.0.1', port });
    c.setTimeout(1000, () => { c.destroy(); ok(false); });
    c.once('error', () => ok(false));
    c.once('connect', () => c.write('PING\r\n'));
    c.once('data', (b) => { ok(b.toString().startsWith('+PONG')); c.destroy(); });
  });
}

export async function startRedis(): Promise<TestRedis> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    let child: ChildProcess;
    try {
      child = await startOn(port);
    } catch (e) {
      lastError = e;
      continue;
    }
    const url = `redis://127.0.0.1:${port}`;
    const redis = await connectRedis(url);
    let running: ChildProcess | undefined = child;
    const kill = async (): Promise<void> => {
      const c = running;
      running = undefined;
      if (c === undefined || c.exitCode !== null || c.signalCode !== null) return;
      const gone = new Promise((ok) => c.once('exit', ok));
      c.kill('SIGTERM');
      await gone;
    };
    return {
      url, port, redis, kill,
      restart: async () => {
        await kill();
        running = await startOn(port);
      },
      stop: async () => {
        await redis.close();
        await kill();
      },
    };
  }
  throw lastError;
}
