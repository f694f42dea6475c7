import { readdirSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

/*
 * A small Prometheus metrics registry: counters, gauges and histograms with labels, rendered in
 * the text exposition format 0.0.4 at GET /metrics. Metric and label names are checked; label
 * values are escaped; each metric keeps at most 10,000 label combinations (more are dropped, so
 * a bug that puts ids in labels cannot exhaust memory).
 */

export type Labels = Readonly<Record<string, string | number>>;

const NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const MAX_SERIES = 10_000;

export const DEFAULT_BUCKETS: readonly number[] = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

function escapeHelp(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function escapeValue(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function formatNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(n);
}

abstract class Metric<S> {
  protected readonly series = new Map<string, { labels: Labels; state: S }>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
  ) {
    if (!NAME_RE.test(name)) throw new Error(`invalid metric name ${JSON.stringify(name)}`);
    for (const l of labelNames) {
      if (!LABEL_RE.test(l) || l.startsWith('__') || l === 'le') throw new Error(`invalid label name ${JSON.stringify(l)} for ${name}`);
    }
  }

  abstract readonly type: 'counter' | 'gauge' | 'histogram';
  protected abstract initial(): S;

  protected get(labels: Labels = {}): S | undefined {
    const keys = Object.keys(labels);
    for (const k of keys) if (!this.labelNames.includes(k)) throw new Error(`metric ${this.name} has no label ${k}`);
    const id = this.labelNames.map((l) => String(labels[l] ?? '')).join('\u0000');
    let s = this.series.get(id);
    if (!s) {
      if (this.series.size >= MAX_SERIES) return undefined;
      s = { labels: Object.fromEntries(this.labelNames.map((l) => [l, String(labels[l] ?? '')])), state: this.initial() };
      this.series.set(id, s);
    }
    return s.state;
  }

  protected labelText(labels: Labels, extra?: [string, string]): string {
    const pairs = Object.entries(labels).filter(([, v]) => v !== '').map(([k, v]) => `${k}="${escapeValue(String(v))}"`);
    if (extra) pairs.push(`${extra[0]}="${escapeValue(extra[1])}"`);
    return pairs.length > 0 ? `{${pairs.join(',')}}` : '';
  }

  protected abstract lines(): string[];

  render(): string {
    return [`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} ${this.type}`, ...this.lines()].join('\n');
  }

  reset(): void {
    this.series.clear();
  }
}

export class Counter extends Metric<{ value: number }> {
  readonly type = 'counter';
  protected initial() {
    return { value: 0 };
  }
  /** Adds `value` (default 1, never negative). */
  inc(labels?: Labels, value = 1): void {
    if (!(value >= 0)) throw new Error(`counter ${this.name} cannot decrease`);
    const s = this.get(labels);
    if (s) s.value += value;
  }
  /** Sets the running total (for counters read from elsewhere, like CPU time). */
  setTotal(value: number, labels?: Labels): void {
    const s = this.get(labels);
    if (s) s.value = value;
  }
  value(labels?: Labels): number {
    return this.get(labels)?.value ?? 0;
  }
  protected lines(): string[] {
    return [...this.series.values()].map((s) => `${this.name}${this.labelText(s.labels)} ${formatNumber(s.state.value)}`);
  }
}

export class Gauge extends Metric<{ value: number }> {
  readonly type = 'gauge';
  protected initial() {
    return { value: 0 };
  }
  set(value: number, labels?: Labels): void {
    const s = this.get(labels);
    if (s) s.value = value;
  }
  inc(labels?: Labels, value = 1): void {
    const s = this.get(labels);
    if (s) s.value += value;
  }
  dec(labels?: Labels, value = 1): void {
    this.inc(labels, -value);
  }
  value(labels?: Labels): number {
    return this.get(labels)?.value ?? 0;
  }
  protected lines(): string[] {
    return [...this.series.values()].map((s) => `${this.name}${this.labelText(s.labels)} ${formatNumber(s.state.value)}`);
  }
}

export class Histogram extends Metric<{ counts: number[]; sum: number; count: number }> {
  readonly type = 'histogram';
  readonly buckets: readonly number[];

  constructor(name: string, help: string, labelNames: readonly string[], buckets: readonly number[] = DEFAULT_BUCKETS) {
    super(name, help, labelNames);
    const sorted = [...buckets].sort((a, b) => a - b);
    if (sorted.length === 0 || sorted.some((b, i) => !Number.isFinite(b) || (i > 0 && b === sorted[i - 1]))) throw new Error(`invalid buckets for ${name}`);
    this.buckets = sorted;
  }

  protected initial() {
    return { counts: this.buckets.map(() => 0), sum: 0, count: 0 };
  }

  observe(value: number, labels?: Labels): void {
    const s = this.get(labels);
    if (!s || Number.isNaN(value)) return;
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) s.counts[i]!++;
    s.sum += value;
    s.count++;
  }

  /** Starts a timer; calling the result observes the elapsed seconds (and returns them). */
  startTimer(labels?: Labels): () => number {
    const start = process.hrtime.bigint();
    return () => {
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      this.observe(seconds, labels);
      return seconds;
    };
  }

  snapshot(labels?: Labels): { count: number; sum: number } {
    const s = this.get(labels);
    return { count: s?.count ?? 0, sum: s?.sum ?? 0 };
  }

  protected lines(): string[] {
    const out: string[] = [];
    for (const { labels, state } of this.series.values()) {
      this.buckets.forEach((b, i) => out.push(`${this.name}_bucket${this.labelText(labels, ['le', formatNumber(b)])} ${state.counts[i]}`));
      out.push(`${this.name}_bucket${this.labelText(labels, ['le', '+Inf'])} ${state.count}`);
      out.push(`${this.name}_sum${this.labelText(labels)} ${formatNumber(state.sum)}`);
      out.push(`${this.name}_count${this.labelText(labels)} ${state.count}`);
    }
    return out;
  }
}

