// The buyer's page: upload a part, see it in 3D with its findings, choose options, compare offers.
import { $, el, api, boot, upload, waitJob, showError, clearError, setStatus } from './common.js';
import { renderOffers, renderChart, renderIneligible, renderDrivers, expiry } from './offers.js';

const MESHES = ['stl', 'obj', '3mf', 'ply'];
const INCH_MM = 25.4;
const state = { file: null, part: null, quote: null, viewer: null, findings: [], mesh: null };
const cfg = boot();

function ext(name) { return (name.split('.').pop() || '').toLowerCase(); }

function pick(file) {
  performance.clearMarks();
  performance.mark('mf-pick');  // the marks time the page: pick -> sent -> uploaded -> measured -> offers
  clearError();
  state.file = file;
  const e = ext(file.name);
  $('#unit-row').hidden = !MESHES.includes(e);
  $('#thickness-row').hidden = e !== 'dxf';
  $('#upload-btn').disabled = false;
  if (e === 'dxf') {  // a flat drawing: its thickness first, then Upload
    setStatus(`${file.name}: enter the sheet thickness, then Upload`);
    $('#thickness').focus();
    return;
  }
  uploadPart();
}

async function uploadPart() {
  const file = state.file;
  if (!file) return;
  clearError();
  const form = new FormData();
  form.append('file', file, file.name);
  const e = ext(file.name);
  if (MESHES.includes(e)) form.append('units', $('#units').value);
  if (e === 'dxf') {
    const t = Number($('#thickness').value);
    if (!(t > 0 && t <= 100)) { showError(new Error('enter the sheet thickness in mm (0.1 to 100)')); return; }
    form.append('thickness_mm', String(t));
  }
  $('#upload-btn').disabled = true;
  try {
    setStatus('Uploading...');
    const res = await upload('/v1/parts', form, (p) => { $('#upload-progress').value = p; });
    $('#upload-progress').value = 100;
    performance.mark('mf-uploaded');
    let part = res.body;
    if (res.status === 202) {
      setStatus('Measuring the part...');
      const result = await waitJob(part.url, (job, i) => setStatus(`Measuring the part (${job.status}, ${((i + 1) * 0.5).toFixed(0)} s)...`));
      part = await api(result.url);
    }
    await showPart(part);
    performance.mark('mf-measured');
    await Promise.all([requote(), state.mesh]);  // first offers at once with the default options
  } catch (err) {
    setStatus('');
    showError(err);
  } finally {
    $('#upload-btn').disabled = false;
  }
}

function mmIn(v) { return `${v.toFixed(1)} mm (${(v / INCH_MM).toFixed(2)} in)`; }

async function showPart(part) {
  state.part = part;
  const f = part.features || {};
  $('#part-card').hidden = false;
  $('#options-card').hidden = false;
  $('#part-name').textContent = `${part.filename} - ${part.format}, ${f.units || part.units || 'mm'}`;
  const bb = f.bbox_mm || [0, 0, 0];
  $('#size').textContent = `Size: ${bb.map(mmIn).join(' x ')}`;
  const mesh = MESHES.includes(part.format);
  const confirm = $('#unit-confirm');
  confirm.hidden = !mesh;
  if (mesh) {
    confirm.textContent = `This mesh file carries no unit: read as ${part.units || 'mm'}, the part is `
      + `${bb.map((v) => v.toFixed(1)).join(' x ')} mm = ${bb.map((v) => (v / INCH_MM).toFixed(2)).join(' x ')} in. `
      + 'If that is wrong, change the unit above and upload again.';
  }
  const comps = $('#components');
  const solids = f.solids || 1;
  comps.replaceChildren(el('li', { text: solids > 1 ? `${solids} solids: each distinct one is quoted on its own` : 'one solid' }));
  state.findings = part.findings || [];
  renderFindings(-1);
  state.mesh = showMesh(part);  // the 3D view loads while the first quote is asked for
}

