// The staff console: sign-in, conversation list, transcript view with review and
// export, stats and (for admins) the audit log. Plain ES modules, no build step,
// everything served by the bot itself.
import { api, convPath, exportUrl, query, setUnauthenticatedHandler } from './api.js';
import { $, clear, formatDateTime, formatTime, h, relative, show, statusBadge, urgencyBadge } from './dom.js';
import { dayRange, drawChart } from './chart.js';

const state = {
  me: null,
  listCursor: null,
  auditCursor: null,
  current: null,
};

const VIEWS = ['login', 'list', 'detail', 'stats', 'audit'];

function showView(name) {
  for (const v of VIEWS) show($(`view-${v}`), v === name);
  for (const a of document.querySelectorAll('[data-nav]')) {
    a.classList.toggle('active', a.dataset.nav === name || (name === 'detail' && a.dataset.nav === 'list'));
  }
  document.body.dataset.view = name;
}

let flashTimer;
function flash(message, kind = 'ok') {
  const el = $('flash');
  el.textContent = message;
  el.className = `flash ${kind}`;
  show(el, true);
  window.clearTimeout(flashTimer);
  flashTimer = window.setTimeout(() => show(el, false), 3500);
}

// ---- routing ------------------------------------------------------------------------

function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path, qs = ''] = raw.split('?');
  return { path, params: new URLSearchParams(qs) };
}

async function route() {
  if (!state.me) return showLogin();
  const { path, params } = parseHash();
  try {
    if (path.startsWith('/c/')) return await openConversation(decodeURIComponent(path.slice(3)));
    if (path === '/stats') return await openStats(Number(params.get('days') || 7));
    if (path === '/audit' && state.me.role === 'admin') return await openAudit();
    return await openList(params);
  } catch (err) {
    if (err.status !== 401) flash(err.message, 'error');
  }
}

window.addEventListener('hashchange', route);

// ---- session ------------------------------------------------------------------------

function signedOut() {
  state.me = null;
  show($('nav'), false);
  show($('who'), false);
  showLogin();
}

setUnauthenticatedHandler(signedOut);

function showLogin() {
  showView('login');
  $('login-token').focus();
}

function signedIn(me) {
  state.me = me;
  $('who-name').textContent = me.name;
  $('who-role').textContent = me.role;
  show($('nav-audit'), me.role === 'admin');
  show($('delete-card'), me.role === 'admin');
  show($('nav'), true);
  show($('who'), true);
}

$('login-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const err = $('login-error');
  show(err, false);
  const token = $('login-token').value.trim();
  try {
    await api('login', { method: 'POST', body: { token }, quiet401: true });
    $('login-token').value = '';
    signedIn(await api('me'));
    await route();
  } catch (e) {
    err.textContent = e.status === 429 ? e.message : e.status === 401 ? 'That token is not valid, or it has been revoked.' : e.message;
    show(err, true);
  }
});

$('logout').addEventListener('click', async () => {
  try {
    await api('logout', { method: 'POST', quiet401: true });
  } catch {
    // Signed out either way.
  }
  signedOut();
});

// ---- conversation list --------------------------------------------------------------

const FILTERS = ['q', 'urgency', 'status', 'intent', 'channel', 'from', 'to'];

function filtersFromForm() {
  const form = $('filters');
  const out = {};
  for (const name of FILTERS) {
    const v = form.elements[name].value.trim();
    if (v) out[name] = v;
  }
  return out;
}

function fillForm(params) {
  const form = $('filters');
  for (const name of FILTERS) form.elements[name].value = params.get(name) || '';
}

$('filters').addEventListener('submit', (ev) => {
  ev.preventDefault();
  location.hash = `#/${query(filtersFromForm())}`;
});

$('filters-reset').addEventListener('click', () => {
  location.hash = '#/';
});

for (const chip of document.querySelectorAll('[data-quick]')) {
  chip.addEventListener('click', () => {
    const q = chip.dataset.quick;
    if (q === 'follow_up') location.hash = '#/?status=follow_up';
    else if (q === 'escalated') location.hash = '#/?status=new&urgency=urgent';
    else location.hash = '#/';
  });
}

