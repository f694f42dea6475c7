import { describe, expect, it } from 'vitest';
import { MetricsRegistry, createSyncMetrics } from './metrics.ts';
import { MetricsHistory, totals } from './metrics-history.ts';

describe('the metrics history behind the dashboard charts', () => {
  it('sums series per metric, filtered by labels', () => {
    const text = ['# HELP x x', 'a_total{status="200"} 3', 'a_total{status="503"} 2', 'a_total{status="500"} 1', 'g 7', 'h_sum 0.5'].join('\n');
    expect(Object.fromEntries(totals(text))).toEqual({ a_total: 6, g: 7, h_sum: 0.5 });
    expect(totals(text, (_n, labels) => /status="5\d\d"/.test(labels)).get('a_total')).toBe(3);
  });

  it('samples the sync and HTTP metrics and keeps one hour of them', () => {
    const registry = new MetricsRegistry();
    const sync = createSyncMetrics(registry);
    const http = registry.counter('outpost_http_requests_total', 'x', ['method', 'route', 'status']);
    let now = 0;
    const history = new MetricsHistory(registry, 10_000, 3600_000, () => now);
    history.take();
    sync.sessionOpened?.();
    sync.uploaded?.(5);
    sync.compensatingWrites?.(2);
    sync.mergeSeconds?.(0.25);
    sync.uploadDownloadSeconds?.(0.04);
    sync.uploadDownloadSeconds?.(0.06);
    http.inc({ method: 'GET', route: '/x', status: 500 });
    http.inc({ method: 'GET', route: '/x', status: 200 });
    now = 10_000;
    history.take();
    expect(history.samples().at(-1)).toEqual({ at: 10_000, uploadedChangesets: 5, downloadedChangesets: 0, sessions: 1, compensatingWrites: 2, httpErrors: 1, mergeSeconds: 0.25, merges: 1, uploadDownloadSeconds: 0.1, uploadDownloads: 2 });
    now = 3_605_000;
    history.take();
    // The first sample (at 0) is more than an hour old.
    expect(history.samples().map((s) => s.at)).toEqual([10_000, 3_605_000]);
  });
});