export class MetricsRegistry {
  readonly contentType = 'text/plain; version=0.0.4; charset=utf-8';
  private readonly metrics = new Map<string, Metric<unknown>>();
  private readonly collectors = new Set<() => void>();

  private register<M extends Metric<unknown>>(metric: M): M {
    const existing = this.metrics.get(metric.name);
    if (existing) {
      // Registering the same metric twice (two modules, a reload) returns the first one.
      if (existing.type === metric.type && existing.labelNames.join() === metric.labelNames.join()) return existing as M;
      throw new Error(`metric ${metric.name} is already registered as another ${existing.type}`);
    }
    this.metrics.set(metric.name, metric);
    return metric;
  }

  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    return this.register(new Counter(name, help, labelNames));
  }

  gauge(name: string, help: string, labelNames: readonly string[] = []): Gauge {
    return this.register(new Gauge(name, help, labelNames));
  }

  histogram(name: string, help: string, labelNames: readonly string[] = [], buckets?: readonly number[]): Histogram {
    return this.register(new Histogram(name, help, labelNames, buckets));
  }

  /** `fn` runs before every render (to read values kept elsewhere into gauges). Returns an unregister function. */
  onCollect(fn: () => void): () => void {
    this.collectors.add(fn);
    return () => this.collectors.delete(fn);
  }

  render(): string {
    for (const fn of this.collectors) {
      try {
        fn();
      } catch {
        // A failing collector must not take the whole endpoint down.
      }
    }
    return [...this.metrics.values()].map((m) => m.render()).join('\n') + '\n';
  }
}

