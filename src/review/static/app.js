// The review page. No framework and no inline script: the Content-Security-Policy allows scripts from this
// origin only, and every value from the API (event fields are attacker-controlled) is put on the page with
// textContent or as a form value, never as HTML. Links are built only to known hosts.
'use strict';

const state = { config: undefined, token: undefined, filter: new URLSearchParams(), continuation: undefined, detail: undefined, etag: undefined };
const $ = (id) => document.getElementById(id);

/** An element with text content, attributes and children (strings become text nodes). */
function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'text') node.textContent = String(value);
    else if (name === 'className') node.className = value;
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null) continue;
    node.append(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
  return node;
}

function safeLink(url, text, base) {
  // Only https links to the hosts the API builds links for; anything else is shown as text.
  try {
    const parsed = new URL(url);
    if (parsed.protocol === 'https:' && ['attack.mitre.org', 'portal.azure.com', 'github.com'].includes(parsed.hostname)) {
      return el('a', { href: parsed.href, target: '_blank', rel: 'noopener noreferrer', ...(base ?? {}) }, text);
    }
  } catch {
    // not a URL
  }
  return el('span', { text });
}

function showMessage(text, options = {}) {
  $('message-text').textContent = text;
  $('message').classList.toggle('ok', options.ok === true);
  $('message-reload').hidden = options.reload !== true;
  $('message').hidden = false;
  if (!options.ok) $('message-close').focus();
}

function hideMessage() {
  $('message').hidden = true;
}

// ---------------------------------------------------------------------------------------------------
// Sign-in (Entra ID, authorization code with PKCE; development: none)
// ---------------------------------------------------------------------------------------------------

function base64url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

async function signIn() {
  const config = state.config;
  if (config.auth !== 'entra') return;
  const redirectUri = location.origin + location.pathname;
  const authority = `https://login.microsoftonline.com/${encodeURIComponent(config.tenantId)}/oauth2/v2.0`;
  const params = new URLSearchParams(location.search);
  const stored = JSON.parse(sessionStorage.getItem('sigma-hunt-token') ?? 'null');
  if (stored && stored.expiresAt > Date.now() + 60_000) {
    state.token = stored.accessToken;
    return;
  }
  if (params.has('code')) {
    const pending = JSON.parse(sessionStorage.getItem('sigma-hunt-pkce') ?? 'null');
    if (!pending || pending.state !== params.get('state')) throw new Error('sign-in state does not match; reload the page');
    const response = await fetch(`${authority}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ client_id: config.clientId, grant_type: 'authorization_code', code: params.get('code'), redirect_uri: redirectUri, code_verifier: pending.verifier, scope: config.scope }),
    });
    const token = await response.json();
    if (!response.ok) throw new Error(`sign-in failed: ${token.error_description ?? token.error ?? response.status}`);
    sessionStorage.removeItem('sigma-hunt-pkce');
    sessionStorage.setItem('sigma-hunt-token', JSON.stringify({ accessToken: token.access_token, expiresAt: Date.now() + token.expires_in * 1000 }));
    state.token = token.access_token;
    history.replaceState(null, '', redirectUri + (pending.hash ?? ''));
    return;
  }
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const challenge = base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
  const nonce = base64url(crypto.getRandomValues(new Uint8Array(16)));
  sessionStorage.setItem('sigma-hunt-pkce', JSON.stringify({ verifier, state: nonce, hash: location.hash }));
  location.assign(`${authority}/authorize?${new URLSearchParams({ client_id: config.clientId, response_type: 'code', redirect_uri: redirectUri, scope: config.scope, state: nonce, code_challenge: challenge, code_challenge_method: 'S256' })}`);
  await new Promise(() => {}); // navigating away
}

async function api(method, path, options = {}) {
  const headers = { accept: 'application/json', ...(options.headers ?? {}) };
  if (state.token) headers.authorization = `Bearer ${state.token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, { method, headers, ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}) });
  const text = await response.text();
  let body;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (response.status === 401 && state.config.auth === 'entra') {
    sessionStorage.removeItem('sigma-hunt-token');
    await signIn();
  }
  return { status: response.status, ok: response.ok, etag: response.headers.get('etag'), body };
}

