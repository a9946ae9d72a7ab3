// heapscope web UI: DevTools' Memory panel over heapscope's JSON API
// (crates/web/src/serve/api.rs). Summary → a class's instances → an
// object's retainers tree and dominator chain; Comparison, Statistics,
// packages, strings and the leak view. Every table is paged by the server.
'use strict';

(() => {
  const { el, fill, bytes, signedBytes, num, signed, pct, site } = HS;
  const $ = (id) => document.getElementById(id);
  const PAGE = 100, INSTANCES = 50, EDGES = 50;
  const ui = { snapshots: [], current: 0, tab: 'summary', filter: '', sort: 'retained', selected: null };

  // A token given in the URL is now in a cookie: take it out of the address bar.
  if (location.search.includes('token=')) history.replaceState(null, '', location.pathname);

  async function api(path) {
    const r = await fetch(path, { credentials: 'same-origin' });
    const body = await r.json().catch(() => ({ error: `HTTP ${r.status}` }));
    if (!r.ok) throw new Error(body.error || `HTTP ${r.status}`);
    return body;
  }
  const snap = () => `/api/snapshots/${ui.current}`;
  const q = (params) => new URLSearchParams(Object.entries(params).filter(([, v]) => v !== '' && v !== undefined && v !== null)).toString();

  function failed(where, e) {
    fill(where, el('p', { class: 'error' }, String(e.message || e)));
  }

  // ---- Snapshots and tabs ---------------------------------------------

  const TABS = [['summary', 'Summary'], ['comparison', 'Comparison'], ['statistics', 'Statistics'], ['packages', 'Packages'], ['strings', 'Strings'], ['leaks', 'Leaks']];

  function drawTabs() {
    fill($('tabs'), ...TABS.map(([key, label]) => el('button', {
      class: key === ui.tab ? 'active' : '', 'data-tab': key,
      disabled: (key === 'comparison' && ui.snapshots.length < 2) || (key === 'leaks' && ui.snapshots.length < 3),
      onclick: () => { ui.tab = key; drawTabs(); show(); },
    }, label)));
  }

  async function poll() {
    let list;
    try { list = await api('/api/snapshots'); } catch (e) { $('status').textContent = String(e.message); return; }
    const wasReady = ui.snapshots.filter((s) => s.state === 'ready').length;
    ui.snapshots = list;
    const ready = list.filter((s) => s.state === 'ready').length;
    const select = $('snapshot');
    if (select.options.length !== list.length || ready !== wasReady) {
      fill(select, ...list.map((s) => el('option', { value: s.index, selected: s.index === ui.current, disabled: s.state !== 'ready' },
        `s${s.index + 1}: ${s.file.split('/').pop()}${s.state === 'ready' ? ` (${bytes(s.total_size)})` : s.state === 'failed' ? ' (failed)' : ' (loading…)'}`)));
      drawTabs();
    }
    const pending = list.filter((s) => s.state === 'loading').length;
    const failedOnes = list.filter((s) => s.state === 'failed');
    $('status').textContent = pending ? `loading ${pending} of ${list.length} snapshot(s)…` : failedOnes.map((s) => s.error).join('; ');
    if (ready > wasReady && (wasReady === 0 || ui.tab !== 'summary')) {
      if (list[ui.current].state !== 'ready') ui.current = list.findIndex((s) => s.state === 'ready');
      show();
    }
    if (pending) setTimeout(poll, 400);
  }

  $('snapshot').addEventListener('change', (e) => { ui.current = Number(e.target.value); show(); });
  $('search').addEventListener('keydown', (e) => { if (e.key === 'Enter') search(e.target.value.trim()); });

  async function search(text) {
    if (!text) return;
    if (text.startsWith('@')) {
      try {
        await api(`${snap()}/search?${q({ q: text })}`);
        showObject(Number(text.slice(1)));
      } catch (e) { failed($('detail'), e); }
      return;
    }
    ui.tab = 'summary'; ui.filter = text; drawTabs(); show();
  }

  function show() {
    if (!ui.snapshots.length || ui.snapshots[ui.current].state !== 'ready') return;
    const main = $('main');
    fill(main, el('p', { class: 'loading' }, 'Loading…'));
    const views = { summary: summaryView, comparison: comparisonView, statistics: statisticsView, packages: packagesView, strings: stringsView, leaks: leaksView };
    views[ui.tab](main).catch((e) => failed(main, e));
  }

  // ---- Summary → instances --------------------------------------------

  const CLASS_COLS = [['name', 'Constructor'], ['distance', 'Distance'], ['count', 'Objects'], ['self', 'Shallow size'], ['retained', 'Retained size']];

  async function summaryView(main) {
    const filter = el('input', { type: 'search', class: 'filter', placeholder: 'Filter classes (regex)…', value: ui.filter });
    const tbody = el('tbody');
    const info = el('span', { class: 'muted' });
    const more = el('button', { class: 'more', hidden: true }, 'More classes');
    let offset = 0;
    async function load(reset) {
      if (reset) { offset = 0; fill(tbody); }
      const page = await api(`${snap()}/summary?${q({ offset, limit: PAGE, filter: ui.filter, sort: ui.sort })}`);
      for (const c of page.items) tbody.append(...classRows(c));
      offset += page.items.length;
      info.textContent = `${num(page.total)} classes · ${num(page.total_count)} objects · ${bytes(page.total_self_size)}`;
      more.hidden = offset >= page.total;
    }
    filter.addEventListener('keydown', (e) => { if (e.key === 'Enter') { ui.filter = e.target.value; load(true).catch((x) => failed(main, x)); } });
    more.addEventListener('click', () => load(false).catch((x) => failed(main, x)));
    const heads = CLASS_COLS.map(([key, label]) => el('th', { class: (key === 'name' ? '' : 'num ') + 'sortable' + (key === ui.sort ? ' sorted' : ''),
      onclick: () => { ui.sort = key; show(); } }, label));
    fill(main, el('div', { class: 'table-tools' }, filter, info),
      el('table', { class: 'grid-table', id: 'summary-table' }, el('thead', {}, el('tr', {}, heads)), tbody), more);
    await load(true);
  }

  /** A class row, and (when opened) its instances under it. */
  function classRows(c) {
    const tr = el('tr', { class: 'class-row', 'data-class': c.index },
      el('td', {}, el('span', { class: 'toggle' }, '▸ '), c.name), el('td', { class: 'num' }, c.distance),
      el('td', { class: 'num' }, num(c.count)), el('td', { class: 'num' }, bytes(c.self_size)), el('td', { class: 'num' }, bytes(c.retained_size)));
    let opened = null;
    tr.addEventListener('click', async () => {
      if (opened) { opened.forEach((r) => r.remove()); opened = null; tr.querySelector('.toggle').textContent = '▸ '; return; }
      tr.querySelector('.toggle').textContent = '▾ ';
      opened = [];
      await moreInstances(c, tr, 0, opened);
    });
    return [tr];
  }

  async function moreInstances(c, after, offset, opened) {
    const page = await api(`${snap()}/classes/${c.index}/instances?${q({ offset, limit: INSTANCES })}`);
    let anchor = after;
    for (const o of page.items) {
      const row = el('tr', { class: 'instance-row', 'data-id': o.id, onclick: (e) => { e.stopPropagation(); select(row); showObject(o.id); } },
        el('td', {}, `${o.name} @${o.id}`), el('td', { class: 'num' }, o.distance), el('td', {}), el('td', { class: 'num' }, bytes(o.self_size)), el('td', { class: 'num' }, bytes(o.retained_size)));
      anchor.after(row); anchor = row; opened.push(row);
    }
    if (offset + page.items.length < page.total) {
      const moreRow = el('tr', { class: 'instance-row' }, el('td', { colspan: 5 }, el('button', { class: 'more' }, `${num(page.total - offset - page.items.length)} more…`)));
      moreRow.addEventListener('click', async (e) => { e.stopPropagation(); moreRow.remove(); await moreInstances(c, anchor, offset + page.items.length, opened); });
      anchor.after(moreRow); opened.push(moreRow);
    }
  }

  function select(row) {
    document.querySelectorAll('tr.selected').forEach((r) => r.classList.remove('selected'));
    row.classList.add('selected');
  }

  // ---- One object: retainers tree, dominators, edges ------------------

  function label(n) {
    return `${n.name || n.class_name} @${n.id}`;
  }

  async function showObject(id) {
    const detail = $('detail');
    fill(detail, el('p', { class: 'loading' }, `Loading @${id}…`));
    let d;
    try { d = await api(`${snap()}/nodes/${id}`); } catch (e) { failed(detail, e); return; }
    const loc = d.location ? `${d.location.script || 'script ' + d.location.script_id}:${d.location.line}:${d.location.column}${d.location.package ? ' (' + d.location.package + ')' : ''}` : null;
    const tree = el('div', { class: 'tree', id: 'retainers' }, el('ul', {}, retainerItems(d.incoming, d.incoming_total, id, 0, new Set([id]))));
    fill(detail,
      el('h2', { id: 'object-title' }, label(d)),
      el('p', { class: 'muted' }, `${d.type} · class ${d.class_name} · shallow ${bytes(d.self_size)} · retained ${bytes(d.retained_size)} · distance ${d.distance}`),
      loc ? el('p', {}, 'defined at ', el('code', {}, loc)) : null,
      d.string_value ? el('p', {}, 'value: ', el('code', {}, d.string_value.value + (d.string_value.shown_truncated ? '…' : ''))) : null,
      el('h3', {}, `Retainers (${num(d.incoming_total)})`), tree,
      el('h3', {}, 'Dominator chain'),
      el('ol', { class: 'tree', id: 'dominators' }, d.dominator_chain.map((n) => el('li', { class: 'node', onclick: () => showObject(n.id) }, `${label(n)} — ${bytes(n.retained_size)}`))),
      el('h3', {}, `Edges (${num(d.outgoing_total)})`),
      el('ul', { class: 'tree' }, d.outgoing.map((e) => el('li', { class: 'node', onclick: () => showObject(e.node.id) }, `${e.label} → ${label(e.node)} ${bytes(e.node.retained_size)}`))));
  }

  /** Retainer edges as tree items; each opens to its own retainers. */
  function retainerItems(edges, total, ofId, offset, seen) {
    const items = edges.map((e) => {
      const toggle = el('span', { class: 'toggle' }, '▸');
      const children = el('ul');
      const cycle = seen.has(e.node.id);
      const line = el('span', { class: 'node', 'data-id': e.node.id }, toggle, ` ${e.label} in ${label(e.node)} `, el('span', { class: 'muted' }, `d${e.node.distance} · ${bytes(e.node.retained_size)}${cycle ? ' · cycle' : ''}`));
      let open = false;
      line.addEventListener('click', async (ev) => {
        ev.stopPropagation();
        if (cycle) return;
        open = !open;
        toggle.textContent = open ? '▾' : '▸';
        if (!open) { fill(children); return; }
        const page = await api(`${snap()}/nodes/${e.node.id}/retainers?${q({ limit: EDGES })}`);
        fill(children, ...retainerItems(page.items, page.total, e.node.id, 0, new Set([...seen, e.node.id])));
      });
      return el('li', {}, line, children);
    });
    if (offset + edges.length < total) {
      const more = el('li', {}, el('button', { class: 'more' }, `${num(total - offset - edges.length)} more retainers…`));
      more.addEventListener('click', async (ev) => {
        ev.stopPropagation();
        const page = await api(`${snap()}/nodes/${ofId}/retainers?${q({ offset: offset + edges.length, limit: EDGES })}`);
        more.replaceWith(...retainerItems(page.items, page.total, ofId, offset + edges.length, seen));
      });
      items.push(more);
    }
    return items;
  }

  // ---- Other views ----------------------------------------------------

  function simpleTable(cols, rows) {
    return el('table', { class: 'grid-table' }, el('thead', {}, el('tr', {}, cols.map(([, h, n]) => el('th', { class: n ? 'num' : '' }, h)))),
      el('tbody', {}, rows.map((r) => el('tr', {}, cols.map(([k, , n, f]) => el('td', { class: n ? 'num' : '' }, f ? f(r[k], r) : r[k]))))));
  }

  async function comparisonView(main) {
    const ready = ui.snapshots.filter((s) => s.state === 'ready');
    const pick = (id, value) => el('select', { class: 'picker', id }, ready.map((s) => el('option', { value: s.index, selected: s.index === value }, `s${s.index + 1}`)));
    const base = pick('base', Math.max(0, ui.current - 1)), target = pick('target', ui.current === 0 ? Math.min(1, ready.length - 1) : ui.current);
    const out = el('div');
    async function draw() {
      fill(out, el('p', { class: 'loading' }, 'Comparing…'));
      const c = await api(`/api/compare?${q({ base: base.value, target: target.value, limit: 200 })}`);
      fill(out, el('p', {}, `${signed(c.totals.count_delta)} objects, ${signedBytes(c.totals.size_delta)}`),
        simpleTable([['name', 'Constructor'], ['added_count', '# New', 1, num], ['removed_count', '# Deleted', 1, num], ['count_delta', '# Delta', 1, signed],
          ['added_size', 'Alloc. size', 1, bytes], ['removed_size', 'Freed size', 1, bytes], ['size_delta', 'Size delta', 1, signedBytes]], c.classes.items));
    }
    base.addEventListener('change', () => draw().catch((e) => failed(out, e)));
    target.addEventListener('change', () => draw().catch((e) => failed(out, e)));
    fill(main, el('div', { class: 'table-tools' }, 'Compare ', target, ' against ', base), out);
    await draw();
  }

  async function statisticsView(main) {
    const ready = ui.snapshots.filter((s) => s.state === 'ready');
    const stats = await Promise.all(ready.map((s) => api(`/api/snapshots/${s.index}/statistics`)));
    const parts = [['code', 'p0'], ['strings', 'p1'], ['JS arrays', 'p2'], ['typed arrays', 'p3'], ['system objects', 'p4'], ['other', 'p5']].map(([name, cls]) => ({ name, cls }));
    const bars = stats.map((st, i) => {
      const known = st.code + st.strings + st.js_arrays + st.typed_arrays + st.system_objects;
      return { label: `s${ready[i].index + 1}`, values: [st.code, st.strings, st.js_arrays, st.typed_arrays, st.system_objects, Math.max(0, st.total - known)] };
    });
    fill(main, el('h2', {}, 'Statistics'), HS.legend(parts), HS.stackedBars(bars, parts, { width: 700 }));
  }

  async function packagesView(main) {
    const page = await api(`${snap()}/packages?${q({ limit: 200 })}`);
    fill(main, el('h2', {}, 'Memory by package'), simpleTable([['name', 'Package'], ['retained_size', 'Bytes', 1, bytes], ['count', 'Objects', 1, num],
      ['top_classes', 'Largest classes', 0, (v) => v.map((c) => c.name).join(', ')]], page.items));
  }

  async function stringsView(main) {
    const page = await api(`${snap()}/strings?${q({ limit: 200 })}`);
    fill(main, el('h2', {}, `Duplicate strings (${num(page.total)})`), simpleTable([['value', 'Value', 0, (v) => v.length > 100 ? v.slice(0, 100) + '…' : v],
      ['count', 'Copies', 1, num], ['wasted_size', 'Wasted', 1, bytes], ['self_size', 'Total', 1, bytes]], page.items));
  }

  async function leaksView(main) {
    fill(main, el('p', { class: 'loading' }, 'Finding leaks over the loaded snapshots…'));
    const report = await api('/api/leaks');
    const lastIndex = ui.snapshots.length - 1;
    const open = (id) => { ui.current = lastIndex; $('snapshot').value = String(lastIndex); showObject(id); };
    fill(main, el('h2', {}, 'Leak suspects'),
      report.suspects.length ? null : el('p', { class: 'good' }, 'No leak suspect.'),
      report.suspects.map((s, i) => el('article', { class: 'suspect' },
        el('h3', {}, `${i + 1}. ${s.class} — ${bytes(s.retained_size)} (${pct(s.heap_share)}), package ${s.package}`),
        el('p', {}, s.summary),
        el('p', {}, 'created at ', el('code', {}, site(s.created_by))),
        s.held_by ? el('p', {}, 'held in ', el('a', { href: '#', onclick: (e) => { e.preventDefault(); open(s.held_by.id); } }, `${s.held_by.class} @${s.held_by.id}`), ` (${s.held_by.reference})`) : null,
        el('p', {}, el('a', { href: '#', class: 'sample', onclick: (e) => { e.preventDefault(); open(s.sample_id); } }, `show an object: @${s.sample_id}`)))));
  }

  drawTabs();
  poll();
})();
