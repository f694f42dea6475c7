import { describe, expect, it } from 'vitest';
import type { SyncMetricsSink } from './sync/engine.ts';
import { createSyncMetrics, MetricsRegistry, registerProcessMetrics } from './metrics.ts';

describe('metrics registry', () => {
  it('renders counters, gauges and histograms in the Prometheus text format', () => {
    const r = new MetricsRegistry();
    const c = r.counter('app_events_total', 'Events.\nSecond line', ['kind']);
    c.inc({ kind: 'a' });
    c.inc({ kind: 'a' }, 2);
    c.inc({ kind: 'quote"back\\slash\nnl' });
    const g = r.gauge('app_temperature', 'Temperature.');
    g.set(21.5);
    g.dec(undefined, 0.5);
    const h = r.histogram('app_latency_seconds', 'Latency.', ['route'], [0.1, 1]);
    h.observe(0.05, { route: '/x' });
    h.observe(0.5, { route: '/x' });
    h.observe(5, { route: '/x' });
    const text = r.render();
    expect(text).toContain('# HELP app_events_total Events.\\nSecond line\n# TYPE app_events_total counter\n');
    expect(text).toContain('app_events_total{kind="a"} 3\n');
    expect(text).toContain('app_events_total{kind="quote\\"back\\\\slash\\nnl"} 1\n');
    expect(text).toContain('# TYPE app_temperature gauge\napp_temperature 21\n');
    expect(text).toContain('app_latency_seconds_bucket{route="/x",le="0.1"} 1\n');
    expect(text).toContain('app_latency_seconds_bucket{route="/x",le="1"} 2\n');
    expect(text).toContain('app_latency_seconds_bucket{route="/x",le="+Inf"} 3\n');
    expect(text).toContain('app_latency_seconds_sum{route="/x"} 5.55\n');
    expect(text).toContain('app_latency_seconds_count{route="/x"} 3\n');
    expect(text.endsWith('\n')).toBe(true);
  });

  it('checks names and labels, refuses decreasing counters, and returns an existing metric on re-registration', () => {
    const r = new MetricsRegistry();
    expect(() => r.counter('bad-name', 'x')).toThrow(/invalid metric name/);
    expect(() => r.counter('ok_total', 'x', ['__reserved'])).toThrow(/invalid label/);
    expect(() => r.histogram('h', 'x', ['le'])).toThrow(/invalid label/);
    const c = r.counter('ok_total', 'x', ['a']);
    expect(r.counter('ok_total', 'x', ['a'])).toBe(c);
    expect(() => r.gauge('ok_total', 'x')).toThrow(/already registered/);
    expect(() => c.inc({ a: '1' }, -1)).toThrow(/cannot decrease/);
    expect(() => c.inc({ b: '1' })).toThrow(/no label b/);
    const timer = r.histogram('t_seconds', 'x').startTimer();
    expect(timer()).toBeGreaterThanOrEqual(0);
  });

  it('caps label combinations so ids in labels cannot exhaust memory', () => {
    const r = new MetricsRegistry();
    const c = r.counter('many_total', 'x', ['id']);
    for (let i = 0; i < 10_050; i++) c.inc({ id: String(i) });
    expect(r.render().split('\n').filter((l) => l.startsWith('many_total{')).length).toBe(10_000);
  });

  it('process metrics and the sync engine sink', () => {
    const r = new MetricsRegistry();
    const stop = registerProcessMetrics(r);
    const sink: SyncMetricsSink = createSyncMetrics(r);
    sink.sessionOpened?.();
    sink.sessionOpened?.();
    sink.sessionClosed?.();
    sink.uploaded?.(3);
    sink.downloaded?.(2, 1000);
    sink.mergeSeconds?.(0.002);
    sink.bootstrapSeconds?.(0.3);
    sink.compensatingWrites?.(1);
    sink.groupCommitted?.(3);
    sink.groupCommitted?.(1);
    const text = r.render();
    stop();
    for (const line of [
      'outpost_sync_sessions 1',
      'outpost_sync_sessions_opened_total 2',
      'outpost_sync_uploaded_changesets_total 3',
      'outpost_sync_downloaded_changesets_total 2',
      'outpost_sync_downloaded_bytes_total 1000',
      'outpost_sync_merge_seconds_count 1',
      'outpost_sync_bootstrap_seconds_count 1',
      'outpost_sync_compensating_writes_total 1',
      'outpost_sync_group_commits_total 2',
      'outpost_sync_group_commit_writes_total 4',
    ]) expect(text).toContain(line + '\n');
    expect(text).toMatch(/process_resident_memory_bytes \d+/);
    expect(text).toMatch(/process_cpu_seconds_total [\d.]+/);
    expect(text).toMatch(/nodejs_heap_size_used_bytes \d+/);
    expect(text).toMatch(/process_start_time_seconds \d+/);
    expect(text).toMatch(/nodejs_eventloop_delay_seconds\{quantile="0.99"\}/);
  });
});