async function showMesh(part) {
  try {
    if (!state.viewer) {
      const { PartViewer } = await import('./viewer.js');
      state.viewer = new PartViewer($('#viewer'));
    }
    await state.viewer.load(part.links ? part.links.mesh : `/v1/parts/${part.id}/mesh`);
    state.viewer.showFindings(state.findings, -1);
  } catch (err) {
    $('#viewer').replaceChildren(el('p', { class: 'muted', text: `No 3D view: ${err.message || err}` }));
  }
}

const faceIds = (f) => (f.location && f.location.face_ids) || [];

function renderFindings(active) {
  const list = $('#findings');
  list.replaceChildren(...state.findings.map((f, i) => el('li', {
    tabindex: '0', role: 'button', 'aria-pressed': String(i === active), class: i === active ? 'active' : '',
    'data-code': f.code, 'data-faces': faceIds(f).join(','),
    onclick: () => highlight(i), onkeydown: (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); highlight(i); } },
  }, el('span', { class: `sev-${f.severity}`, text: `${f.severity}: ` }), f.message,
  faceIds(f).length ? el('span', { class: 'muted', text: ` (${faceIds(f).length} face${faceIds(f).length > 1 ? 's' : ''}, painted in the view)` }) : null)));
  if (!state.findings.length) list.append(el('li', { class: 'muted', text: 'No manufacturability problems found.' }));
}

function highlight(i) {
  renderFindings(i);
  if (state.viewer) state.viewer.showFindings(state.findings, i);
  const item = $('#findings').children[i];
  if (item) item.focus();
}

function options() {
  const quantities = $('#quantities').value.split(/[\s,;]+/).filter(Boolean).map(Number);
  if (!quantities.length || quantities.some((q) => !Number.isInteger(q) || q < 1)) {
    throw new Error('quantities: whole numbers of 1 or more, separated by commas');
  }
  const body = { material: $('#material').value, quantities };
  for (const name of ['finish', 'tolerance', 'tier', 'need_by']) if ($(`#${name}`).value) body[name] = $(`#${name}`).value;
  const threads = $('#threads').value.trim();
  if (threads) {
    body.threads = {};
    for (const item of threads.split(/[\s,;]+/).filter(Boolean)) {
      const [size, n] = item.split(':');
      if (!size || !Number.isInteger(Number(n))) throw new Error(`threads: "${item}" is not SIZE:COUNT such as M6:4`);
      body.threads[size] = Number(n);
    }
  }
  const ship = $('#ship_to').value.trim();
  if (ship) {
    const ll = ship.split(/[\s,;]+/).filter(Boolean).map(Number);
    if (ll.length !== 2 || ll.some((v) => !Number.isFinite(v))) throw new Error('ship to: latitude, longitude such as 45.76, 4.84');
    body.ship_to = ll;
  }
  if (state.part && state.part.format === 'dxf') body.thickness_mm = Number($('#thickness').value);
  return body;
}

async function requote(ev) {
  if (ev) ev.preventDefault();
  clearError();
  const t0 = performance.now();
  try {
    const body = options();
    setStatus('Pricing...');
    $('#quote-btn').disabled = true;
    const quote = await api(`/v1/parts/${state.part.id}/quotes`, { method: 'POST', json: body });
    showQuote(quote);
    history.pushState({ quote: quote.id }, '', `/q/${quote.id}`);
    setStatus(`${quote.offers.length} offers in ${((performance.now() - t0) / 1000).toFixed(2)} s.`);
  } catch (err) {
    setStatus('');
    showError(err);
  } finally {
    $('#quote-btn').disabled = false;
  }
}