// ---------------------------------------------------------------------------------------------------
// List
// ---------------------------------------------------------------------------------------------------

function destinationText(destination) {
  if (!destination) return '';
  const name = destination.fqdn ?? destination.ip ?? '';
  return destination.port !== undefined ? `${name}:${destination.port}` : name;
}

function severityBadge(severity) {
  return el('span', { className: `sev sev-${['critical', 'high', 'medium', 'low', 'informational'].includes(severity) ? severity : 'medium'}`, text: severity });
}

function utc(text) {
  return text ? String(text).replace('T', ' ').replace(/\.\d+Z$|Z$/, '') : '';
}

async function loadList(append) {
  const query = new URLSearchParams(state.filter);
  if (append && state.continuation) query.set('continuation', state.continuation);
  const response = await api('GET', `/api/incidents?${query}`);
  if (!response.ok) {
    showMessage(response.body?.error?.message ?? `the list could not be loaded (${response.status})`);
    return;
  }
  const rows = $('incident-rows');
  if (!append) rows.replaceChildren();
  for (const incident of response.body.incidents) {
    rows.append(
      el('tr', { 'data-key': incident.incidentKey },
        el('td', {}, severityBadge(incident.severity)),
        el('td', {}, el('a', { href: `#/incidents/${encodeURIComponent(incident.incidentKey)}`, text: incident.ruleTitle })),
        el('td', { text: incident.status }),
        el('td', { className: 'value', text: incident.host }),
        el('td', { className: 'value', text: destinationText(incident.destination) }),
        el('td', { text: incident.hitCount }),
        el('td', { text: utc(incident.lastSeen) }),
      ),
    );
  }
  state.continuation = response.body.continuation;
  $('more').hidden = !state.continuation;
  $('list-status').textContent = `${rows.children.length} incident(s) shown${state.continuation ? '; more available' : ''}`;
}

function readFilters() {
  const form = new FormData($('filters'));
  const filter = new URLSearchParams();
  for (const name of ['status', 'severity', 'rule', 'host']) {
    const value = String(form.get(name) ?? '').trim();
    if (value) filter.set(name, value);
  }
  for (const name of ['from', 'to']) {
    const value = String(form.get(name) ?? '').trim();
    if (value) filter.set(name, new Date(`${value}Z`).toISOString());
  }
  return filter;
}

// ---------------------------------------------------------------------------------------------------
// Detail
// ---------------------------------------------------------------------------------------------------

function panel(title, ...children) {
  const id = `panel-${title.toLowerCase().replace(/[^a-z]+/g, '-')}`;
  return el('section', { className: 'panel', 'aria-labelledby': id }, el('h3', { id, text: title }), ...children);
}

function facts(pairs) {
  return el('dl', { className: 'facts' }, pairs.filter(([, value]) => value !== undefined && value !== '').flatMap(([name, value]) => [el('dt', { text: name }), el('dd', { className: 'value', text: value })]));
}

function summaryPanel(incident, triage) {
  return panel('Summary', facts([
    ['Severity', incident.severity],
    ['Status', triage.status],
    ['Owner', triage.owner ?? '—'],
    ['Classification', triage.classification ? `${triage.classification}${triage.classificationReason ? ` (${triage.classificationReason})` : ''}` : ''],
    ['Rule', `${incident.ruleTitle} (${incident.ruleId})`],
    ['Host', incident.host],
    ['Account', incident.account ?? ''],
    ['Process image', incident.processImage],
    ['Destination', destinationText(incident.destination)],
    ['First seen (UTC)', utc(incident.firstSeen)],
    ['Last seen (UTC)', utc(incident.lastSeen)],
    ['Hits', String(incident.hitCount)],
  ]));
}

function timelinePanel(hits, truncated) {
  return panel('Timeline',
    el('ol', { className: 'timeline' }, hits.map((hit) => el('li', {},
      el('strong', { text: utc(hit.eventTime) }), ' ',
      el('span', { className: 'value', text: `${hit.event?.Image ?? ''} → ${destinationText(hit.destination)}${hit.account ? ` as ${hit.account}` : ''}` }),
    ))),
    truncated ? el('p', { text: 'Only the earliest hits are shown.' }) : null,
  );
}

