// The offers of a quote: a table per workshop (unit and total per quantity), breakdowns, process chart.
import { el, cents, money } from './common.js';

const DAY_MS = 86400000;

function co2(offer, line) {
  const v = line.co2_kg ?? offer.co2_kg ?? (line.co2 && line.co2.total_kg);
  return typeof v === 'number' ? v : null;
}

function firstLine(offer) { return offer.lines[0] || {}; }

export function sortOffers(offers, by) {
  const key = {
    price: (o) => cents(firstLine(o), 'total') ?? Infinity,
    lead_time: (o) => firstLine(o).lead_time_days ?? Infinity,
    co2: (o) => co2(o, firstLine(o)) ?? Infinity,
  }[by] || (() => 0);
  return [...offers].sort((a, b) => key(a) - key(b));
}

function breakdownRows(line, currency, id) {
  const items = line.breakdown || [];
  const sum = items.reduce((s, b) => s + (cents(b, 'amount') || 0), 0);
  const rows = items.map((b) => el('tr', {},
    el('td', { text: b.item }), el('td', { class: 'num', text: money(cents(b, 'amount'), currency) }),
    el('td', { class: 'muted', text: b.detail || '' })));
  rows.push(el('tr', {}, el('th', { scope: 'row', text: 'Sum' }),
    el('td', { class: 'num', 'data-sum': String(sum), text: money(sum, currency) }),
    el('td', { class: 'muted', text: sum === cents(line, 'total') ? 'adds up to the total' : 'total (rounded)' })));
  return el('tr', { class: 'breakdown', id, hidden: true },
    el('td', { colspan: '8' }, el('table', { 'aria-label': `Breakdown for ${line.quantity} parts` },
      el('tbody', {}, rows))));
}

function offerTable(offer, currency, n) {
  const body = el('tbody');
  offer.lines.forEach((line, j) => {
    const id = `bd-${n}-${j}`;
    const iv = line.interval || {};
    const c = co2(offer, line);
    const toggle = el('button', { type: 'button', class: 'link', 'aria-expanded': 'false', 'aria-controls': id,
      text: 'breakdown' });
    toggle.addEventListener('click', () => {
      const row = document.getElementById(id);
      row.hidden = !row.hidden;
      toggle.setAttribute('aria-expanded', String(!row.hidden));
    });
    body.append(el('tr', { class: 'line' },
      el('td', { class: 'num', text: String(line.quantity) }),
      el('td', { class: 'num unit', text: money(cents(line, 'unit_price'), currency) }),
      el('td', { class: 'num total', text: money(cents(line, 'total'), currency) }),
      el('td', { text: `${line.lead_time_days} d, ships ${line.ship_date}${line.meets_need_by === false ? ' (after need-by)' : ''}` }),
      el('td', { class: 'num', text: `${money(cents(iv, 'low'), currency)} - ${money(cents(iv, 'high'), currency)}` }),
      el('td', { class: 'num', text: c === null ? '-' : `${c.toFixed(1)} kg` }),
      el('td', {}, toggle)));
    body.append(breakdownRows(line, currency, id));
  });
  const head = el('thead', {}, el('tr', {}, ['Qty', 'Unit', 'Total', 'Lead time', 'Interval', 'CO2', '']
    .map((t) => el('th', { scope: 'col', class: t && t !== 'Lead time' ? 'num' : '', text: t }))));
  return el('table', { 'aria-label': `Prices from ${offer.workshop_name}` }, head, body);
}

export function renderOffers(box, quote, by) {
  const currency = quote.currency || 'EUR';
  box.replaceChildren();
  if (!quote.offers.length) box.append(el('p', { class: 'error', text: 'No workshop can make this part with these options.' }));
  sortOffers(quote.offers, by).forEach((offer, n) => {
    const where = [offer.city, offer.distance_km != null ? `${Math.round(offer.distance_km)} km` : null].filter(Boolean).join(', ');
    box.append(el('article', { class: 'offer', 'data-workshop': offer.workshop_id },
      el('h4', { text: `${offer.workshop_name} - ${offer.process}${offer.machine ? ` (${offer.machine})` : ''}` }),
      el('p', { class: 'muted', text: `${where}${offer.calibrated ? ' - calibrated on its past prices' : ''}${offer.demo ? ' - demo workshop' : ''}` }),
      offerTable(offer, offer.currency || currency, n)));
  });
}

// One bar per process: the lowest total of each, for the first quantity of the quote.
export function renderChart(box, quote) {
  box.replaceChildren();
  const choice = (quote.process_choice || [])[0];
  if (!choice) { box.append(el('p', { class: 'muted', text: 'Only one process can make this part.' })); return; }
  const byCents = choice.by_process_cents || Object.fromEntries(
    Object.entries(choice.by_process || {}).map(([k, v]) => [k, Math.round(v * 100)]));
  const entries = Object.entries(byCents).sort((a, b) => a[1] - b[1]);
  const max = Math.max(...entries.map((e) => e[1]), 1);
  const ns = 'http://www.w3.org/2000/svg';
  const rowH = 26;
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', `0 0 600 ${entries.length * rowH + 24}`);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', `Lowest total per process for ${choice.quantity} parts`);
  entries.forEach(([proc, c], i) => {
    const y = i * rowH + 4;
    const w = 380 * c / max;
    const add = (tag, attrs, text) => {
      const n = document.createElementNS(ns, tag);
      for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v);
      if (text) n.textContent = text;
      svg.append(n);
    };
    add('text', { x: 0, y: y + 16, 'font-size': 13 }, proc);
    add('rect', { x: 130, y, width: Math.max(w, 2), height: rowH - 8, fill: proc === choice.cheapest_process ? '#1f7a3a' : '#7d9cc0' });
    add('text', { x: 136 + w, y: y + 16, 'font-size': 13 }, money(c, quote.currency || 'EUR'));
  });
  box.append(svg, el('p', { class: 'muted', text: `for ${choice.quantity} parts; cheapest: ${choice.cheapest_process} at ${choice.cheapest_workshop}` }));
}

export function renderIneligible(box, quote) {
  box.replaceChildren(...(quote.ineligible || []).map((i) =>
    el('li', {}, el('strong', { text: i.workshop_name || i.workshop_id }), `: ${i.reasons.join('; ')}`)));
  if (!box.children.length) box.append(el('li', { class: 'muted', text: 'none' }));
}

export function renderDrivers(box, quote) {
  const drivers = quote.cost_drivers || [];
  box.parentElement.hidden = !drivers.length;
  box.replaceChildren(...drivers.map((d) => {
    const saving = cents(d, 'saving') ?? cents(d, 'savings');
    return el('li', {}, d.message || d.description || d.name || JSON.stringify(d),
      saving !== null ? ` (saves ${money(saving, quote.currency || 'EUR')})` : '');
  }));
}

export function expiry(quote) {
  const left = Math.round((Date.parse(quote.valid_until) - Date.now()) / DAY_MS);
  return quote.status === 'expired' ? 'expired' : `valid until ${quote.valid_until.slice(0, 10)} (${left} days)`;
}
