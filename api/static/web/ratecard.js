// The owner's rate card: editable tables of the card, saved with PUT /v1/workshops/{id}/rate-card (the API
// validates it with its own rules), the price effect on reference parts, and the version history with a diff.
import { $, el, api, boot, cents, money, showError, clearError, setStatus } from './common.js';

const cfg = boot();
const WS = cfg.workshop_id;
const CARD_URL = `/v1/workshops/${WS}/rate-card`;
const REFERENCE = [['plate.step', 'Plate with 4 holes'], ['block.step', 'Pocketed block'], ['shaft.step', 'Stepped shaft']];
const REF_QTY = [1, 10];
const TITLES = { commercial: 'Margins, minimums and quantity pricing', shipping: 'Shipping', capacity: 'Capacity',
  calendar: 'Calendar', tiers: 'Service tiers', processes: 'Machines and rates', materials: 'Materials and prices',
  finishes: 'Finishes', location: 'Location' };
const SKIP = new Set(['schema', 'id', 'demo']);
let card = null;
let version = 0;
let refParts = null;

const isObj = (v) => v && typeof v === 'object' && !Array.isArray(v);
const scalar = (v) => v === null || ['number', 'string', 'boolean'].includes(typeof v);

function kindOf(v) {
  if (typeof v === 'number') return 'number';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v) && v.every((x) => typeof x === 'number')) return 'numbers';
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return 'strings';
  if (typeof v === 'string') return 'string';
  return 'json';
}

function show(v, kind) {
  if (kind === 'numbers' || kind === 'strings') return v.join(', ');
  if (kind === 'json') return JSON.stringify(v);
  return v === null ? '' : String(v);
}

function input(path, value, label) {
  const kind = kindOf(value);
  const id = `f-${path.join('-').replace(/[^\w-]/g, '_')}`;
  const attrs = { id, 'data-path': JSON.stringify(path), 'data-kind': kind, 'aria-label': label };
  if (kind === 'bool') return el('input', { ...attrs, type: 'checkbox', checked: value || null });
  return el('input', { ...attrs, type: kind === 'number' ? 'number' : 'text', step: 'any', value: show(value, kind) });
}

// A table of an object's scalar fields; nested objects and lists of objects get their own tables.
function objectTable(title, obj, path) {
  const out = [];
  const rows = Object.entries(obj).filter(([k, v]) => !isObj(v) && !(Array.isArray(v) && v.some(isObj)) && !SKIP.has(k));
  if (rows.length) {
    out.push(el('table', { 'aria-label': title }, title.includes(' / ') ? el('caption', { text: title }) : null,
      el('tbody', {}, rows.map(([k, v]) => el('tr', {}, el('th', { scope: 'row' }, el('label', { for: `f-${[...path, k].join('-').replace(/[^\w-]/g, '_')}`, text: k })),
        el('td', {}, input([...path, k], v, `${title}: ${k}`)))))));
  }
  for (const [k, v] of Object.entries(obj)) {
    if (isObj(v) && isGrid(v)) out.push(gridTable(`${title} / ${k}`, v, [...path, k]));
    else if (isObj(v)) out.push(...objectTable(`${title} / ${k}`, v, [...path, k]));
    else if (Array.isArray(v) && v.length && v.every(isObj)) out.push(listTable(`${title} / ${k}`, v, [...path, k]));
  }
  return out;
}

// An object of flat objects with the same kind of fields (materials, finishes, tiers): one row each.
function isGrid(obj) {
  const vals = Object.values(obj);
  return vals.length > 1 && vals.every((v) => isObj(v) && Object.values(v).every((x) => !isObj(x) && !(Array.isArray(x) && x.some(isObj))));
}

function gridTable(title, obj, path) {
  const cols = [...new Set(Object.values(obj).flatMap((o) => Object.keys(o)))];
  return el('table', { 'aria-label': title }, title.includes(' / ') ? el('caption', { text: title }) : null,
    el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: 'key' }), cols.map((c) => el('th', { scope: 'col', text: c })))),
    el('tbody', {}, Object.entries(obj).map(([k, o]) => el('tr', {}, el('th', { scope: 'row', text: k }),
      cols.map((c) => el('td', {}, c in o ? input([...path, k, c], o[c], `${title} ${k}: ${c}`) : ''))))));
}

