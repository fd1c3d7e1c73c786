// A horizontal bar chart as inline SVG (styled by the stylesheet), with the
// same numbers as a table for screen readers and for copying.

import type { VNode } from 'preact';

export interface Bar {
  label: string;
  value: number;
  display: string;
  note?: string;
}

export function BarChart({ title, bars, unit }: { title: string; bars: Bar[]; unit: string }): VNode {
  if (bars.length === 0) return <p class="muted">No runs in this range.</p>;
  const max = Math.max(...bars.map((b) => b.value), 0) || 1;
  const row = 28;
  const labelW = 150;
  const width = 600;
  const barMax = width - labelW - 110;
  const height = bars.length * row + 8;
  const id = `chart-${title.replace(/\W+/g, '-').toLowerCase()}`;
  return (
    <figure class="chart">
      <svg
        class="bar-chart"
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-labelledby={`${id}-t`}
        preserveAspectRatio="xMinYMin meet"
      >
        <title id={`${id}-t`}>{title}</title>
        {bars.map((b, i) => {
          const w = Math.max(b.value > 0 ? 2 : 0, (b.value / max) * barMax);
          const y = 4 + i * row;
          const label = b.label.length > 22 ? b.label.slice(0, 21) + '…' : b.label;
          return (
            <g key={b.label}>
              <text class="bar-label" x={labelW - 8} y={y + 17} text-anchor="end">
                {label}
              </text>
              <rect class="bar" x={labelW} y={y + 4} width={w} height={row - 10} rx={3} />
              <text class="bar-value" x={labelW + w + 6} y={y + 17}>
                {b.display}
              </text>
            </g>
          );
        })}
      </svg>
      <figcaption>
        <details>
          <summary>{title}: as a table</summary>
          <div class="scroll-x">
            <table class="data">
              <thead>
                <tr>
                  <th scope="col">Group</th>
                  <th scope="col">{unit}</th>
                  <th scope="col">Note</th>
                </tr>
              </thead>
              <tbody>
                {bars.map((b) => (
                  <tr key={b.label}>
                    <th scope="row">{b.label}</th>
                    <td class="num">{b.display}</td>
                    <td>{b.note ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      </figcaption>
    </figure>
  );
}