/** Process metrics: CPU, memory, heap, open file descriptors, start time, event-loop delay. */
export function registerProcessMetrics(registry: MetricsRegistry): () => void {
  const cpuUser = registry.counter('process_cpu_user_seconds_total', 'User CPU time spent, in seconds.');
  const cpuSystem = registry.counter('process_cpu_system_seconds_total', 'System CPU time spent, in seconds.');
  const cpu = registry.counter('process_cpu_seconds_total', 'Total user and system CPU time spent, in seconds.');
  const rss = registry.gauge('process_resident_memory_bytes', 'Resident memory size, in bytes.');
  const heapUsed = registry.gauge('nodejs_heap_size_used_bytes', 'V8 heap used, in bytes.');
  const heapTotal = registry.gauge('nodejs_heap_size_total_bytes', 'V8 heap allocated, in bytes.');
  const external = registry.gauge('nodejs_external_memory_bytes', 'Memory of C++ objects bound to JavaScript, in bytes.');
  const fds = registry.gauge('process_open_fds', 'Open file descriptors.');
  const start = registry.gauge('process_start_time_seconds', 'Start time of the process since the Unix epoch, in seconds.');
  const lag = registry.gauge('nodejs_eventloop_delay_seconds', 'Event-loop delay over the last interval.', ['quantile']);
  start.set(Math.round(Date.now() / 1000 - process.uptime()));
  const delay = monitorEventLoopDelay({ resolution: 20 });
  delay.enable();
  const off = registry.onCollect(() => {
    const u = process.cpuUsage();
    cpuUser.setTotal(u.user / 1e6);
    cpuSystem.setTotal(u.system / 1e6);
    cpu.setTotal((u.user + u.system) / 1e6);
    const m = process.memoryUsage();
    rss.set(m.rss);
    heapUsed.set(m.heapUsed);
    heapTotal.set(m.heapTotal);
    external.set(m.external);
    try {
      fds.set(readdirSync('/proc/self/fd').length);
    } catch {
      // not Linux
    }
    lag.set(delay.percentile(50) / 1e9, { quantile: '0.5' });
    lag.set(delay.percentile(99) / 1e9, { quantile: '0.99' });
    lag.set(delay.max / 1e9, { quantile: '1' });
    delay.reset();
  });
  return () => {
    off();
    delay.disable();
  };
}

/**
 * The sync engine's metrics, shaped as its `SyncMetricsSink` (src/server/sync/engine.ts):
 * pass the result as `metrics` to `SyncEngine.open`.
 */
export function createSyncMetrics(registry: MetricsRegistry) {
  const sessions = registry.gauge('outpost_sync_sessions', 'Open sync sessions on this node.');
  const opened = registry.counter('outpost_sync_sessions_opened_total', 'Sync sessions opened.');
  const uploaded = registry.counter('outpost_sync_uploaded_changesets_total', 'Changesets integrated from uploads.');
  const downloaded = registry.counter('outpost_sync_downloaded_changesets_total', 'Changesets sent in downloads.');
  const downloadedBytes = registry.counter('outpost_sync_downloaded_bytes_total', 'Bytes of changesets sent in downloads.');
  const merge = registry.histogram('outpost_sync_merge_seconds', 'Time spent transforming uploads against concurrent history.');
  const latency = registry.histogram(
    'outpost_sync_upload_download_seconds',
    'Time from an upload\'s arrival at this node to the DOWNLOAD carrying it being sent to another session.',
    [],
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  );
  const bootstrap = registry.histogram('outpost_sync_bootstrap_seconds', 'Time to bootstrap a subscription change.', [], [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]);
  const compensating = registry.counter('outpost_sync_compensating_writes_total', 'Uploaded writes rejected and reverted.');
  const groups = registry.counter('outpost_sync_group_commits_total', 'Store transactions that integrated uploads or TRANSACTs (group commits).');
  const grouped = registry.counter('outpost_sync_group_commit_writes_total', 'Uploads and TRANSACTs integrated by group commits (divided by the commits: the mean group size).');
  return {
    sessionOpened: () => (sessions.inc(), opened.inc()),
    sessionClosed: () => sessions.dec(),
    uploaded: (n: number) => uploaded.inc(undefined, n),
    downloaded: (n: number, bytes: number) => (downloaded.inc(undefined, n), downloadedBytes.inc(undefined, bytes)),
    mergeSeconds: (s: number) => merge.observe(s),
    uploadDownloadSeconds: (s: number) => latency.observe(s),
    bootstrapSeconds: (s: number) => bootstrap.observe(s),
    compensatingWrites: (n: number) => compensating.inc(undefined, n),
    groupCommitted: (n: number) => (groups.inc(), grouped.inc(undefined, n)),
  };
}