// Rows of objects (machines, zones): one column per scalar field.
function listTable(title, list, path) {
  const cols = [...new Set(list.flatMap((o) => Object.keys(o)))];
  return el('table', { 'aria-label': title }, el('caption', { text: title }),
    el('thead', {}, el('tr', {}, cols.map((c) => el('th', { scope: 'col', text: c })))),
    el('tbody', {}, list.map((o, i) => el('tr', {}, cols.map((c) => el('td', {},
      c in o ? input([...path, i, c], o[c], `${title} ${i + 1}: ${c}`) : ''))))));
}

function render() {
  const box = $('#tables');
  box.replaceChildren();
  $('#ws-name').textContent = `${card.name} (version ${version})`;
  const top = Object.fromEntries(Object.entries(card).filter(([k, v]) => scalar(v) && !SKIP.has(k)));
  box.append(...objectTable('Workshop', top, []));
  for (const [k, v] of Object.entries(card)) {
    if (SKIP.has(k) || scalar(v) || (isObj(v) && !Object.keys(v).length)) continue;
    box.append(el('h2', { text: TITLES[k] || k }));
    if (isObj(v) && isGrid(v)) box.append(gridTable(TITLES[k] || k, v, [k]));
    else if (isObj(v)) box.append(...objectTable(TITLES[k] || k, v, [k]));
    else if (Array.isArray(v) && v.every(isObj)) box.append(listTable(TITLES[k] || k, v, [k]));
    else box.append(objectTable(TITLES[k] || k, { [k]: v }, [])[0]);
  }
}

function parse(inp) {
  const kind = inp.dataset.kind;
  const raw = inp.value.trim();
  if (kind === 'bool') return inp.checked;
  if (kind === 'number') {
    if (raw === '' || !Number.isFinite(Number(raw))) throw Object.assign(new Error('a number is needed'), { inp });
    return Number(raw);
  }
  if (kind === 'numbers') return raw ? raw.split(/[\s,;]+/).map(Number) : [];
  if (kind === 'strings') return raw ? raw.split(/[\s,;]+/) : [];
  if (kind === 'json') { try { return JSON.parse(raw); } catch { throw Object.assign(new Error('not valid JSON'), { inp }); } }
  return inp.value;
}

function collect() {
  const doc = structuredClone(card);
  for (const inp of document.querySelectorAll('#tables [data-path]')) {
    inp.classList.remove('invalid');
    const path = JSON.parse(inp.dataset.path);
    let node = doc;
    for (const p of path.slice(0, -1)) node = node[p];
    node[path[path.length - 1]] = parse(inp);
  }
  return doc;
}

function markInvalid(err) {
  const field = err.problem && (err.problem.field || (err.problem.errors && err.problem.errors[0] && err.problem.errors[0].field));
  if (!field) return;
  const parts = String(field).replace(/^ratecard\.?/, '').split(/[.[\]]+/).filter(Boolean);
  for (const inp of document.querySelectorAll('#tables [data-path]')) {
    const path = JSON.parse(inp.dataset.path).map(String);
    if (parts.length && parts.every((p, i) => path[i] === p)) { inp.classList.add('invalid'); inp.focus(); return; }
  }
}

async function save(ev) {
  ev.preventDefault();
  clearError();
  let doc;
  try {
    doc = collect();
  } catch (err) {
    if (err.inp) { err.inp.classList.add('invalid'); err.inp.focus(); }
    showError(new Error(`${err.inp ? err.inp.getAttribute('aria-label') : ''}: ${err.message}`));
    return;
  }
  $('#save-btn').disabled = true;
  try {
    setStatus('Saving...');
    const before = await prices();
    const view = await api(CARD_URL, { method: 'PUT', json: doc, csrf: cfg.csrf });
    card = view.ratecard;
    version = view.version;
    render();
    setStatus(`Pricing the reference parts with version ${version}...`);
    await showPreview(before, await prices());
    await history();
    setStatus(`Saved as version ${version}.`);
  } catch (err) {
    setStatus('');
    showError(err);
    markInvalid(err);
  } finally {
    $('#save-btn').disabled = false;
  }
}

