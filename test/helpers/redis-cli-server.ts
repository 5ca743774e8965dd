/**
 * `lwm2m-sdk server` (from source, as a user runs it) in its own process, its JSON log lines
 * collected: the server processes of the Redis tests, which share state only through Redis.
 */
import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { createInterface } from 'node:readline';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';

export type LogLine = Record<string, unknown>;

export class CliServer {
  readonly lines: LogLine[] = [];
  private readonly waiters: { match: (l: LogLine) => boolean; ok: (l: LogLine) => void }[] = [];
  private readonly exited: Promise<number | null>;

  private constructor(private readonly child: ChildProcessByStdio<null, Readable, Readable>, readonly port: number, exited: Promise<number | null>) {
    this.exited = exited;
  }

  static async start(args: readonly string[], timeoutMs = 15_000): Promise<CliServer> {
    const child = spawn(process.execPath, ['--import', 'tsx', resolve('cli/main.ts'), 'server', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => { stderr += b.toString(); });
    const exited = new Promise<number | null>((ok) => child.once('exit', (code) => ok(code)));
    const early: LogLine[] = [];
    let self: CliServer | undefined;
    const port = await new Promise<number>((ok, fail) => {
      const t = setTimeout(() => { child.kill('SIGKILL'); fail(new Error(`lwm2m-sdk server did not listen in ${timeoutMs} ms: ${stderr}`)); }, timeoutMs);
      void exited.then((code) => { clearTimeout(t); fail(new Error(`lwm2m-sdk server exited with ${code}: ${stderr}`)); });
      createInterface({ input: child.stdout }).on('line', (text) => {
        let line: LogLine;
        try {
          line = JSON.parse(text) as LogLine;
        } catch {
          return;
        }
        if (self === undefined) early.push(line);
        else self.take(line);
        if (line['msg'] === 'listening' && typeof line['port'] === 'number') { clearTimeout(t); ok(line['port']); }
      });
    });
    self = new CliServer(child, port, exited);
    for (const l of early) self.take(l);
    return self;
  }

  private take(line: LogLine): void {
    this.lines.push(line);
    const i = this.waiters.findIndex((w) => w.match(line));
    if (i >= 0) this.waiters.splice(i, 1)[0]!.ok(line);
  }

  /** A log line matching, among those seen or arriving within `timeoutMs`. */
  waitFor(match: (l: LogLine) => boolean, timeoutMs = 10_000): Promise<LogLine> {
    const seen = this.lines.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((ok, fail) => {
      const w = { match, ok: (l: LogLine) => { clearTimeout(t); ok(l); } };
      const t = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1);
        fail(new Error(`timed out after ${timeoutMs} ms; last lines: ${JSON.stringify(this.lines.slice(-5))}`));
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  /** Gone at once, as a crash: nothing is cleaned up. */
  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM: the command stops its server and closes its Redis connection. */
  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const t = setTimeout(() => this.child.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(t);
  }
}
