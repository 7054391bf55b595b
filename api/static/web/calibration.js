// The owner's calibration page: upload the job history, follow the job, plot the result, adopt the implied card.
import { $, el, api, boot, upload, waitJob, showError, clearError, setStatus } from './common.js';
import { scatter, residuals, coverage } from './plots.js';

const cfg = boot();
const WS = cfg.workshop_id;
let report = null;

async function run(ev) {
  ev.preventDefault();
  clearError();
  const history = $('#history').files[0];
  if (!history) { showError(new Error('choose the history CSV')); return; }
  const form = new FormData();
  form.append('history', history, history.name);
  if ($('#files').files[0]) form.append('files', $('#files').files[0], $('#files').files[0].name);
  const bar = $('#cal-progress');
  $('#cal-btn').disabled = true;
  try {
    setStatus('Uploading...');
    const res = await upload(`/v1/workshops/${WS}/calibrations`, form, (p) => { bar.value = p / 2; }, cfg.csrf);
    report = await waitJob(res.body.url, (job, i) => {
      bar.value = Math.min(95, 50 + 3 * i);
      setStatus(`Calibrating: ${job.status}...`);
    }, cfg.csrf);
    bar.value = 100;
    show(report);
    setStatus(`Calibrated on ${report.used} of ${report.rows} jobs.`);
  } catch (err) {
    setStatus('');
    showError(err);
  } finally {
    $('#cal-btn').disabled = false;
  }
}

function pct(v) { return v === null || v === undefined ? 'n/a' : `${(100 * v).toFixed(1)} %`; }

function show(r) {
  $('#result').hidden = false;
  const cv = r.cross_validation || {};
  $('#summary').textContent = `${r.used} jobs used of ${r.rows}; held-out error ${pct(cv.rule_mape)} with the card's rules, `
    + `${pct(cv.calibrated_mape)} calibrated; ${pct(cv.coverage)} of prices inside the ${pct(cv.level)} interval.`;
  const held = cv.held_out || [];
  $('#plot-scatter').replaceChildren(held.length ? scatter(held) : el('p', { class: 'muted', text: 'no per-job predictions in this report' }));
  $('#plot-residuals').replaceChildren(held.length ? residuals(held) : el('p', { class: 'muted', text: 'no per-job predictions in this report' }));
  $('#plot-coverage').replaceChildren(coverage(cv));
  const ic = r.implied_card || { processes: [] };
  const rows = ic.processes.flatMap((p) => [
    [`${p.machine_class} ${p.process}: machine rate (EUR/h)`, p.card_rate_eur_h, p.rate_eur_h],
    [`${p.machine_class} ${p.process}: setup rate (EUR/h)`, p.card_setup_rate_eur_h, p.setup_rate_eur_h]]);
  rows.push(['material markup', ic.card_material_markup_fraction, ic.material_markup_fraction]);
  rows.push(['margin', ic.card_margin_fraction, ic.margin_fraction]);
  $('#implied tbody').replaceChildren(...rows.map(([w, a, b]) => el('tr', {}, el('td', { text: w }),
    el('td', { class: 'num', text: typeof a === 'number' ? a.toFixed(2) : '-' }),
    el('td', { class: 'num', text: typeof b === 'number' ? b.toFixed(2) : '-' }))));
  $('#problems').replaceChildren(...(r.problems || []).map((p) => el('li', { text: `line ${p.line}: ${p.message || p.reason || ''}` })),
    ...(r.notes || []).map((n) => el('li', { text: n })));
}

// The current card with the implied rates, markup and margin put in; a new version through PUT.
async function adopt() {
  clearError();
  try {
    const view = await api(`/v1/workshops/${WS}/rate-card`);
    const card = view.ratecard;
    const ic = report.implied_card;
    for (const p of ic.processes) {
      for (const m of (card.processes[p.process] || {}).machines || []) {
        if (m.machine_class !== p.machine_class) continue;
        const k = p.card_rate_eur_h ? m.rate_eur_h / p.card_rate_eur_h : 1;
        const ks = p.card_setup_rate_eur_h ? m.setup_rate_eur_h / p.card_setup_rate_eur_h : 1;
        m.rate_eur_h = Math.round(p.rate_eur_h * k * 100) / 100;
        m.setup_rate_eur_h = Math.round(p.setup_rate_eur_h * ks * 100) / 100;
      }
    }
    if (Number.isFinite(ic.margin_fraction) && ic.margin_fraction >= 0) {
      card.commercial.margin_fraction = Math.round(ic.margin_fraction * 1000) / 1000;
    }
    const saved = await api(`/v1/workshops/${WS}/rate-card`, { method: 'PUT', json: card, csrf: cfg.csrf });
    setStatus(`Adopted: the rate card is now version ${saved.version}.`);
  } catch (err) {
    showError(err);
  }
}

$('#cal-form').addEventListener('submit', run);
$('#adopt-btn').addEventListener('click', adopt);
document.body.dataset.ready = 'true';
