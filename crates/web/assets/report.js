// heapscope report: renders the document embedded in #report-data (see
// crates/web/src/report/data.rs for its fields): the verdict first, then
// the memory timeline, Statistics per snapshot, the Summary, Comparisons,
// packages, duplicate strings and the load rounds.
'use strict';

(() => {
  const { el, bytes, signedBytes, num, signed, pct, site } = HS;
  const data = JSON.parse(document.getElementById('report-data').textContent);
  const app = document.getElementById('app');
  const KIND_WORDS = {
    accumulating_objects: 'accumulating objects',
    code_growth: 'code growth',
    growing_collection: 'growing collection',
    growing_object: 'growing object',
  };

  function section(id, title, ...body) {
    return el('section', { id, class: 'card' }, el('h2', {}, title), body);
  }

  /** A select over the snapshots (or comparisons) that redraws `target`. */
  function picker(labels, initial, draw) {
    const holder = el('div');
    const select = el('select', { class: 'picker', onchange: (e) => holder.replaceChildren(draw(Number(e.target.value))) },
      labels.map((l, i) => el('option', { value: i, selected: i === initial }, l)));
    holder.append(draw(initial));
    return el('div', {}, labels.length > 1 ? select : null, holder);
  }

  function header() {
    const when = new Date(data.generated_unix_ms).toISOString().replace('T', ' ').slice(0, 19) + ' UTC';
    return el('header', { class: 'top' },
      el('h1', {}, data.title),
      el('p', { class: 'muted' }, `heapscope ${data.heapscope_version} · ${when} · ${data.snapshots.length} snapshot(s)`,
        data.redacted ? ' · string values redacted' : ''),
      el('nav', {}, ['verdict', 'timeline', 'statistics', 'summary', 'comparison', 'packages', 'strings', 'load']
        .map((s) => el('a', { href: '#' + s }, s))));
  }

  // ---- Verdict --------------------------------------------------------

  function pathChain(path) {
    const chain = el('div', { class: 'chain' });
    (path || []).forEach((step, i) => {
      if (i > 0 || step.edge) chain.append(el('span', { class: 'edge' }, step.edge ? `${step.edge} →` : '→'));
      chain.append(el('span', { class: 'box', title: `@${step.id}` }, step.node));
    });
    return chain;
  }

  function suspectCard(s, i) {
    const perRequest = data.hunt && data.hunt.per_request ? data.hunt.per_request[i] : null;
    const counts = s.counts || [];
    const bytesSeries = s.class_bytes || [];
    const facts = el('dl', { class: 'facts' },
      el('dt', {}, 'created at'), el('dd', {}, site(s.created_by)),
      el('dt', {}, 'held in'), el('dd', {}, s.held_by
        ? `${s.held_by.class} @${s.held_by.id} (${s.held_by.reference}), holding ${num(s.held_by.holds)}, retains ${bytes(s.held_by.retained_size)}`
          + (s.held_by.owner ? `, owned by ${site(s.held_by.owner)}` : '')
        : '–'),
      el('dt', {}, 'added at'), el('dd', {}, site(s.added_at)),
      perRequest ? [el('dt', {}, 'per request'), el('dd', {},
        (perRequest.objects !== null && perRequest.objects !== undefined ? `+${perRequest.objects.toFixed(2)} objects and ` : '')
        + `${bytes(perRequest.bytes)}: about ${bytes(perRequest.bytes * 1e6)} per million requests`)] : null);
    return el('article', { class: 'suspect', 'data-class': s.class },
      el('h3', {}, `${i + 1}. `, el('span', { class: 'kind' }, KIND_WORDS[s.kind] || s.kind), ' ', el('code', {}, s.class),
        ` — ${bytes(s.retained_size)} (${pct(s.heap_share)} of the heap), package ${s.package}`),
      el('p', {}, s.summary),
      el('div', { class: 'sparks' },
        counts.length ? el('figure', {}, HS.sparkline(counts, 'count per snapshot'), el('figcaption', {}, `${s.unit}: ${counts.map(num).join(' → ')}`)) : null,
        bytesSeries.length ? el('figure', {}, HS.sparkline(bytesSeries, 'class bytes per snapshot'), el('figcaption', {}, `class bytes: ${bytesSeries.map(bytes).join(' → ')}`)) : null),
      facts,
      el('h4', {}, 'retained via'),
      pathChain(s.path));
  }

  function verdict() {
    const leaks = data.leaks;
    let body;
    if (!leaks) body = el('p', {}, 'No leak analysis: it needs three or more snapshots of one process.');
    else if (!leaks.suspects.length) body = el('p', { class: 'good' }, `No leak suspect across ${leaks.snapshots.length} snapshots.`);
    else body = leaks.suspects.map(suspectCard);
    const lines = [];
    if (data.hunt && data.hunt.heap_per_request) lines.push(`Heap growth: ${bytes(data.hunt.heap_per_request)} per request.`);
    if (data.timeline && data.timeline.verdict) lines.push(`Memory timeline: ${String(data.timeline.verdict.state).replace(/_/g, ' ')}.`);
    if (leaks) lines.push(`Heap over the snapshots: ${leaks.snapshots.map((x) => bytes(x.total_size)).join(' → ')}.`);
    return section('verdict', 'Verdict', el('p', { class: 'lead' }, lines.join(' ')), body);
  }

  // ---- Timeline -------------------------------------------------------

  const SERIES = [
    ['rss_bytes', 'RSS'], ['heap_total_bytes', 'heap total'], ['heap_used_bytes', 'heap used'],
    ['external_bytes', 'external'], ['array_buffers_bytes', 'array buffers'],
  ];

  function timeline() {
    const t = data.timeline;
    if (!t || !t.samples || !t.samples.length) return section('timeline', 'Memory timeline', el('p', { class: 'muted' }, 'No timeline (give a hunt folder, or a watch --csv/-o timeline file).'));
    const series = SERIES.map(([key, name], i) => ({
      name, cls: 's' + i,
      points: t.samples.filter((s) => s[key] !== null && s[key] !== undefined).map((s) => [s.t_s, s[key]]),
    })).filter((s) => s.points.length);
    const events = t.events || [];
    const markers = events.filter((e) => e.kind === 'snapshot_start').map((e, i) => ({ x: e.t_s, label: `s${i + 1}` }));
    const starts = events.filter((e) => e.kind === 'load_start'), ends = events.filter((e) => e.kind === 'load_end');
    const bands = starts.map((e, i) => ({ x0: e.t_s, x1: ends[i] ? ends[i].t_s : e.t_s, label: e.label || 'load' }));
    const trend = trendLine(t, series[0]);
    const chart = HS.lineChart({ series, markers, bands, trend, xLabel: 'seconds', yFormat: bytes, xFormat: (x) => x.toFixed(0) + ' s' });
    const rows = ((t.verdict && t.verdict.trends) || []).map((tr) => el('tr', {},
      el('td', {}, tr.series), el('td', { class: 'num' }, `${tr.mb_per_min.toFixed(2)} MB/min`),
      el('td', { class: 'num' }, `${tr.mb_per_min_low.toFixed(2)} … ${tr.mb_per_min_high.toFixed(2)}`),
      el('td', {}, tr.significant ? 'significant' : 'not significant'), el('td', {}, tr.reading)));
    return section('timeline', 'Memory timeline', HS.legend(series), chart,
      el('p', { class: 'muted' }, 'Shaded: load rounds. Lines s1…: snapshots. Dashed: the RSS trend.'),
      rows.length ? el('table', { class: 'grid-table' }, el('thead', {}, el('tr', {}, ['series', 'slope', '95% range', 'test', 'reading'].map((h) => el('th', {}, h)))), el('tbody', {}, rows)) : null);
  }

  /** The RSS trend as a line through the samples' mean with the verdict's slope. */
  function trendLine(t, rss) {
    const tr = ((t.verdict && t.verdict.trends) || []).find((x) => x.series === 'rss');
    if (!tr || !rss || rss.points.length < 2) return null;
    const pts = rss.points;
    const mx = pts.reduce((a, p) => a + p[0], 0) / pts.length, my = pts.reduce((a, p) => a + p[1], 0) / pts.length;
    const slope = tr.mb_per_min * 1e6 / 60;
    const x0 = pts[0][0], x1 = pts[pts.length - 1][0];
    return { x0, y0: Math.max(0, my + slope * (x0 - mx)), x1, y1: Math.max(0, my + slope * (x1 - mx)), label: `RSS trend: ${tr.mb_per_min.toFixed(2)} MB/min` };
  }

  // ---- Snapshot views -------------------------------------------------

  const STAT_PARTS = [
    ['code', 'code', 'p0'], ['strings', 'strings', 'p1'], ['js_arrays', 'JS arrays', 'p2'],
    ['typed_arrays', 'typed arrays', 'p3'], ['system_objects', 'system objects', 'p4'],
    ['other', 'other', 'p5'],
  ];

  function statistics() {
    if (!data.snapshots.length) return section('statistics', 'Statistics', el('p', {}, 'No snapshot.'));
    const bars = data.snapshots.map((s) => {
      const st = s.statistics;
      const known = st.code + st.strings + st.js_arrays + st.typed_arrays + st.system_objects;
      return { label: s.name, values: [st.code, st.strings, st.js_arrays, st.typed_arrays, st.system_objects, Math.max(0, st.total - known)] };
    });
    const parts = STAT_PARTS.map(([, name, cls]) => ({ name, cls }));
    return section('statistics', 'Statistics', el('div', { class: 'legend' }, parts.map((p) => el('span', { class: 'legend-item' }, el('span', { class: `swatch ${p.cls}` }), p.name))),
      HS.stackedBars(bars, parts));
  }

  const last = () => data.snapshots.length - 1;
  const names = () => data.snapshots.map((s, i) => `s${i + 1}: ${s.name}`);

  function summary() {
    const cols = [
      { key: 'name', label: 'Constructor' }, { key: 'distance', label: 'Distance', num: true, fmt: num },
      { key: 'count', label: 'Objects', num: true, fmt: num }, { key: 'self_size', label: 'Shallow size', num: true, fmt: bytes },
      { key: 'retained_size', label: 'Retained size', num: true, fmt: bytes },
    ];
    return section('summary', 'Summary', picker(names(), last(), (i) => {
      const s = data.snapshots[i];
      return el('div', {}, el('p', { class: 'muted' }, `${num(s.total_count)} objects, ${bytes(s.total_size)}; the ${s.classes.length} largest of ${num(s.class_count)} classes by retained size.`),
        HS.sortableTable(cols, s.classes, { sortKey: 'retained_size', placeholder: 'Filter classes…' }));
    }));
  }

  function comparison() {
    if (!data.comparisons.length) return section('comparison', 'Comparison', el('p', { class: 'muted' }, 'One snapshot: nothing to compare.'));
    const cols = [
      { key: 'name', label: 'Constructor' }, { key: 'added_count', label: '# New', num: true, fmt: num },
      { key: 'removed_count', label: '# Deleted', num: true, fmt: num }, { key: 'count_delta', label: '# Delta', num: true, fmt: signed },
      { key: 'added_size', label: 'Alloc. size', num: true, fmt: bytes }, { key: 'removed_size', label: 'Freed size', num: true, fmt: bytes },
      { key: 'size_delta', label: 'Size delta', num: true, fmt: signedBytes },
    ];
    const labels = data.comparisons.map((c) => `s${c.target + 1} against s${c.base + 1}`);
    return section('comparison', 'Comparison', picker(labels, labels.length - 1, (i) => {
      const c = data.comparisons[i];
      const rows = c.classes.map((r) => Object.assign({ name: r.name }, r));
      return el('div', {}, el('p', { class: 'muted' }, `${signed(c.totals.count_delta)} objects, ${signedBytes(c.totals.size_delta)} in all; ${c.classes.length} of ${num(c.class_count)} classes, largest change first.`),
        HS.sortableTable(cols, rows, { placeholder: 'Filter classes…' }));
    }));
  }

  function packages() {
    const cols = [
      { key: 'name', label: 'Package' }, { key: 'retained_size', label: 'Bytes', num: true, fmt: bytes },
      { key: 'count', label: 'Objects', num: true, fmt: num }, { key: 'classes', label: 'Largest classes' },
    ];
    return section('packages', 'Memory by package', picker(names(), last(), (i) => {
      const rows = data.snapshots[i].packages.map((p) => ({ name: p.name, retained_size: p.retained_size, count: p.count,
        classes: p.top_classes.map((c) => c.class_name || c.name).join(', ') }));
      return HS.sortableTable(cols, rows, { sortKey: 'retained_size', placeholder: 'Filter packages…' });
    }));
  }

  function strings() {
    const cols = [
      { key: 'value', label: 'Value' }, { key: 'count', label: 'Copies', num: true, fmt: num },
      { key: 'wasted_size', label: 'Wasted', num: true, fmt: bytes }, { key: 'self_size', label: 'Total size', num: true, fmt: bytes },
    ];
    return section('strings', 'Duplicate strings', picker(names(), last(), (i) =>
      HS.sortableTable(cols, data.snapshots[i].strings.map((s) => Object.assign({}, s, { value: s.value.length > 120 ? s.value.slice(0, 120) + '…' : s.value })),
        { sortKey: 'wasted_size', placeholder: 'Filter strings…' })));
  }

  // ---- Load -----------------------------------------------------------

  const PERCENTILES = [['p2_5', 2.5], ['p50', 50], ['p90', 90], ['p97_5', 97.5], ['p99', 99], ['p99_9', 99.9], ['max', 100]];

  function load() {
    const rounds = Array.isArray(data.load) ? data.load : [];
    if (!rounds.length) return section('load', 'Load rounds', el('p', { class: 'muted' }, 'No load rounds (a hunt folder has them).'));
    const ms = (us) => (us / 1000).toFixed(2) + ' ms';
    const rows = rounds.map((r) => el('tr', {},
      el('td', {}, r.name), el('td', { class: 'num' }, num(r.load.sent)), el('td', { class: 'num' }, num(r.load.throughput.requests_per_s)),
      ['p50', 'p90', 'p99', 'max'].map((k) => el('td', { class: 'num' }, ms(r.load.latency_us[k]))),
      el('td', { class: 'num' }, num(r.load.errors.total + r.load.errors.timeouts))));
    // Percentiles at even steps (2.5, 50, 90, … max), so the tail is not squeezed to the right edge.
    const series = rounds.map((r, i) => ({ name: r.name, cls: 's' + i, points: PERCENTILES.map(([k], j) => [j, r.load.latency_us[k] / 1000]) }));
    const xLabel = (j) => { const p = PERCENTILES[Math.round(j)]; return p && Math.abs(j - Math.round(j)) < 1e-9 ? (p[0] === 'max' ? 'max' : p[1] + '%') : ''; };
    return section('load', 'Load rounds',
      el('table', { class: 'grid-table' }, el('thead', {}, el('tr', {}, ['round', 'sent', 'req/s', 'p50', 'p90', 'p99', 'max', 'errors'].map((h) => el('th', {}, h)))), el('tbody', {}, rows)),
      el('h3', {}, 'Latency by percentile'), HS.legend(series),
      HS.lineChart({ series, height: 220, xLabel: 'percentile', yFormat: (v) => v.toFixed(1) + ' ms', xFormat: xLabel }));
  }

  app.replaceChildren(header(), verdict(), timeline(), statistics(), summary(), comparison(), packages(), strings(), load(),
    el('footer', { class: 'muted' }, 'Inputs: ', data.inputs.join(', ')));
})();