function activeQuick(params) {
  const keys = [...params.keys()];
  if (keys.length === 0) return 'all';
  if (keys.length === 1 && params.get('status') === 'follow_up') return 'follow_up';
  if (keys.length === 2 && params.get('status') === 'new' && params.get('urgency') === 'urgent') return 'escalated';
  return null;
}

function needsAttention(c) {
  return c.reviewStatus === 'follow_up' || (c.reviewStatus === 'new' && c.maxUrgency !== 'none');
}

function convRow(c) {
  const attention = needsAttention(c);
  return h('a', {
    class: `conv urgency-${c.maxUrgency}${attention ? ' attention' : ''} status-${c.reviewStatus}`,
    href: `#/c/${encodeURIComponent(c.key)}`,
    role: 'listitem',
    dataset: { key: c.key, urgency: c.maxUrgency, status: c.reviewStatus },
  },
  h('div', { class: 'conv-urgency' }, urgencyBadge(c.maxUrgency)),
  h('div', { class: 'conv-main' },
    h('div', { class: 'conv-title' },
      h('span', { class: 'conv-intents' }, c.intents.length ? c.intents.join(' · ') : c.maxUrgency !== 'none' ? 'Red flag: escalated before any answer' : 'No intent recognised'),
      attention && c.reviewStatus === 'follow_up' ? h('span', { class: 'flag' }, '⚑ follow up') : null),
    h('div', { class: 'conv-meta muted' },
      h('span', { title: formatDateTime(c.lastAt) }, relative(c.lastAt)),
      h('span', {}, `${c.turnCount} message${c.turnCount === 1 ? '' : 's'}`),
      h('span', { class: 'channel' }, c.channel),
      c.tags.map((t) => h('span', { class: 'tag' }, t)))),
  h('div', { class: 'conv-status' }, statusBadge(c.reviewStatus)));
}

async function openList(params) {
  showView('list');
  fillForm(params);
  for (const chip of document.querySelectorAll('[data-quick]')) chip.classList.toggle('active', chip.dataset.quick === activeQuick(params));
  const list = clear($('conv-list'));
  show($('list-error'), false);
  show($('list-empty'), false);
  const filters = Object.fromEntries([...params.entries()].filter(([k]) => FILTERS.includes(k)));
  state.listFilters = filters;
  await loadListPage(list, filters, null);
}

async function loadListPage(list, filters, cursor) {
  const more = $('list-more');
  more.disabled = true;
  try {
    const page = await api(`conversations${query({ ...filters, cursor, limit: 25 })}`);
    for (const c of page.items) list.append(convRow(c));
    state.listCursor = page.nextCursor;
    show($('list-empty'), list.childElementCount === 0);
    show(more, Boolean(page.nextCursor));
  } catch (err) {
    if (err.status === 401) return;
    const el = $('list-error');
    el.textContent = err.field ? `${err.message}` : `Could not load conversations: ${err.message}`;
    show(el, true);
  } finally {
    more.disabled = false;
  }
}

$('list-more').addEventListener('click', () => loadListPage($('conv-list'), state.listFilters || {}, state.listCursor));

// ---- transcript view ----------------------------------------------------------------