function showQuote(quote) {
  state.quote = quote;
  $('#quote-card').hidden = false;
  const link = `${location.origin}/q/${quote.id}`;
  const req = quote.request || {};
  const asked = [`material ${req.material}`, `quantities ${(req.quantities || []).join(', ')}`,
    req.finish && `finish ${req.finish}`, req.tolerance && `tolerance ${req.tolerance}`, req.tier && `service ${req.tier}`,
    req.need_by && `need by ${req.need_by}`, req.threads && `threads ${Object.entries(req.threads).map(([k, v]) => `${k}:${v}`).join(', ')}`];
  $('#quote-meta').replaceChildren(`Quote ${quote.id} - ${expiry(quote)} - `, el('a', { href: link, id: 'quote-link', text: link }),
    el('br'), `Part ${(quote.part || {}).filename || ''}: ${asked.filter(Boolean).join('; ')}`);
  const blob = new Blob([JSON.stringify(quote, null, 2)], { type: 'application/json' });
  const json = $('#json-link');
  json.href = URL.createObjectURL(blob);
  json.download = `microfab-quote-${quote.id}.json`;
  renderOffers($('#offers'), quote, $('#sort').value);
  renderChart($('#chart'), quote);
  renderIneligible($('#ineligible'), quote);
  renderDrivers($('#drivers'), quote);
  if ((quote.components || []).length > 1) {
    $('#components').replaceChildren(...quote.components.map((c) => el('li', {
      text: `solid ${c.index + 1}: ${c.count} x ${(c.part.bbox_mm || []).map((v) => v.toFixed(1)).join(' x ')} mm, `
        + `${c.offers.length} offers${c.offers.length ? '' : ` (${(c.ineligible[0] || { reasons: ['no workshop'] }).reasons[0]})`}`,
    })));
  }
  const seen = new Set(state.findings.map((f) => `${f.code}|${f.message}`));
  // a kit's findings come from each solid measured alone: their face ids are that solid's, not the view's
  const kit = (quote.components || []).length > 1;
  const extra = (quote.dfm || []).filter((f) => !seen.has(`${f.code}|${f.message}`))
    .map((f) => (kit && f.location ? { ...f, location: { ...f.location, face_ids: [] } } : f));
  if (extra.length) {
    state.findings = state.findings.concat(extra);
    renderFindings(-1);
    if (state.viewer) state.viewer.showFindings(state.findings, -1);
  }
  document.body.dataset.offers = String(quote.offers.length);
  performance.mark('mf-offers');
}

async function loadCatalog() {
  const mats = await api('/v1/materials');
  $('#material').replaceChildren(...mats.map((m) => el('option', { value: m.key, text: `${m.name} (${m.key})` })));
  $('#material').value = mats.some((m) => m.key === 'al6061') ? 'al6061' : mats[0].key;
  for (const [id, keys] of [['finish', cfg.finishes], ['tolerance', cfg.tolerances]]) {
    $(`#${id}`).append(...keys.map((k) => el('option', { value: k, text: k.replaceAll('_', ' ') })));
  }
}

async function openQuote(id) {
  const quote = await api(`/v1/quotes/${id}`);
  const req = quote.request || {};
  if (req.material) $('#material').value = req.material;
  if (req.quantities) $('#quantities').value = req.quantities.join(', ');
  if (Array.isArray(req.ship_to)) $('#ship_to').value = req.ship_to.join(', ');
  for (const k of ['finish', 'tolerance', 'tier', 'need_by']) if (req[k]) $(`#${k}`).value = req[k];
  const partId = quote.part_id || (quote.part && quote.part.id) || (quote.part && quote.part.sha256);
  try {
    await showPart(await api(`/v1/parts/${partId}`));
    await state.mesh;
  } catch (err) { /* the offers still show */ }
  showQuote(quote);
}

function wire() {
  const drop = $('#drop');
  const input = $('#file');
  drop.addEventListener('click', () => input.click());
  drop.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); input.click(); } });
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    if (e.dataTransfer.files.length) pick(e.dataTransfer.files[0]);
  });
  input.addEventListener('change', () => { if (input.files.length) pick(input.files[0]); });
  $('#upload-btn').addEventListener('click', uploadPart);
  $('#units').addEventListener('change', () => { if (state.file) uploadPart(); });
  $('#options').addEventListener('submit', requote);
  $('#quantities').addEventListener('change', () => { if (state.quote) requote(); });
  $('#sort').addEventListener('change', () => { if (state.quote) renderOffers($('#offers'), state.quote, $('#sort').value); });
  $('#print-btn').addEventListener('click', () => {
    document.querySelectorAll('.breakdown').forEach((r) => { r.hidden = false; });
    window.print();
  });
}

async function main() {
  wire();
  try {
    await loadCatalog();
    if (cfg.quote_id) await openQuote(cfg.quote_id);
  } catch (err) {
    showError(err);
  }
  document.body.dataset.ready = 'true';
}

main();