function attackPanel(enrichment) {
  const attack = enrichment?.rule?.attack;
  const techniques = attack?.techniques ?? [];
  if (techniques.length === 0) return panel('MITRE ATT&CK', el('p', { text: 'The rule names no ATT&CK technique.' }));
  return panel('MITRE ATT&CK',
    ...techniques.map((technique) => el('article', {},
      el('h4', {}, safeLink(technique.url, `${technique.id} ${technique.fullName ?? technique.name}`)),
      el('p', { text: `Tactics: ${(technique.tactics ?? []).map((tactic) => tactic.name).join(', ')}` }),
      el('p', { text: technique.description ?? '' }),
      el('h5', { text: 'Mitigations' }),
      el('ul', {}, (technique.mitigations ?? []).map((mitigation) => el('li', {}, safeLink(mitigation.url, `${mitigation.id} ${mitigation.name}`)))),
      el('h5', { text: 'Detection strategies' }),
      el('ul', {}, (technique.detectionStrategies ?? []).map((strategy) => el('li', {}, safeLink(strategy.url, `${strategy.id} ${strategy.name}`)))),
    )),
    el('p', { className: 'attribution', text: attack.attribution ?? '' }),
  );
}

function entitiesPanel(enrichment) {
  const entities = enrichment?.entities ?? [];
  return panel('Entities', el('table', {},
    el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: 'Type' }), el('th', { scope: 'col', text: 'Role' }), el('th', { scope: 'col', text: 'Identifiers' }))),
    el('tbody', {}, entities.map((entity) => el('tr', {},
      el('td', { text: entity.type }),
      el('td', { text: entity.role ?? '' }),
      el('td', { className: 'value', text: Object.entries(entity.identifiers ?? {}).map(([name, value]) => `${name}: ${value}`).join('\n') }),
    ))),
  ));
}

function matchedFieldsPanel(explanation) {
  const reasons = explanation?.reasons ?? [];
  return panel('Matched fields', el('table', {},
    el('thead', {}, el('tr', {}, ...['Search', 'Field', 'Modifier', 'Rule value', 'Event value'].map((name) => el('th', { scope: 'col', text: name })))),
    el('tbody', {}, reasons.map((reason) => el('tr', {},
      el('td', { text: reason.identifier }),
      el('td', { className: 'value', text: reason.field ?? '(keyword)' }),
      el('td', { text: (reason.modifiers ?? []).join('|') || '(equals)' }),
      el('td', { className: 'value', text: String(reason.ruleValue) }),
      el('td', { className: 'value', text: reason.eventValue ?? '' }),
    ))),
  ));
}

function pivotPanel(enrichment, links) {
  const pivots = enrichment?.pivots ?? [];
  return panel('Pivot queries (KQL)', ...pivots.map((pivot, index) => {
    const id = `pivot-${index}`;
    const copy = el('button', { type: 'button', 'aria-describedby': id, text: `Copy query: ${pivot.title}` });
    copy.addEventListener('click', async () => {
      try {
        await navigator.clipboard.writeText(pivot.query);
        showMessage(`Copied "${pivot.title}" to the clipboard.`, { ok: true });
      } catch {
        showMessage('The browser refused the clipboard; select the query and copy it by hand.');
      }
    });
    const link = links?.[index]
      ? safeLink(links[index], `Open "${pivot.title}" in Log Analytics`, { className: 'open-la' })
      : el('span', { text: 'Open in Log Analytics: set REVIEW_WORKSPACE_RESOURCE_ID to get a link.' });
    return el('article', {}, el('h4', { text: pivot.title }), el('pre', { className: 'kql', id, text: pivot.query }), copy, ' ', link);
  }));
}

const CLASSIFICATIONS = {
  TruePositive: ['SuspiciousActivity'],
  BenignPositive: ['SuspiciousButExpected'],
  FalsePositive: ['IncorrectAlertLogic', 'InaccurateData'],
  Undetermined: [],
};

