import { useState, type ReactNode } from 'react';
import { usePoll } from './poll.ts';

interface Sample {
  at: number;
  uploadedChangesets: number;
  downloadedChangesets: number;
  sessions: number;
  compensatingWrites: number;
  httpErrors: number;
  mergeSeconds: number;
  merges: number;
  uploadDownloadSeconds?: number;
  uploadDownloads?: number;
}

interface Point {
  at: number;
  value: number;
}

/** Per-second rates between consecutive cumulative samples (a restart's drop counts as 0). */
function rate(samples: Sample[], pick: (s: Sample) => number): Point[] {
  const out: Point[] = [];
  for (let i = 1; i < samples.length; i++) {
    const dt = (samples[i]!.at - samples[i - 1]!.at) / 1000;
    const d = pick(samples[i]!) - pick(samples[i - 1]!);
    out.push({ at: samples[i]!.at, value: dt > 0 && d > 0 ? d / dt : 0 });
  }
  return out;
}

/** The mean of a histogram (sum and count, cumulative) over each interval, in ms. */
function meanMs(samples: Sample[], sum: (s: Sample) => number, count: (s: Sample) => number): Point[] {
  const out: Point[] = [];
  for (let i = 1; i < samples.length; i++) {
    const n = count(samples[i]!) - count(samples[i - 1]!);
    const s = sum(samples[i]!) - sum(samples[i - 1]!);
    out.push({ at: samples[i]!.at, value: n > 0 ? (s / n) * 1000 : 0 });
  }
  return out;
}

function Chart({ title, unit, points }: { title: string; unit: string; points: Point[] }): ReactNode {
  const w = 520;
  const h = 120;
  const max = Math.max(1e-9, ...points.map((p) => p.value));
  const t0 = points[0]?.at ?? 0;
  const t1 = points.at(-1)?.at ?? 1;
  const x = (at: number) => (t1 > t0 ? ((at - t0) / (t1 - t0)) * w : 0);
  const y = (v: number) => h - (v / max) * (h - 10);
  const path = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.at).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ');
  const last = points.at(-1)?.value ?? 0;
  return (
    <figure className="chart" data-testid="chart">
      <figcaption>
        {title}: <strong>{last.toFixed(last < 10 ? 2 : 0)}</strong> {unit} <span className="muted small">(max {max.toFixed(2)})</span>
      </figcaption>
      <svg viewBox={`0 0 ${w} ${h}`} width="100%" height={h} role="img" aria-label={title}>
        <path d={path} fill="none" stroke="#0f5c4d" strokeWidth="2" />
        <line x1="0" y1={h} x2={w} y2={h} stroke="#c8d3cf" />
      </svg>
    </figure>
  );
}

interface History {
  intervalMs: number;
  samples: Sample[];
  /** This node's name, and every live node's samples (several nodes on one PostgreSQL database). */
  node?: string;
  nodes?: { node: string; samples: Sample[] }[];
}

/** The server's own metrics over the last hour, sampled every 10 s, per node. */
export function Metrics(): ReactNode {
  const { data, error } = usePoll<History>('/metrics/history', 10_000);
  const [picked, setPicked] = useState<string>();
  const nodes = data?.nodes ?? (data ? [{ node: data.node ?? 'this node', samples: data.samples }] : []);
  const node = nodes.find((n) => n.node === picked) ?? nodes[0];
  const samples = node?.samples ?? [];
  return (
    <section>
      <h2>The last hour</h2>
      <div className="row">
        <label>
          Node{' '}
          <select aria-label="node" value={node?.node ?? ''} onChange={(e) => setPicked(e.target.value)}>
            {nodes.map((n) => (
              <option key={n.node} value={n.node}>
                {n.node}
                {n.node === data?.node ? ' (this dashboard)' : ''}
              </option>
            ))}
          </select>
        </label>
        <span className="muted" data-testid="metrics-nodes">
          {nodes.length} node{nodes.length === 1 ? '' : 's'} alive
        </span>
      </div>
      <p className="muted">
        Sampled every {Math.round((data?.intervalMs ?? 10_000) / 1000)} s on node {node?.node ?? '—'} ({samples.length} samples).
      </p>
      {error && <p className="error">{error}</p>}
      <div className="charts">
        <Chart title="Uploaded changesets" unit="/s" points={rate(samples, (s) => s.uploadedChangesets)} />
        <Chart title="Downloaded changesets" unit="/s" points={rate(samples, (s) => s.downloadedChangesets)} />
        <Chart
          title="Upload→download latency"
          unit="ms mean"
          points={meanMs(
            samples,
            (s) => s.uploadDownloadSeconds ?? 0,
            (s) => s.uploadDownloads ?? 0,
          )}
        />
        <Chart title="Sessions" unit="open" points={samples.map((s) => ({ at: s.at, value: s.sessions }))} />
        <Chart title="HTTP errors (5xx)" unit="/s" points={rate(samples, (s) => s.httpErrors)} />
        <Chart title="Compensating writes" unit="/s" points={rate(samples, (s) => s.compensatingWrites)} />
      </div>
    </section>
  );
}
