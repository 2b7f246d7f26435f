import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { fmtDateTime } from '../lib/format';
import { useStore } from '../state/store';
import { themeStore } from '../state/theme';
import { seriesColor } from './palette';
import { isolatedPoints } from '../lib/series';

export interface ChartSeries {
  label: string;
  values: Array<number | null>;
}

interface TimeChartProps {
  testid: string;
  /** Bucket start times, epoch ms. */
  xs: number[];
  series: ChartSeries[];
  /** The x axis always spans the whole range, however sparse the data. */
  range: [number, number];
  yFormat: (v: number) => string;
  height?: number;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number) => String(n).padStart(2, '0');

/** Local-time ticks, 24-hour: `14:30`; a midnight tick or a daily step shows the date instead (`Nov 25`). */
function timeTick(sec: number, incr: number): string {
  const d = new Date(sec * 1000);
  const date = `${MONTHS[d.getMonth()]} ${d.getDate()}`;
  if (incr >= 86_400 || (d.getHours() === 0 && d.getMinutes() === 0)) return date;
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

const AXIS_FONT = '11px system-ui, sans-serif';
/** uPlot's default tick length and gap between tick and label, left of the y labels. */
const TICK_AND_GAP = 10 + 5;
let measurer: CanvasRenderingContext2D | null = null;

/**
 * Width of the y axis: the widest of its labels (`150.00 s`, `1.5B`) plus ticks, at least 58 px. A fixed width
 * cut long labels at the canvas edge (`.00.00 s`). uPlot calls this again once the labels are known.
 */
export function yAxisSize(_u: unknown, values: string[] | null | undefined): number {
  if (!values?.length) return 58;
  measurer ??= document.createElement('canvas').getContext('2d');
  if (!measurer) return 58;
  measurer.font = AXIS_FONT;
  const widest = Math.max(...values.map((v) => (v ? measurer!.measureText(v).width : 0)));
  return Math.max(58, Math.ceil(widest + TICK_AND_GAP + 4));
}

/**
 * A uPlot time series. uPlot's own legend is off: the legend below is Preact, so series labels (model
 * and persona names from events) are only ever text. uPlot draws axis labels on the canvas.
 */
export function TimeChart({ testid, xs, series, range, yFormat, height = 220 }: TimeChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const theme = useStore(themeStore);
  const [idx, setIdx] = useState<number | null>(null);
  const latest = useRef({ range, yFormat });
  latest.current = { range, yFormat };
  const shape = series.map((s) => s.label).join('\u0000');
  const data = (): uPlot.AlignedData => [xs.map((x) => x / 1000), ...series.map((s) => s.values)];

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const css = getComputedStyle(document.documentElement);
    const ink = css.getPropertyValue('--muted').trim() || '#666';
    const grid = css.getPropertyValue('--grid').trim() || '#ddd';
    const axis = { stroke: ink, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 }, font: AXIS_FONT };
    const width = () => Math.max(160, Math.floor(el.clientWidth));
    const u = new uPlot(
      {
        width: width(),
        height,
        legend: { show: false },
        cursor: { drag: { x: false, y: false }, points: { size: 7 } },
        scales: {
          x: { time: true, range: () => [latest.current.range[0] / 1000, latest.current.range[1] / 1000] },
          y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.12 : 1] },
        },
        axes: [
          { ...axis, values: (_u, splits, _i, _space, incr) => splits.map((v) => timeTick(v, incr)) },
          { ...axis, size: yAxisSize, values: (_u, splits) => splits.map((v) => latest.current.yFormat(v)) },
        ],
        series: [
          {},
          ...series.map((s, i) => ({
            label: s.label, stroke: seriesColor(theme, i), width: 2, spanGaps: false,
            // A value with gaps on both sides draws no line: a point marks it (one busy hour in a quiet week).
            points: { filter: (u: uPlot, si: number, show: boolean) => (show ? null : isolatedPoints(u.data[si] ?? [])) },
          })),
        ],
        hooks: { setCursor: [(p) => setIdx(p.cursor.idx ?? null)] },
      },
      data(),
      el,
    );
    plot.current = u;
    let frame = 0;
    const ro = new ResizeObserver(() => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => {
        if (width() !== u.width) u.setSize({ width: width(), height });
      });
    });
    ro.observe(el);
    return () => {
      cancelAnimationFrame(frame);
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
    // Rebuilt when the theme or the set of series changes; new data alone goes through setData below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [theme, shape, height]);

  useEffect(() => {
    plot.current?.setData(data());
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [xs, series]);

  const at = idx !== null && idx < xs.length ? idx : null;
  return (
    <div class="chart" data-testid={testid}>
      <div class="chart-canvas" ref={box} />
      <ul class="legend">
        {at !== null ? <li class="legend-time">{fmtDateTime(xs[at]!)}</li> : null}
        {series.map((s, i) => (
          <li key={s.label}>
            <span class="swatch" style={{ background: seriesColor(theme, i) }} aria-hidden="true" />
            <span class="legend-label">{s.label}</span>
            {at !== null ? <span class="legend-value">{s.values[at] == null ? '—' : yFormat(s.values[at]!)}</span> : null}
          </li>
        ))}
      </ul>
    </div>
  );
}