function select(name, label, options, value) {
  return el('label', {}, label, el('select', { name }, options.map(([optionValue, text]) => el('option', { value: optionValue, selected: optionValue === (value ?? '') }, text))));
}

function triagePanel(detail) {
  const triage = detail.triage;
  const canTriage = (detail.principal?.roles ?? []).includes('Incidents.Triage');
  const form = el('form', { className: 'triage', id: 'triage-form' },
    select('status', 'Status', [['new', 'new'], ['active', 'active'], ['closed', 'closed']], triage.status),
    el('label', {}, 'Owner', el('input', { name: 'owner', type: 'text', value: triage.owner ?? '', autocomplete: 'off' })),
    select('classification', 'Classification (when closing)', [['', '—'], ...Object.keys(CLASSIFICATIONS).map((name) => [name, name])], triage.classification),
    select('classificationReason', 'Classification reason', [['', '—'], ...Object.values(CLASSIFICATIONS).flat().map((name) => [name, name])], triage.classificationReason),
    el('label', {}, 'Comment', el('textarea', { name: 'comment', rows: 3 })),
    el('button', { type: 'submit', disabled: !canTriage }, 'Save triage'),
    canTriage ? null : el('p', { text: 'You can read incidents; triage needs the Incidents.Triage role.' }),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const body = { status: data.get('status'), owner: String(data.get('owner') ?? '').trim() || null };
    if (body.status === 'closed') {
      if (data.get('classification')) body.classification = data.get('classification');
      if (data.get('classificationReason')) body.classificationReason = data.get('classificationReason');
    }
    const comment = String(data.get('comment') ?? '').trim();
    if (comment) body.comment = comment;
    const response = await api('PATCH', `/api/incidents/${encodeURIComponent(detail.incident.incidentKey)}`, { body, headers: { 'if-match': state.etag } });
    if (response.status === 412) {
      const current = response.body?.error?.current ?? {};
      showMessage(`Not saved: someone else changed this incident since you opened it (now ${current.status ?? '?'}${current.owner ? `, owner ${current.owner}` : ''}${current.updatedBy ? `, by ${current.updatedBy}` : ''}). Reload it, check their change, and apply yours again.`, { reload: true });
      return;
    }
    if (!response.ok) {
      showMessage(response.body?.error?.message ?? `not saved (${response.status})`);
      return;
    }
    await openDetail(detail.incident.incidentKey);
    showMessage('Triage saved.', { ok: true });
  });
  return panel('Triage', form);
}

const EXCEPTION_FIELDS = ['Image', 'DestinationHostname', 'DestinationIp', 'DestinationPort', 'User', 'CommandLine', 'ParentImage'];

function exceptionPanel(detail) {
  const event = detail.hits[0]?.event ?? detail.incident.sampleHits?.[0]?.event ?? {};
  const fields = Object.keys(event).filter((name) => EXCEPTION_FIELDS.includes(name) && ['string', 'number', 'boolean'].includes(typeof event[name]));
  const canTriage = (detail.principal?.roles ?? []).includes('Incidents.Triage');
  const result = el('p', { id: 'exception-result', role: 'status' });
  const form = el('form', { className: 'exception', id: 'exception-form' },
    el('fieldset', {}, el('legend', { text: 'Suppress future hits of this rule where these fields equal this incident\'s values' }),
      fields.map((name) => el('label', { className: 'check' }, el('input', { type: 'checkbox', name: 'field', value: name, checked: name === 'Image' || name === 'DestinationHostname' }), ' ', el('span', { text: `${name} = ` }), el('span', { className: 'value', text: String(event[name]) })))),
    el('label', {}, 'Reason', el('input', { name: 'reason', type: 'text', required: true, autocomplete: 'off' })),
    el('label', {}, 'Expires in (days)', el('input', { name: 'days', type: 'number', min: 1, max: 366, value: 30 })),
    el('div', {},
      el('button', { type: 'button', id: 'exception-preview', disabled: !canTriage }, 'Preview'), ' ',
      el('button', { type: 'submit', disabled: !canTriage }, 'Create exception')),
    result,
  );
  const request = () => {
    const data = new FormData(form);
    const chosen = {};
    for (const name of data.getAll('field')) chosen[name] = event[name];
    return { ruleId: detail.incident.ruleId, ruleTitle: detail.incident.ruleTitle, incidentKey: detail.incident.incidentKey, fields: chosen, reason: String(data.get('reason') ?? ''), expiresInDays: Number(data.get('days')) };
  };
  form.querySelector('#exception-preview').addEventListener('click', async () => {
    const response = await api('POST', '/api/exceptions?preview=true', { body: request() });
    result.textContent = response.ok ? `This exception ${response.body.message}.` : response.body?.error?.message ?? `preview failed (${response.status})`;
  });
  form.addEventListener('submit', async (submitEvent) => {
    submitEvent.preventDefault();
    const response = await api('POST', '/api/exceptions', { body: request() });
    result.textContent = response.ok ? `Exception ${response.body.id} created; it applies from the next hunt run until ${utc(response.body.expires)}.` : response.body?.error?.message ?? `not created (${response.status})`;
  });
  return panel('Exception builder', form);
}

