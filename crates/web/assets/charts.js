// heapscope charts: DOM helpers, number formats and SVG charts (line chart
// with markers, bands and a trend line; stacked bars; sparklines), shared
// by the report and the web UI. No library, no network, no inline styles
// (colors come from style.css classes, so a strict CSP holds).
'use strict';

const HS = (() => {
  const SVG_NS = 'http://www.w3.org/2000/svg';

  /** An HTML element: el('td', {class: 'num'}, 'text', child, …). */
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : String(v));
    }
    append(e, children);
    return e;
  }

  function append(parent, children) {
    for (const c of children.flat(Infinity)) {
      if (c === undefined || c === null || c === false) continue;
      parent.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return parent;
  }

  /** Replaces an element's children (null and false ones are left out). */
  function fill(parent, ...children) {
    parent.replaceChildren();
    return append(parent, children);
  }

  function svg(tag, attrs, ...children) {
    const e = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v !== undefined && v !== null) e.setAttribute(k, String(v));
    }
    for (const c of children.flat(Infinity)) {
      if (c) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return e;
  }

  /** 1234567 → "1.2 MB" (decimal units, as heapscope prints them). */
  function bytes(n) {
    if (n === null || n === undefined || isNaN(n)) return '–';
    const sign = n < 0 ? '−' : '';
    let v = Math.abs(n);
    const units = ['B', 'kB', 'MB', 'GB', 'TB'];
    let u = 0;
    while (v >= 1000 && u < units.length - 1) { v /= 1000; u++; }
    return sign + (u === 0 ? String(Math.round(v)) : v.toFixed(v < 10 ? 2 : 1)) + ' ' + units[u];
  }

  function signedBytes(n) {
    return (n > 0 ? '+' : '') + bytes(n);
  }

  /** 1234567 → "1,234,567". */
  function num(n) {
    if (n === null || n === undefined || isNaN(n)) return '–';
    return Math.round(n).toLocaleString('en-US');
  }

  function signed(n) {
    return (n > 0 ? '+' : n < 0 ? '−' : '') + num(Math.abs(n));
  }

  function pct(x) {
    return (x * 100).toFixed(1) + '%';
  }

  /** A code site: "file:line in fn (package)". */
  function site(s) {
    if (!s) return '–';
    let text = `${s.file}:${s.line}`;
    if (s.function) text += ` in ${s.function}`;
    if (s.package) text += ` (${s.package === '(app)' ? 'your code' : s.package})`;
    if (s.original) text += ` — original ${s.original.file}:${s.original.line}`;
    return text;
  }

  function niceTicks(min, max, count) {
    if (!(max > min)) { max = min + 1; }
    const span = max - min;
    const step0 = span / Math.max(1, count);
    const mag = Math.pow(10, Math.floor(Math.log10(step0)));
    const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= step0) || step0;
    const ticks = [];
    for (let t = Math.ceil(min / step) * step; t <= max + 1e-9; t += step) ticks.push(t);
    return ticks;
  }

  /**
   * A line chart. opts: {series: [{name, cls, points: [[x, y]…]}], width,
   * height, xFormat, yFormat, markers: [{x, label}], bands: [{x0, x1, label}],
   * trend: {x0, y0, x1, y1, label}}. The SVG carries data-points (points drawn).
   */
  function lineChart(opts) {
    const W = opts.width || 900, H = opts.height || 300;
    const M = { l: 70, r: 16, t: 12, b: 40 };
    const all = opts.series.flatMap((s) => s.points);
    const xs = all.map((p) => p[0]), ys = all.map((p) => p[1]);
    const x0 = Math.min(...xs, Infinity), x1 = Math.max(...xs, -Infinity);
    const y1 = Math.max(...ys, opts.trend ? Math.max(opts.trend.y0, opts.trend.y1) : 0, 1);
    const sx = (x) => M.l + ((x - x0) / ((x1 - x0) || 1)) * (W - M.l - M.r);
    const sy = (y) => H - M.b - (y / y1) * (H - M.t - M.b);
    const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart line-chart', role: 'img', 'data-points': all.length });
    for (const b of opts.bands || []) {
      root.append(svg('rect', { class: 'band', x: sx(b.x0), y: M.t, width: Math.max(1, sx(b.x1) - sx(b.x0)), height: H - M.t - M.b },
        svg('title', {}, b.label)));
    }
    for (const t of niceTicks(0, y1, 5)) {
      root.append(svg('line', { class: 'grid', x1: M.l, x2: W - M.r, y1: sy(t), y2: sy(t) }));
      root.append(svg('text', { class: 'tick', x: M.l - 6, y: sy(t) + 4, 'text-anchor': 'end' }, (opts.yFormat || String)(t)));
    }
    if (xs.length) {
      for (const t of niceTicks(x0, x1, 8)) {
        root.append(svg('text', { class: 'tick', x: sx(t), y: H - M.b + 16, 'text-anchor': 'middle' }, (opts.xFormat || String)(t)));
      }
    }
    if (opts.xLabel) root.append(svg('text', { class: 'axis-label', x: W / 2, y: H - 6, 'text-anchor': 'middle' }, opts.xLabel));
    opts.series.forEach((s, i) => {
      if (!s.points.length) return;
      const d = s.points.map((p) => `${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join(' ');
      root.append(svg('polyline', { class: `series ${s.cls || 's' + i}`, points: d }, svg('title', {}, s.name)));
    });
    if (opts.trend) {
      const t = opts.trend;
      root.append(svg('line', { class: 'trend', x1: sx(t.x0), y1: sy(t.y0), x2: sx(t.x1), y2: sy(t.y1) }, svg('title', {}, t.label)));
    }
    for (const m of opts.markers || []) {
      root.append(svg('line', { class: 'marker', x1: sx(m.x), x2: sx(m.x), y1: M.t, y2: H - M.b }));
      root.append(svg('text', { class: 'marker-label', x: sx(m.x) + 3, y: M.t + 10 }, m.label));
    }
    return root;
  }

  /** A legend for a chart's series. */
  function legend(series) {
    return el('div', { class: 'legend' }, series.map((s, i) =>
      el('span', { class: 'legend-item' }, el('span', { class: `swatch ${s.cls || 's' + i}` }), s.name)));
  }

  /** Stacked bars: bars = [{label, values: [...]}], parts = [{name, cls}]. */
  function stackedBars(bars, parts, opts) {
    opts = opts || {};
    const W = opts.width || 900, barH = 26, gap = 10, M = { l: 160, r: 90 };
    const H = bars.length * (barH + gap) + gap;
    const max = Math.max(1, ...bars.map((b) => b.values.reduce((a, v) => a + v, 0)));
    const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart bars', role: 'img', 'data-points': bars.length });
    bars.forEach((b, i) => {
      const y = gap + i * (barH + gap);
      root.append(svg('text', { class: 'tick', x: M.l - 8, y: y + barH / 2 + 4, 'text-anchor': 'end' }, b.label));
      let x = M.l;
      b.values.forEach((v, j) => {
        const w = (v / max) * (W - M.l - M.r);
        root.append(svg('rect', { class: `part ${parts[j].cls}`, x, y, width: Math.max(0, w), height: barH },
          svg('title', {}, `${parts[j].name}: ${bytes(v)}`)));
        x += w;
      });
      root.append(svg('text', { class: 'tick', x: x + 6, y: y + barH / 2 + 4 }, bytes(b.values.reduce((a, v) => a + v, 0))));
    });
    return root;
  }

  /** A small line of values with its last value, e.g. counts per snapshot. */
  function sparkline(values, label) {
    const W = 120, H = 28;
    const max = Math.max(1, ...values), min = Math.min(0, ...values);
    const sx = (i) => 2 + (i / Math.max(1, values.length - 1)) * (W - 4);
    const sy = (v) => H - 3 - ((v - min) / ((max - min) || 1)) * (H - 6);
    const pts = values.map((v, i) => `${sx(i).toFixed(1)},${sy(v).toFixed(1)}`).join(' ');
    return svg('svg', { viewBox: `0 0 ${W} ${H}`, class: 'spark', role: 'img', 'data-points': values.length },
      svg('title', {}, label),
      svg('polyline', { points: pts }),
      values.map((v, i) => svg('circle', { cx: sx(i), cy: sy(v), r: 2 })));
  }

  /**
   * A table whose columns sort on click and whose rows a text box filters.
   * cols = [{key, label, num, fmt}], rows = plain objects; onRow(row, tr).
   */
  function sortableTable(cols, rows, opts) {
    opts = opts || {};
    let sortKey = opts.sortKey || null, desc = true, filter = '';
    const tbody = el('tbody');
    const heads = cols.map((c) => el('th', { class: c.num ? 'num sortable' : 'sortable', onclick: () => {
      desc = sortKey === c.key ? !desc : !!c.num;
      sortKey = c.key;
      draw();
    } }, c.label));
    const table = el('table', { class: 'grid-table' }, el('thead', {}, el('tr', {}, heads)), tbody);
    const count = el('span', { class: 'muted' });
    const input = el('input', { type: 'search', placeholder: opts.placeholder || 'Filter…', class: 'filter', oninput: (e) => { filter = e.target.value.toLowerCase(); draw(); } });
    function draw() {
      let shown = rows;
      if (filter) shown = shown.filter((r) => cols.some((c) => !c.num && String(r[c.key] ?? '').toLowerCase().includes(filter)));
      if (sortKey) {
        const k = sortKey;
        shown = [...shown].sort((a, b) => {
          const x = a[k], y = b[k];
          const cmp = typeof x === 'number' ? x - y : String(x).localeCompare(String(y));
          return desc ? -cmp : cmp;
        });
      }
      const limit = opts.limit || 200;
      tbody.replaceChildren(...shown.slice(0, limit).map((r) => {
        const tr = el('tr', {}, cols.map((c) => el('td', { class: c.num ? 'num' : '' }, c.fmt ? c.fmt(r[c.key], r) : r[c.key])));
        if (opts.onRow) opts.onRow(r, tr);
        return tr;
      }));
      count.textContent = shown.length > limit ? `${limit} of ${shown.length} rows` : `${shown.length} rows`;
      heads.forEach((h, i) => h.classList.toggle('sorted', cols[i].key === sortKey));
    }
    draw();
    return el('div', { class: 'table-wrap' }, el('div', { class: 'table-tools' }, input, count), table);
  }

  return { el, append, fill, svg, bytes, signedBytes, num, signed, pct, site, lineChart, legend, stackedBars, sparkline, sortableTable };
})();
