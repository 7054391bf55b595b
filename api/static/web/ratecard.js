// The owner's rate card: editable tables of the card, saved with PUT /v1/workshops/{id}/rate-card (the API
// validates it with its own rules), a live preview of the price effect on reference parts while the owner edits
// (POST .../rate-card/preview: the draft validated and priced, nothing saved), and the version history with a diff.
import { $, el, api, boot, money, showError, clearError, setStatus } from './common.js';

const cfg = boot();
const WS = cfg.workshop_id;
const CARD_URL = `/v1/workshops/${WS}/rate-card`;
const REFERENCE = [['plate.step', 'Plate with 4 holes'], ['block.step', 'Pocketed block'], ['shaft.step', 'Stepped shaft']];
const REF_QTY = [1, 10];
const PREVIEW_DELAY_MS = 400;  // the preview waits for a pause in typing
const TITLES = { commercial: 'Margins, minimums and quantity pricing', shipping: 'Shipping', capacity: 'Capacity',
  calendar: 'Calendar', tiers: 'Service tiers', processes: 'Machines and rates', materials: 'Materials and prices',
  finishes: 'Finishes', location: 'Location' };
const SKIP = new Set(['schema', 'id', 'demo']);
let card = null;
let version = 0;
let refParts = null;
let previewTimer = 0;
let previewSeq = 0;

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
    const path = JSON.parse(inp.dataset.path);
    let node = doc;
    for (const p of path.slice(0, -1)) node = node[p];
    node[path[path.length - 1]] = parse(inp);
  }
  return doc;
}

// The input a problem's field names (``ratecard.processes.cnc_milling...``), or null.
function inputOf(problem) {
  const field = problem && (problem.field || (problem.errors && problem.errors[0] && problem.errors[0].field));
  if (!field) return null;
  const parts = String(field).replace(/^ratecard\.?/, '').split(/[.[\]]+/).filter(Boolean);
  for (const inp of document.querySelectorAll('#tables [data-path]')) {
    const path = JSON.parse(inp.dataset.path).map(String);
    if (parts.length && parts.every((p, i) => path[i] === p)) return inp;
  }
  return null;
}

// A validation message beside its field (and the field marked invalid); false when no field matches.
function fieldError(inp, message) {
  clearFieldErrors();
  if (!inp) return false;
  const id = `${inp.id}-error`;
  inp.classList.add('invalid');
  inp.setAttribute('aria-invalid', 'true');
  inp.setAttribute('aria-describedby', id);
  inp.after(el('span', { id, class: 'field-error', role: 'alert', text: message }));
  return true;
}

function clearFieldErrors() {
  for (const span of document.querySelectorAll('#tables .field-error')) span.remove();
  for (const inp of document.querySelectorAll('#tables [aria-invalid]')) {
    inp.classList.remove('invalid');
    inp.removeAttribute('aria-invalid');
    inp.removeAttribute('aria-describedby');
  }
}

function markInvalid(err) {
  const inp = inputOf(err.problem);
  if (inp && fieldError(inp, err.message)) inp.focus();
}

// The draft from the tables; a value that does not parse gets its message beside the field (null returned).
function draft() {
  try {
    return collect();
  } catch (err) {
    if (!err.inp) throw err;
    fieldError(err.inp, `${err.inp.getAttribute('aria-label')}: ${err.message}`);
    return null;
  }
}

async function save(ev) {
  ev.preventDefault();
  clearError();
  clearTimeout(previewTimer);
  previewSeq += 1;  // a preview still on its way is not shown over the save's
  const doc = draft();
  if (!doc) {
    $('#tables [aria-invalid]').focus();
    return;
  }
  $('#save-btn').disabled = true;
  try {
    setStatus('Saving...');
    const effect = await preview(doc);  // before: the saved card; after: the one being saved
    const view = await api(CARD_URL, { method: 'PUT', json: doc, csrf: cfg.csrf });
    card = view.ratecard;
    version = view.version;
    render();
    showPreview(effect);
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

// The reference parts, uploaded once as this owner's parts (a small STEP each: measured at once); one upload
// however many previews ask for them meanwhile.
function referenceParts() {
  if (!refParts) {
    refParts = (async () => {
      const parts = [];
      for (const [file, label] of REFERENCE) {
        const blob = await (await fetch(`/static/web/reference/${file}`)).blob();
        const form = new FormData();
        form.append('file', blob, file);
        const part = await api('/v1/parts', { method: 'POST', form, csrf: cfg.csrf });
        if (part.kind) continue;  // an async job: a reference part is small, skip it rather than wait
        parts.push({ id: part.id, label });
      }
      return parts;
    })();
    refParts.catch(() => { refParts = null; });  // a failed upload is tried again by the next preview
  }
  return refParts;
}

// The reference parts priced with the saved card and with ``doc`` (nothing saved): rows of the preview table.
async function preview(doc) {
  const parts = await referenceParts();
  const material = Object.keys(card.materials || {})[0] || 'al6061';
  const body = await api(`${CARD_URL}/preview`, { method: 'POST', csrf: cfg.csrf,
    json: { ratecard: doc, part_ids: parts.map((p) => p.id), material, quantities: REF_QTY } });
  const label = Object.fromEntries(parts.map((p) => [p.id, p.label]));
  return body.parts.flatMap((p) => p.lines.map((line) => ({
    label: `${label[p.part_id] || p.filename} (${body.material})`, quantity: line.quantity,
    before: line.current ? line.current.total_cents : null, after: line.draft ? line.draft.total_cents : null,
  })));
}

// Edits wait for a pause, then the draft is validated and priced; only the newest answer is shown.
function schedulePreview() {
  clearTimeout(previewTimer);
  previewTimer = setTimeout(async () => {
    const seq = ++previewSeq;
    clearError();
    const doc = draft();
    if (!doc) { setStatus('Fix the marked field to see the effect of your changes.'); return; }
    try {
      setStatus('Pricing your changes (not saved)...');
      const rows = await preview(doc);
      if (seq !== previewSeq) return;
      clearFieldErrors();
      showPreview(rows);
      setStatus('Preview of your unsaved changes: press Save to keep them.');
    } catch (err) {
      if (seq !== previewSeq) return;
      setStatus('');
      if (!(err.problem && fieldError(inputOf(err.problem), err.message))) showError(err);
    }
  }, PREVIEW_DELAY_MS);
}

function showPreview(rows) {
  $('#preview tbody').replaceChildren(...rows.map((r) => {
    const d = r.before !== null && r.after !== null ? r.after - r.before : null;
    const pct = d !== null && r.before ? ` (${(100 * d / r.before).toFixed(1)} %)` : '';
    return el('tr', {}, el('td', { text: r.label }), el('td', { class: 'num', text: String(r.quantity) }),
      el('td', { class: 'num before', text: money(r.before) }), el('td', { class: 'num after', text: money(r.after) }),
      el('td', { class: `num ${d > 0 ? 'up' : d < 0 ? 'down' : ''}`, text: d === null ? '-' : `${d >= 0 ? '+' : ''}${money(d)}${pct}` }));
  }));
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
  $('#tables').addEventListener('input', schedulePreview);
  $('#tables').addEventListener('change', schedulePreview);
  $('#diff-btn').addEventListener('click', () => diff().catch(showError));
  try {
    const view = await api(CARD_URL);
    card = view.ratecard;
    version = view.version;
    render();
    await history();
    setStatus('Pricing the reference parts...');
    showPreview(await preview(card));
    setStatus('');
  } catch (err) {
    showError(err);
  }
  document.body.dataset.ready = 'true';
}

main();