function auditPanel(audit) {
  return panel('Audit trail', el('ol', {}, audit.map((record) => el('li', {},
    el('strong', { text: `${utc(record.at)} ${record.by}` }), ': ',
    el('span', { text: record.changes.map((change) => `${change.field} ${change.from ?? '—'} → ${change.to ?? '—'}`).join('; ') || 'comment' }),
    record.comment ? el('div', { className: 'value', text: `“${record.comment}”` }) : null,
  ))));
}

async function openDetail(incidentKey) {
  const response = await api('GET', `/api/incidents/${encodeURIComponent(incidentKey)}`);
  if (!response.ok) {
    showMessage(response.body?.error?.message ?? `the incident could not be loaded (${response.status})`);
    return;
  }
  const detail = response.body;
  state.detail = detail;
  state.etag = response.etag;
  const incident = detail.incident;
  $('detail-title').replaceChildren(severityBadge(incident.severity), ' ', document.createTextNode(incident.ruleTitle));
  $('detail').replaceChildren(
    el('div', { className: 'grid' }, summaryPanel(incident, detail.triage), triagePanel(detail)),
    timelinePanel(detail.hits, detail.hitsTruncated),
    matchedFieldsPanel(incident.explanation),
    el('div', { className: 'grid' }, attackPanel(incident.enrichment), entitiesPanel(incident.enrichment)),
    pivotPanel(incident.enrichment, detail.pivotLinks),
    exceptionPanel(detail),
    auditPanel(detail.audit),
  );
}

// ---------------------------------------------------------------------------------------------------
// Routing
// ---------------------------------------------------------------------------------------------------

async function route() {
  const match = /^#\/incidents\/([0-9a-f]{32})$/.exec(location.hash);
  $('list-view').hidden = Boolean(match);
  $('detail-view').hidden = !match;
  if (match) {
    await openDetail(match[1]);
    $('detail-title').setAttribute('tabindex', '-1');
    $('detail-title').focus();
  } else {
    state.continuation = undefined;
    await loadList(false);
  }
}

async function start() {
  $('message-close').addEventListener('click', hideMessage);
  $('message-reload').addEventListener('click', async () => {
    hideMessage();
    if (state.detail) await openDetail(state.detail.incident.incidentKey);
  });
  $('filters').addEventListener('submit', async (event) => {
    event.preventDefault();
    state.filter = readFilters();
    state.continuation = undefined;
    await loadList(false);
  });
  $('more').addEventListener('click', () => loadList(true));
  window.addEventListener('hashchange', () => void route());
  state.config = await (await fetch('config.json')).json();
  await signIn();
  const whoAmI = await api('GET', '/api/incidents?pageSize=1');
  if (state.config.auth === 'development') {
    $('principal').textContent = 'DEVELOPMENT PRINCIPAL: local only, not authenticated';
    $('principal').classList.add('development');
  } else if (whoAmI.status === 403) {
    $('principal').textContent = 'Signed in, without the Incidents.Read role';
  } else {
    $('principal').textContent = 'Signed in with Entra ID';
  }
  await route();
  document.body.dataset.ready = 'true';
}

start().catch((error) => showMessage(String(error?.message ?? error)));
