// Hand-written SVG plots for the calibration page (no chart library).
const NS = 'http://www.w3.org/2000/svg';
const W = 420;
const H = 300;
const PAD = 48;

function node(tag, attrs = {}, text) {
  const n = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v);
  if (text !== undefined) n.textContent = text;
  return n;
}

function frame(label) {
  const svg = node('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': label });
  svg.append(node('rect', { x: PAD, y: 10, width: W - PAD - 10, height: H - PAD - 10, fill: '#fafbfd', stroke: '#d8dde5' }));
  return svg;
}

function scale(lo, hi, a, b) { const d = hi - lo || 1; return (v) => a + (v - lo) * (b - a) / d; }

function ticks(svg, sx, sy, [x0, x1], [y0, y1], xl, yl) {
  for (const t of [0, 0.25, 0.5, 0.75, 1]) {
    const xv = x0 + t * (x1 - x0);
    const yv = y0 + t * (y1 - y0);
    svg.append(node('text', { x: sx(xv), y: H - PAD + 16, 'font-size': 10, 'text-anchor': 'middle' }, xv.toFixed(0)));
    svg.append(node('text', { x: PAD - 4, y: sy(yv) + 3, 'font-size': 10, 'text-anchor': 'end' }, yv.toFixed(yv < 10 && yv > -10 ? 2 : 0)));
  }
  svg.append(node('text', { x: (W + PAD) / 2, y: H - 8, 'font-size': 11, 'text-anchor': 'middle' }, xl));
  svg.append(node('text', { x: 12, y: H / 2, 'font-size': 11, 'text-anchor': 'middle', transform: `rotate(-90 12 ${H / 2})` }, yl));
}

// Predicted (held-out) against charged, with the 45-degree line and each job's interval.
export function scatter(rows) {
  const svg = frame('Predicted against charged price, one point per job, with the 45 degree line');
  const all = rows.flatMap((r) => [r.charged_eur, r.predicted_eur, r.low_eur, r.high_eur]);
  const hi = Math.max(...all) * 1.05;
  const sx = scale(0, hi, PAD, W - 10);
  const sy = scale(0, hi, H - PAD, 10);
  svg.append(node('line', { x1: sx(0), y1: sy(0), x2: sx(hi), y2: sy(hi), stroke: '#888', 'stroke-dasharray': '4 3', class: 'diagonal' }));
  for (const r of rows) {
    svg.append(node('line', { x1: sx(r.charged_eur), x2: sx(r.charged_eur), y1: sy(r.low_eur), y2: sy(r.high_eur), stroke: '#b9c7d8' }));
    svg.append(node('circle', { cx: sx(r.charged_eur), cy: sy(r.predicted_eur), r: 3.5, fill: '#0b5cad', class: 'point' }));
  }
  ticks(svg, sx, sy, [0, hi], [0, hi], 'charged [EUR]', 'predicted [EUR]');
  return svg;
}

// Relative residuals (predicted / charged - 1) per process: one column of points each.
export function residuals(rows) {
  const svg = frame('Relative residuals by process');
  const procs = [...new Set(rows.map((r) => r.process))];
  const res = rows.map((r) => r.predicted_eur / r.charged_eur - 1);
  const m = Math.max(0.05, ...res.map(Math.abs)) * 1.1;
  const sy = scale(-m, m, H - PAD, 10);
  const sx = (i) => PAD + (i + 0.5) * (W - PAD - 10) / procs.length;
  svg.append(node('line', { x1: PAD, x2: W - 10, y1: sy(0), y2: sy(0), stroke: '#888' }));
  rows.forEach((r, i) => {
    const j = procs.indexOf(r.process);
    const jitter = ((i * 37) % 17 - 8) * 1.5;
    svg.append(node('circle', { cx: sx(j) + jitter, cy: sy(res[i]), r: 3.5, fill: '#1f7a3a', class: 'point' }));
  });
  procs.forEach((p, j) => svg.append(node('text', { x: sx(j), y: H - PAD + 16, 'font-size': 11, 'text-anchor': 'middle' }, p)));
  for (const t of [-m, -m / 2, 0, m / 2, m]) {
    svg.append(node('text', { x: PAD - 4, y: sy(t) + 3, 'font-size': 10, 'text-anchor': 'end' }, `${(100 * t).toFixed(0)}%`));
  }
  svg.append(node('text', { x: 12, y: H / 2, 'font-size': 11, 'text-anchor': 'middle', transform: `rotate(-90 12 ${H / 2})` }, 'predicted / charged - 1'));
  return svg;
}

// Bars: interval coverage against its nominal level; held-out error of the rule price and the calibrated one.
export function coverage(cv) {
  const svg = frame('Interval coverage and held-out error');
  const bars = [['coverage', cv.coverage, '#0b5cad'], ['level', cv.level, '#9fb3c8'],
    ['rule error', cv.rule_mape, '#b3261e'], ['calibrated error', cv.calibrated_mape, '#1f7a3a']];
  const top = 1.1 * Math.max(1, ...bars.map((b) => b[1] || 0));
  const sy = scale(0, top, H - PAD, 10);
  const bw = (W - PAD - 10) / bars.length;
  bars.forEach(([name, v, color], i) => {
    const x = PAD + i * bw + 8;
    const val = v ?? 0;
    svg.append(node('rect', { x, y: sy(val), width: bw - 16, height: sy(0) - sy(val), fill: color, class: 'bar' }));
    svg.append(node('text', { x: x + (bw - 16) / 2, y: sy(val) - 4, 'font-size': 11, 'text-anchor': 'middle' }, v === null ? 'n/a' : `${(100 * v).toFixed(0)}%`));
    svg.append(node('text', { x: x + (bw - 16) / 2, y: H - PAD + 16, 'font-size': 10, 'text-anchor': 'middle' }, name));
  });
  return svg;
}