function bubble(a) {
  const isBot = a.role === 'bot';
  const meta = [];
  if (isBot) {
    meta.push(h('span', { class: 'intent', title: 'Intent this reply answers' }, a.intent || 'no intent'));
    if (a.urgency && a.urgency !== 'none') meta.push(urgencyBadge(a.urgency));
  }
  const body = [];
  if (a.text) body.push(h('p', { class: 'text' }, a.text));
  for (const att of a.attachments) {
    // A card whose words are all in the message text (the bot's cards carry a text
    // fallback) is just named, not drawn as an empty box.
    const bare = !att.title && !att.text;
    body.push(h('div', { class: `attachment${bare ? ' bare' : ''}` },
      h('span', { class: 'att-type' }, att.contentType.replace(/^application\/vnd\.microsoft\.card\./, '') + ' card'),
      att.title ? h('strong', {}, att.title) : null,
      att.text ? h('p', {}, att.text) : null));
  }
  if (a.type !== 'message' && body.length === 0) body.push(h('p', { class: 'event muted' }, `(${a.type})`));
  if (a.suggestedActions.length) {
    body.push(h('div', { class: 'suggested' }, a.suggestedActions.map((t) => h('span', { class: 'suggestion' }, t))));
  }
  const sources = isBot && a.sources.length
    ? h('div', { class: 'sources' }, h('span', { class: 'muted' }, 'Sources: '),
      a.sources.map((s) => h('span', { class: 'source', title: s.section ? `${s.document} › ${s.section}` : s.document }, s.section ? `${s.document} › ${s.section}` : s.document)))
    : null;
  return h('li', { class: `msg ${isBot ? 'bot' : 'user'}${isBot && a.urgency && a.urgency !== 'none' ? ` escalation-${a.urgency}` : ''}` },
    h('div', { class: 'who-line muted' }, isBot ? 'Bot' : 'Patient', ' · ', h('time', { datetime: a.at, title: formatDateTime(a.at) }, formatTime(a.at)), meta.length ? ' · ' : null, meta),
    h('div', { class: 'bubble' }, body),
    sources);
}

function renderHead(c) {
  const head = clear($('detail-head'));
  head.append(
    h('div', { class: 'head-row' },
      urgencyBadge(c.maxUrgency),
      statusBadge(c.reviewStatus),
      h('span', { class: 'channel' }, c.channel),
      c.tags.map((t) => h('span', { class: 'tag' }, t))),
    h('h1', { class: 'conv-id', title: c.key }, c.intents.length ? c.intents.join(' · ') : 'Conversation'),
    h('p', { class: 'muted small' }, `${formatDateTime(c.firstAt)} – ${formatTime(c.lastAt)} · ${c.turnCount} patient message${c.turnCount === 1 ? '' : 's'} · id ${c.id}`),
    ...(c.note ? [h('p', { class: 'note' }, h('strong', {}, 'Note: '), c.note)] : []),
  );
  for (const btn of document.querySelectorAll('[data-status]')) btn.classList.toggle('active', btn.dataset.status === c.reviewStatus);
}

async function openConversation(key) {
  showView('detail');
  clear($('chat'));
  clear($('detail-head'));
  $('review-saved').textContent = '';
  const data = await api(convPath(key));
  state.current = data.conversation;
  renderHead(data.conversation);
  $('review-tags').value = data.conversation.tags.join(', ');
  $('review-note').value = data.conversation.note;
  $('export-transcript').href = exportUrl(key, 'transcript');
  $('export-json').href = exportUrl(key, 'json');
  $('export-csv').href = exportUrl(key, 'csv');
  const chat = $('chat');
  for (const a of data.activities) chat.append(bubble(a));
  if (data.activities.length === 0) chat.append(h('li', { class: 'muted' }, 'No messages stored.'));
}

async function saveReview(patch, message) {
  if (!state.current) return;
  const updated = await api(convPath(state.current.key), { method: 'PATCH', body: patch });
  state.current = updated;
  renderHead(updated);
  $('review-saved').textContent = `Saved ${formatTime(new Date().toISOString())}`;
  flash(message);
}

function tagsFromInput() {
  return $('review-tags').value.split(',').map((t) => t.trim()).filter(Boolean);
}

for (const btn of document.querySelectorAll('[data-status]')) {
  btn.addEventListener('click', async () => {
    const status = btn.dataset.status;
    const label = { reviewed: 'Marked as reviewed', follow_up: 'Marked for follow-up', new: 'Reset to new' }[status];
    try {
      // The note and tags typed so far are saved with the status.
      await saveReview({ status, tags: tagsFromInput(), note: $('review-note').value }, label);
    } catch (err) {
      if (err.status !== 401) flash(err.message, 'error');
    }
  });
}

