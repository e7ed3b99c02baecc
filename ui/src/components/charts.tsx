import { useMemo, useState } from 'react';
import { formatNumber } from '../util';

// Small SVG charts: no chart library, so the bundle stays small and first paint fast.

export interface Series {
  name: string;
  points: { x: number; y: number }[];
}

const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#be185d', '#65a30d', '#854d0e', '#475569'];
export const color = (i: number) => COLORS[i % COLORS.length];

const W = 560;
const H = 260;
const PAD = { l: 56, r: 12, t: 12, b: 30 };

function ticks(min: number, max: number, count = 5): number[] {
  if (min === max) return [min];
  const step = (max - min) / (count - 1);
  return Array.from({ length: count }, (_, i) => min + i * step);
}

function extent(values: number[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!Number.isFinite(lo)) return [0, 1];
  if (lo === hi) return [lo - 1, hi + 1];
  return [lo, hi];
}

export function LineChart({
  series,
  logY = false,
  xFormat = (v: number) => formatNumber(v, 3),
  title,
  testId,
  xDomain,
  yDomain,
}: {
  series: Series[];
  logY?: boolean;
  xFormat?: (v: number) => string;
  title?: string;
  testId?: string;
  /** Fixed axis ranges (a time window, a 0..1 rate) instead of the data's extent. */
  xDomain?: [number, number];
  yDomain?: [number, number];
}) {
  const [hover, setHover] = useState<number | undefined>();
  const prepared = useMemo(
    () => series.map((s) => ({ ...s, points: logY ? s.points.filter((p) => p.y > 0) : s.points })),
    [series, logY],
  );
  const xs = prepared.flatMap((s) => s.points.map((p) => p.x));
  const ys = prepared.flatMap((s) => s.points.map((p) => (logY ? Math.log10(p.y) : p.y)));
  const [x0, x1] = xDomain ?? extent(xs);
  const [y0, y1] = yDomain && !logY ? yDomain : extent(ys);
  const sx = (x: number) => PAD.l + ((x - x0) / (x1 - x0 || 1)) * (W - PAD.l - PAD.r);
  const sy = (y: number) => H - PAD.b - (((logY ? Math.log10(y) : y) - y0) / (y1 - y0 || 1)) * (H - PAD.t - PAD.b);
  const hoverX = hover === undefined ? undefined : x0 + ((hover - PAD.l) / (W - PAD.l - PAD.r)) * (x1 - x0);
  const nearest = hoverX === undefined
    ? []
    : prepared.map((s) => s.points.reduce<{ x: number; y: number } | undefined>((best, p) => (!best || Math.abs(p.x - hoverX) < Math.abs(best.x - hoverX) ? p : best), undefined));
  return (
    <figure className="chart" data-testid={testId}>
      {title && <figcaption>{title}</figcaption>}
      <svg
        viewBox={`0 0 ${W} ${H}`}
        role="img"
        aria-label={title ?? 'line chart'}
        onMouseMove={(e) => {
          const r = e.currentTarget.getBoundingClientRect();
          setHover(((e.clientX - r.left) / r.width) * W);
        }}
        onMouseLeave={() => setHover(undefined)}
      >
        {ticks(y0, y1).map((t) => (
          <g key={`y${t}`}>
            <line x1={PAD.l} x2={W - PAD.r} y1={sy(logY ? 10 ** t : t)} y2={sy(logY ? 10 ** t : t)} className="grid" />
            <text x={PAD.l - 4} y={sy(logY ? 10 ** t : t) + 4} textAnchor="end" className="tick">
              {formatNumber(logY ? 10 ** t : t, 3)}
            </text>
          </g>
        ))}
        {ticks(x0, x1).map((t) => (
          <text key={`x${t}`} x={sx(t)} y={H - 8} textAnchor="middle" className="tick">
            {xFormat(t)}
          </text>
        ))}
        {prepared.map((s, i) => (
          <polyline
            key={s.name}
            fill="none"
            stroke={color(i)}
            strokeWidth={1.6}
            points={s.points.map((p) => `${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(' ')}
          />
        ))}
        {prepared.map((s, i) => s.points.length === 1 && <circle key={`${s.name}-dot`} cx={sx(s.points[0].x)} cy={sy(s.points[0].y)} r={3} fill={color(i)} />)}
        {hover !== undefined && hover > PAD.l && <line x1={hover} x2={hover} y1={PAD.t} y2={H - PAD.b} className="cursor" />}
      </svg>
      <div className="legend">
        {prepared.map((s, i) => (
          <span key={s.name}>
            <i style={{ background: color(i) }} />
            {s.name}
            {nearest[i] && <b> {formatNumber(nearest[i]!.y)}</b>}
          </span>
        ))}
      </div>
    </figure>
  );
}

export function BarChart({ bars, title, format = (v: number) => formatNumber(v), testId }: { bars: { label: string; value: number }[]; title: string; format?: (v: number) => string; testId?: string }) {
  const max = Math.max(1e-9, ...bars.map((b) => b.value));
  const bw = (W - PAD.l - PAD.r) / Math.max(1, bars.length);
  return (
    <figure className="chart" data-testid={testId}>
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={title}>
        {ticks(0, max, 3).map((t) => (
          <g key={t}>
            <line x1={PAD.l} x2={W - PAD.r} y1={H - PAD.b - (t / max) * (H - PAD.t - PAD.b)} y2={H - PAD.b - (t / max) * (H - PAD.t - PAD.b)} className="grid" />
            <text x={PAD.l - 4} y={H - PAD.b - (t / max) * (H - PAD.t - PAD.b) + 4} textAnchor="end" className="tick">
              {format(t)}
            </text>
          </g>
        ))}
        {bars.map((b, i) => {
          const h = (b.value / max) * (H - PAD.t - PAD.b);
          return (
            <rect key={i} x={PAD.l + i * bw + 1} y={H - PAD.b - h} width={Math.max(1, bw - 2)} height={h} fill={color(0)}>
              <title>{`${b.label}: ${format(b.value)}`}</title>
            </rect>
          );
        })}
        {bars.length > 0 && (
          <>
            <text x={PAD.l} y={H - 8} className="tick">
              {bars[0].label}
            </text>
            <text x={W - PAD.r} y={H - 8} textAnchor="end" className="tick">
              {bars[bars.length - 1].label}
            </text>
          </>
        )}
      </svg>
    </figure>
  );
}

export function ScatterPlot({ points, xLabel, yLabel }: { points: { x: number; y: number; label: string }[]; xLabel: string; yLabel: string }) {
  const [x0, x1] = extent(points.map((p) => p.x));
  const [y0, y1] = extent(points.map((p) => p.y));
  const sx = (x: number) => PAD.l + ((x - x0) / (x1 - x0)) * (W - PAD.l - PAD.r);
  const sy = (y: number) => H - PAD.b - ((y - y0) / (y1 - y0)) * (H - PAD.t - PAD.b);
  return (
    <figure className="chart" data-testid="scatter">
      <figcaption>
        {yLabel} vs {xLabel}
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`${yLabel} vs ${xLabel}`}>
        {ticks(y0, y1).map((t) => (
          <text key={t} x={PAD.l - 4} y={sy(t) + 4} textAnchor="end" className="tick">
            {formatNumber(t, 3)}
          </text>
        ))}
        {ticks(x0, x1).map((t) => (
          <text key={t} x={sx(t)} y={H - 8} textAnchor="middle" className="tick">
            {formatNumber(t, 3)}
          </text>
        ))}
        {points.map((p, i) => (
          <circle key={p.label} cx={sx(p.x)} cy={sy(p.y)} r={5} fill={color(i)}>
            <title>{`${p.label}: (${formatNumber(p.x)}, ${formatNumber(p.y)})`}</title>
          </circle>
        ))}
      </svg>
    </figure>
  );
}

/** One vertical axis per dimension, one polyline per run; non-numeric values are placed by category. */
export function ParallelCoordinates({ dims, rows }: { dims: string[]; rows: { label: string; values: Record<string, string | number | undefined> }[] }) {
  const scales = dims.map((d) => {
    const vals = rows.map((r) => r.values[d]).filter((v) => v !== undefined);
    const numeric = vals.every((v) => typeof v === 'number' || (v !== '' && !Number.isNaN(Number(v))));
    if (numeric) {
      const [lo, hi] = extent(vals.map(Number));
      return { fmt: (v: number) => formatNumber(v, 3), lo, hi, pos: (v: string | number) => (Number(v) - lo) / (hi - lo) };
    }
    const cats = [...new Set(vals.map(String))].sort();
    return { fmt: (v: number) => cats[Math.round(v)] ?? '', lo: 0, hi: Math.max(1, cats.length - 1), pos: (v: string | number) => (cats.length <= 1 ? 0.5 : cats.indexOf(String(v)) / (cats.length - 1)) };
  });
  const ax = (i: number) => PAD.l + (dims.length <= 1 ? 0 : (i / (dims.length - 1)) * (W - PAD.l - PAD.r - 40));
  const ay = (f: number) => H - PAD.b - f * (H - PAD.t - PAD.b - 10);
  return (
    <figure className="chart" data-testid="parallel-coordinates">
      <figcaption>Parallel coordinates</figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label="parallel coordinates">
        {dims.map((d, i) => (
          <g key={d}>
            <line x1={ax(i)} x2={ax(i)} y1={ay(0)} y2={ay(1)} className="axis" />
            <text x={ax(i)} y={H - 8} textAnchor="middle" className="tick">
              {d}
            </text>
            <text x={ax(i) + 3} y={ay(1) - 2} className="tick">
              {scales[i].fmt(scales[i].hi)}
            </text>
            <text x={ax(i) + 3} y={ay(0) + 10} className="tick">
              {scales[i].fmt(scales[i].lo)}
            </text>
          </g>
        ))}
        {rows.map((r, ri) => (
          <polyline
            key={r.label}
            fill="none"
            stroke={color(ri)}
            strokeWidth={1.5}
            points={dims
              .map((d, i) => (r.values[d] === undefined ? undefined : `${ax(i)},${ay(scales[i].pos(r.values[d]!))}`))
              .filter(Boolean)
              .join(' ')}
          >
            <title>{r.label}</title>
          </polyline>
        ))}
      </svg>
    </figure>
  );
}
