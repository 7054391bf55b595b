// Shared helpers of the microfab pages: /v1 calls, problem messages, money, small DOM helpers.

export const $ = (sel, root = document) => root.querySelector(sel);

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) node.append(c);
  return node;
}

export function boot() {
  const node = document.getElementById('boot');
  return node ? JSON.parse(node.textContent) : {};
}

// What a person should read for each stable problem code of the API.
const HINTS = {
  unsupported_format: 'This file type is not supported: use STEP/STP, STL, 3MF, OBJ or DXF.',
  file_too_large: 'The file is too big: simplify or compress the model and try again.',
  unsupported_unit: 'That unit is not supported: choose mm, cm, m or inch.',
  unknown_unit: 'That unit is not supported: choose mm, cm, m or inch.',
  no_offers: 'No workshop can make this part with these options: try another material or process.',
  unauthorized: 'This needs a valid API key: sign in again.',
  forbidden: 'This key may not do that.',
  not_found: 'Not found: it may have been removed, or it belongs to someone else.',
  parse_workers_unavailable: 'The server is busy starting up: try again in a minute.',
  parse_timeout: 'The file took too long to read: simplify the model and try again.',
  rate_limited: 'Too many requests: wait a moment and try again.',
};

export class ApiError extends Error {
  constructor(status, problem) {
    const base = problem && problem.title;
    const hint = problem && HINTS[problem.code];
    // the API's own detail says what to do; the hint stands in where it has none
    super(problem && problem.detail ? problem.detail : (hint || base || `The server answered ${status}.`));
    this.status = status;
    this.problem = problem || {};
  }
}

export async function problemOf(res) {
  try { return await res.json(); } catch { return { detail: `The server answered ${res.status} ${res.statusText}.` }; }
}

// fetch a /v1 path; JSON in and out; problem+json answers become ApiError.
export async function api(path, { method = 'GET', json, form, csrf } = {}) {
  const headers = { Accept: 'application/json' };
  let body;
  if (json !== undefined) { headers['Content-Type'] = 'application/json'; body = JSON.stringify(json); }
  if (form !== undefined) body = form;
  if (csrf) headers['X-CSRF-Token'] = csrf;
  let res;
  try {
    res = await fetch(path, { method, headers, body, credentials: 'same-origin' });
  } catch (err) {
    throw new ApiError(0, { detail: 'The server cannot be reached: check the connection and try again.' });
  }
  if (!res.ok) throw new ApiError(res.status, await problemOf(res));
  return res.status === 204 ? null : res.json();
}

// POST a multipart form with upload progress (fetch has none): resolves {status, body}.
export function upload(path, form, onProgress, csrf) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    xhr.setRequestHeader('Accept', 'application/json');
    if (csrf) xhr.setRequestHeader('X-CSRF-Token', csrf);
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(100 * e.loaded / e.total); };
    xhr.upload.onload = () => performance.mark('mf-sent');  // every byte sent: the server works from here
    xhr.onerror = () => reject(new ApiError(0, { detail: 'The upload failed: the server cannot be reached.' }));
    xhr.onload = () => {
      let body = null;
      try { body = JSON.parse(xhr.responseText); } catch { body = { detail: xhr.responseText.slice(0, 200) }; }
      if (xhr.status >= 400) reject(new ApiError(xhr.status, body));
      else resolve({ status: xhr.status, body });
    };
    xhr.send(form);
  });
}

// Wait for an async job (parse, quote, calibration), reporting its state; resolves its result.
export async function waitJob(url, onState, csrf) {
  for (let i = 0; ; i++) {
    const job = await api(url, { csrf });
    onState(job, i);
    if (job.status === 'succeeded') return job.result;
    if (job.status === 'failed' || job.status === 'interrupted') {
      throw new ApiError(422, job.error || { detail: `The ${job.kind} job ${job.status}.` });
    }
    await new Promise((r) => setTimeout(r, Math.min(250 * (i + 1), 1500)));
  }
}

// Money: the exact *_cents fields when the API has them, else the older *_eur floats.
export function cents(obj, name) {
  if (!obj) return null;
  if (Number.isInteger(obj[`${name}_cents`])) return obj[`${name}_cents`];
  const eur = obj[`${name}_eur`];
  return typeof eur === 'number' ? Math.round(eur * 100) : null;
}

export function money(c, currency = 'EUR') {
  if (c === null || c === undefined) return '-';
  return new Intl.NumberFormat('en-GB', { style: 'currency', currency }).format(c / 100);
}

export function showError(err, box = $('#error')) {
  box.textContent = err instanceof ApiError ? err.message : `Something went wrong: ${err.message || err}`;
  box.hidden = false;
}

export function clearError(box = $('#error')) { box.hidden = true; box.textContent = ''; }

export function setStatus(text) { $('#status').textContent = text; }