$('review-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  try {
    await saveReview({ tags: tagsFromInput(), note: $('review-note').value }, 'Tags and note saved');
  } catch (err) {
    if (err.status !== 401) flash(err.message, 'error');
  }
});

$('delete-conv').addEventListener('click', async () => {
  if (!state.current) return;
  if (!window.confirm('Delete this conversation and all its messages? This cannot be undone.')) return;
  try {
    await api(convPath(state.current.key), { method: 'DELETE' });
    flash('Conversation deleted');
    location.hash = '#/';
  } catch (err) {
    if (err.status !== 401) flash(err.message, 'error');
  }
});

// ---- stats --------------------------------------------------------------------------

function tile(label, value, cls = '') {
  return h('div', { class: `tile ${cls}` }, h('div', { class: 'tile-value' }, value), h('div', { class: 'tile-label muted' }, label));
}

for (const chip of document.querySelectorAll('[data-days]')) {
  chip.addEventListener('click', () => {
    location.hash = `#/stats?days=${chip.dataset.days}`;
  });
}

async function openStats(days) {
  showView('stats');
  const d = [1, 7, 30, 90].includes(days) ? days : 7;
  for (const chip of document.querySelectorAll('[data-days]')) chip.classList.toggle('active', Number(chip.dataset.days) === d);
  const stats = await api(`stats?days=${d}`);
  const total = stats.conversationsPerDay.reduce((n, x) => n + x.count, 0);
  clear($('stat-tiles')).append(
    tile('Conversation-days', total),
    tile('Patient messages', stats.userMessages),
    tile('Urgent escalations', stats.escalations.urgent, 'urgent'),
    tile('Emergency escalations', stats.escalations.emergency, 'emergency'),
    tile('Fallback rate', `${Math.round(stats.fallbackRate * 1000) / 10}%`),
  );
  drawChart($('chart'), dayRange(stats.since, d), stats.conversationsPerDay, stats.escalationsPerDay || []);
  const list = clear($('top-intents'));
  const max = Math.max(1, ...stats.topIntents.map((t) => t.count));
  for (const t of stats.topIntents) {
    const meter = h('meter', { min: 0, max, value: t.count, title: String(t.count) });
    list.append(h('li', {}, h('span', { class: 'bar-label' }, t.intent), meter, h('span', { class: 'bar-count' }, String(t.count))));
  }
  if (stats.topIntents.length === 0) list.append(h('li', { class: 'muted' }, 'No answered questions in this period.'));
}

// ---- audit --------------------------------------------------------------------------

function auditRow(e) {
  const detail = e.detail ? Object.entries(e.detail).map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : v}`).join(', ') : '';
  return h('tr', {},
    h('td', { title: e.at }, formatDateTime(e.at)),
    h('td', {}, e.actor ? `${e.actor.name} (${e.actor.role})` : h('span', { class: 'muted' }, e.ip ? `anonymous, ${e.ip}` : 'anonymous')),
    h('td', {}, h('code', {}, e.action)),
    h('td', {}, e.conversation ? h('a', { href: `#/c/${encodeURIComponent(e.conversation)}` }, e.conversation) : ''),
    h('td', { class: 'small' }, detail));
}

async function openAudit() {
  showView('audit');
  clear($('audit-rows'));
  state.auditCursor = null;
  await loadAuditPage();
}

async function loadAuditPage() {
  const page = await api(`audit${query({ cursor: state.auditCursor, limit: 50 })}`);
  for (const e of page.items) $('audit-rows').append(auditRow(e));
  state.auditCursor = page.nextCursor;
  show($('audit-more'), Boolean(page.nextCursor));
}

$('audit-more').addEventListener('click', () => loadAuditPage().catch((err) => flash(err.message, 'error')));

// ---- start --------------------------------------------------------------------------

(async () => {
  try {
    signedIn(await api('me', { quiet401: true }));
  } catch {
    state.me = null;
  }
  await route();
})();
