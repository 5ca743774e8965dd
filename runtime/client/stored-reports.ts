/**
 * Notification storing (/1/x/6, "Notification Storing When Disabled or Offline"): what the
 * client could not report to a server while that server was offline or disabled, kept per
 * server in the order it happened and sent in that order once the server is back. Bounded:
 * per observation by hqmax (LwM2M 1.2) and per server by a cap of the client's; when full the
 * oldest entry goes, with a log line.
 */
import type { Logger } from '../coap/logger.js';

/**
 * One stored report: a notification of an observation, or a Send. `deliver` resolves true when
 * the report is done with (it reached the server, or its observation ended meanwhile), false
 * when the server could not be reached (it stays first in line).
 */
export interface StoredReport {
  /** The observation a notification belongs to (hqmax counts per observation); undefined for a Send. */
  readonly owner: object | undefined;
  /** For log lines. */
  readonly what: string;
  deliver(): Promise<boolean>;
}

/** Entries kept per server when the client says nothing else. */
export const DEFAULT_MAX_STORED_PER_SERVER = 1000;

export class StoredReports {
  readonly #byServer = new Map<number, StoredReport[]>();
  readonly #flushing = new Set<number>();

  constructor(private readonly log: Logger, private readonly maxPerServer = DEFAULT_MAX_STORED_PER_SERVER) {}

  /** Entries waiting for a server. */
  size(ssid: number): number {
    return this.#byServer.get(ssid)?.length ?? 0;
  }

  /**
   * Keeps a report for later. `hqmax` bounds the entries of its observation (0 keeps none);
   * the per-server cap bounds them all. Returns false when it was not kept.
   */
  store(ssid: number, report: StoredReport, hqmax?: number): boolean {
    if (hqmax === 0) {
      this.log.debug({ ssid, what: report.what }, 'notification not stored (hqmax=0)');
      return false;
    }
    let q = this.#byServer.get(ssid);
    if (q === undefined) this.#byServer.set(ssid, (q = []));
    if (hqmax !== undefined && report.owner !== undefined) {
      let mine = 0;
      for (const r of q) if (r.owner === report.owner) mine++;
      if (mine >= hqmax) {
        const oldest = q.findIndex((r) => r.owner === report.owner);
        const [dropped] = q.splice(oldest, 1);
        this.log.warn({ ssid, what: dropped!.what, hqmax }, 'stored notification dropped: hqmax reached, oldest goes');
      }
    }
    if (q.length >= this.maxPerServer) {
      const dropped = q.shift()!;
      this.log.warn({ ssid, what: dropped.what, max: this.maxPerServer }, 'stored report dropped: the store of this server is full, oldest goes');
    }
    q.push(report);
    return true;
  }

  /** Forgets everything kept for a server (storing turned off, the server removed). */
  clear(ssid: number): void {
    const n = this.size(ssid);
    this.#byServer.delete(ssid);
    if (n > 0) this.log.info({ ssid, dropped: n }, 'stored reports dropped');
  }

  /**
   * Sends what was kept for a server, oldest first, one at a time. Stops at the first that does
   * not get through (it stays first); resolves with how many went out. One flush per server at once.
   */
  async flush(ssid: number): Promise<number> {
    if (this.#flushing.has(ssid)) return 0;
    this.#flushing.add(ssid);
    let sent = 0;
    try {
      const q = this.#byServer.get(ssid);
      while (q !== undefined && q.length > 0) {
        const head = q[0]!;
        let ok: boolean;
        try {
          ok = await head.deliver();
        } catch (err) {
          this.log.debug({ ssid, what: head.what, err: (err as Error).message }, 'stored report not delivered');
          ok = false;
        }
        if (!ok) break;
        // The head may have been dropped by store() meanwhile: take out the one delivered.
        const at = q.indexOf(head);
        if (at >= 0) q.splice(at, 1);
        sent++;
      }
      if (q !== undefined && q.length === 0) this.#byServer.delete(ssid);
    } finally {
      this.#flushing.delete(ssid);
    }
    if (sent > 0) this.log.info({ ssid, sent, left: this.size(ssid) }, 'stored reports sent');
    return sent;
  }
}