// This workshop's lowest total for each reference part and quantity, in cents (null: it does not offer it).
async function prices() {
  if (!refParts) {
    refParts = [];
    for (const [file, label] of REFERENCE) {
      const blob = await (await fetch(`/static/web/reference/${file}`)).blob();
      const form = new FormData();
      form.append('file', blob, file);
      const part = await api('/v1/parts', { method: 'POST', form, csrf: cfg.csrf });
      if (part.kind) continue;  // an async job: a reference part is small, skip it rather than wait
      refParts.push({ id: part.id, label });
    }
  }
  const out = [];
  for (const p of refParts) {
    const material = Object.keys(card.materials || {})[0] || 'al6061';
    let quote = null;
    try {
      quote = await api(`/v1/parts/${p.id}/quotes`, { method: 'POST', json: { material, quantities: REF_QTY }, csrf: cfg.csrf });
    } catch { /* no offer from anyone: shown as "-" */ }
    const mine = quote ? quote.offers.filter((o) => o.workshop_id === WS) : [];
    for (const [i, q] of REF_QTY.entries()) {
      const totals = mine.map((o) => cents(o.lines[i], 'total')).filter((c) => c !== null);
      out.push({ label: `${p.label} (${material})`, quantity: q, cents: totals.length ? Math.min(...totals) : null });
    }
  }
  return out;
}

function showPreview(before, after) {
  const rows = before.map((b, i) => {
    const a = after ? after[i] : b;
    const d = b.cents !== null && a.cents !== null ? a.cents - b.cents : null;
    const pct = d !== null && b.cents ? ` (${(100 * d / b.cents).toFixed(1)} %)` : '';
    return el('tr', {}, el('td', { text: b.label }), el('td', { class: 'num', text: String(b.quantity) }),
      el('td', { class: 'num before', text: money(b.cents) }), el('td', { class: 'num after', text: after ? money(a.cents) : '-' }),
      el('td', { class: `num ${d > 0 ? 'up' : d < 0 ? 'down' : ''}`, text: d === null || !after ? '-' : `${d >= 0 ? '+' : ''}${money(d)}${pct}` }));
  });
  $('#preview tbody').replaceChildren(...rows);
}

function flatten(obj, prefix = '', out = {}) {
  if (isObj(obj) || Array.isArray(obj)) {
    for (const [k, v] of Object.entries(obj)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else out[prefix] = obj;
  return out;
}

async function diff() {
  const [a, b] = [$('#diff-from').value, $('#diff-to').value];
  const [va, vb] = await Promise.all([a, b].map((v) => api(`${CARD_URL}/versions/${v}`)));
  const fa = flatten(va.ratecard);
  const fb = flatten(vb.ratecard);
  const keys = [...new Set([...Object.keys(fa), ...Object.keys(fb)])].filter((k) => JSON.stringify(fa[k]) !== JSON.stringify(fb[k]));
  $('#diff tbody').replaceChildren(...(keys.length ? keys.map((k) => el('tr', { class: 'changed' }, el('td', { text: k }),
    el('td', { text: JSON.stringify(fa[k]) ?? '-' }), el('td', { text: JSON.stringify(fb[k]) ?? '-' })))
    : [el('tr', {}, el('td', { colspan: '3', text: 'no difference' }))]));
}

async function history() {
  const opts = (sel) => Array.from({ length: version }, (_, i) => el('option', { value: String(i + 1), text: `v${i + 1}`, selected: i + 1 === sel || null }));
  $('#diff-from').replaceChildren(...opts(Math.max(1, version - 1)));
  $('#diff-to').replaceChildren(...opts(version));
  if (version > 1) await diff();
}

async function main() {
  $('#card-form').addEventListener('submit', save);
  $('#diff-btn').addEventListener('click', () => diff().catch(showError));
  try {
    const view = await api(CARD_URL);
    card = view.ratecard;
    version = view.version;
    render();
    await history();
    setStatus('Pricing the reference parts...');
    showPreview(await prices(), null);
    setStatus('');
  } catch (err) {
    showError(err);
  }
  document.body.dataset.ready = 'true';
}

main();
