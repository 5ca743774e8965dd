import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { createInterface } from 'node:readline';
import { resolve } from 'node:path';
import type { Readable, Writable } from 'node:stream';

type Line = Record<string, unknown>;

/** The LwM2M server of test/server/fixtures/server-process.ts in its own process. */
export class ServerProcess {
  readonly events: Line[] = [];
  private readonly waiters: Array<{ match: (l: Line) => boolean; resolve: (l: Line) => void }> = [];
  private nextId = 1;

  private constructor(private readonly child: ChildProcessByStdio<Writable, Readable, null>, readonly port: number) {}

  static async start(): Promise<ServerProcess> {
    const child = spawn(process.execPath, ['--import', 'tsx', resolve('test/server/fixtures/server-process.ts')], { stdio: ['pipe', 'pipe', 'inherit'] });
    const lines = createInterface({ input: child.stdout });
    let self: ServerProcess | undefined;
    const first = new Promise<number>((ok, fail) => {
      child.once('exit', (code) => fail(new Error(`server process exited with ${code}`)));
      lines.on('line', (text) => {
        const line = JSON.parse(text) as Line;
        if (self === undefined && typeof line['port'] === 'number') return ok(line['port']);
        self?.take(line);
      });
    });
    self = new ServerProcess(child, await first);
    return self;
  }

  private take(line: Line): void {
    if (line['event'] !== undefined) this.events.push(line);
    const i = this.waiters.findIndex((w) => w.match(line));
    if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(line);
  }

  /** The next line matching, or one already seen (events only). */
  waitFor(match: (l: Line) => boolean, timeoutMs = 5000): Promise<Line> {
    const seen = this.events.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((ok, fail) => {
      const t = setTimeout(() => fail(new Error('timed out waiting for the server process')), timeoutMs);
      this.waiters.push({ match, resolve: (l) => { clearTimeout(t); ok(l); } });
    });
  }

  async command(op: string, endpoint: string, extra: Line = {}): Promise<Line> {
    const id = this.nextId++;
    const answer = this.waitFor((l) => l['id'] === id, 10_000);
    this.child.stdin.write(`${JSON.stringify({ id, op, endpoint, ...extra })}\n`);
    return answer;
  }

  async stop(): Promise<void> {
    const exited = new Promise((ok) => this.child.once('exit', ok));
    this.child.stdin.end();
    await exited;
  }
}
