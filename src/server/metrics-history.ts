import type { MetricsRegistry } from './metrics.ts';

/*
 * The server's own metrics over the last hour, for the dashboard's charts: every `intervalMs` the
 * registry is read (the same text /metrics serves) and a few totals are kept, cumulative; the
 * dashboard turns them into rates. Bounded: one hour of samples.
 */

export interface MetricsSample {
  readonly at: number;
  /** Totals since the process started (counters), or the current value (sessions). */
  readonly uploadedChangesets: number;
  readonly downloadedChangesets: number;
  readonly sessions: number;
  readonly compensatingWrites: number;
  /** HTTP answers with a 5xx status. */
  readonly httpErrors: number;
  /** Sum and count of the merge-time histogram (transforming uploads). */
  readonly mergeSeconds: number;
  readonly merges: number;
  /** Sum and count of the upload→download latency histogram (src/server/sync/latency.ts). */
  readonly uploadDownloadSeconds: number;
  readonly uploadDownloads: number;
}

/** Sums every series of each metric in Prometheus text exposition (labels matched by `keep`). */
export function totals(text: string, keep: (name: string, labels: string) => boolean = () => true): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$/.exec(line);
    if (!m) continue;
    const value = Number(m[3]);
    if (!Number.isFinite(value) || !keep(m[1]!, m[2] ?? '')) continue;
    out.set(m[1]!, (out.get(m[1]!) ?? 0) + value);
  }
  return out;
}

export function sample(registry: MetricsRegistry, at: number): MetricsSample {
  const text = registry.render();
  const all = totals(text);
  const errors = totals(text, (name, labels) => name === 'outpost_http_requests_total' && /status="5\d\d"/.test(labels));
  return {
    at,
    uploadedChangesets: all.get('outpost_sync_uploaded_changesets_total') ?? 0,
    downloadedChangesets: all.get('outpost_sync_downloaded_changesets_total') ?? 0,
    sessions: all.get('outpost_sync_sessions') ?? 0,
    compensatingWrites: all.get('outpost_sync_compensating_writes_total') ?? 0,
    httpErrors: errors.get('outpost_http_requests_total') ?? 0,
    mergeSeconds: all.get('outpost_sync_merge_seconds_sum') ?? 0,
    merges: all.get('outpost_sync_merge_seconds_count') ?? 0,
    uploadDownloadSeconds: all.get('outpost_sync_upload_download_seconds_sum') ?? 0,
    uploadDownloads: all.get('outpost_sync_upload_download_seconds_count') ?? 0,
  };
}

export class MetricsHistory {
  private readonly kept: MetricsSample[] = [];
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly registry: MetricsRegistry,
    readonly intervalMs = 10_000,
    private readonly keepMs = 3600_000,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    this.take();
    this.timer = setInterval(() => this.take(), this.intervalMs);
    this.timer.unref?.();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Called with every sample taken (the cluster view publishes it for the other nodes). */
  onSample: ((s: MetricsSample) => void) | undefined;

  take(): void {
    const at = this.now();
    const s = sample(this.registry, at);
    this.kept.push(s);
    this.onSample?.(s);
    while (this.kept.length > 0 && this.kept[0]!.at < at - this.keepMs) this.kept.shift();
  }

  samples(): readonly MetricsSample[] {
    return [...this.kept];
  }
}
