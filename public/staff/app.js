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
  taxonomy: null,
};

const VIEWS = ['login', 'list', 'detail', 'inbox', 'stats', 'audit'];

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
    if (path.startsWith('/c/')) return await openConversation(decodeURIComponent(path.slice(3)), Number(params.get('seq')) || null);
    if (path === '/inbox') return await openInbox(Number(params.get('days') || 30));
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
  show($('export-labels'), me.role === 'admin');
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

const FILTERS = ['q', 'urgency', 'minUrgency', 'status', 'intent', 'channel', 'from', 'to', 'includeEmpty'];

function filtersFromForm() {
  const form = $('filters');
  const out = {};
  for (const name of FILTERS) {
    const el = form.elements[name];
    if (!el) continue;
    const v = el.type === 'checkbox' ? (el.checked ? '1' : '') : el.value.trim();
    if (v) out[name] = v;
  }
  // The select's "Urgent or emergency" is the API's urgent+; the quick filter's minUrgency is then redundant.
  delete out.minUrgency;
  return out;
}

function fillForm(params) {
  const form = $('filters');
  for (const name of FILTERS) {
    const el = form.elements[name];
    if (!el) continue;
    if (el.type === 'checkbox') el.checked = params.get(name) === '1';
    // "At least urgent" from a quick filter shows as the select's "Urgent or emergency".
    else if (name === 'urgency' && !params.get('urgency') && params.get('minUrgency')) el.value = `${params.get('minUrgency')}+`;
    else el.value = params.get(name) || '';
  }
}

/** Shows `hash`; when it is the page's hash already (no hashchange event), shows it again. */
function go(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

$('filters').addEventListener('submit', (ev) => {
  ev.preventDefault();
  go(`#/${query(filtersFromForm())}`);
});

$('filters-reset').addEventListener('click', () => {
  go('#/');
});

for (const chip of document.querySelectorAll('[data-quick]')) {
  chip.addEventListener('click', () => {
    const q = chip.dataset.quick;
    if (q === 'follow_up') go('#/?status=follow_up');
    else if (q === 'escalated') go('#/?status=new&minUrgency=urgent');
    else go('#/');
  });
}

function activeQuick(params) {
  const keys = [...params.keys()];
  if (keys.length === 0) return 'all';
  if (keys.length === 1 && params.get('status') === 'follow_up') return 'follow_up';
  if (keys.length === 2 && params.get('status') === 'new' && (params.get('minUrgency') === 'urgent' || params.get('urgency') === 'urgent+')) return 'escalated';
  return null;
}

function needsAttention(c) {
  return c.reviewStatus === 'follow_up' || (c.reviewStatus === 'new' && c.maxUrgency !== 'none');
}

/** The conversation's topics in staff words; the fallback is left out when something else was answered. */
function topicTitle(c) {
  const labels = (c.intentLabels || c.intents).filter((_, i) => c.intents[i] !== 'none' || c.intents.length === 1);
  if (labels.length) return labels.join(' · ');
  return c.maxUrgency !== 'none' ? 'Red flag: escalated before any answer' : 'No topic recognised';
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
      h('span', { class: 'conv-intents' }, topicTitle(c)),
      attention && c.reviewStatus === 'follow_up' ? h('span', { class: 'flag' }, '⚑ follow up') : null),
    c.firstMessage ? h('div', { class: 'conv-first', title: 'First patient message (redacted)' }, `“${c.firstMessage}”`) : null,
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

function systemLine(a) {
  return h('li', { class: 'msg system', dataset: { seq: a.seq, type: a.type } },
    h('span', { class: 'system-line muted' }, h('time', { datetime: a.at, title: formatDateTime(a.at) }, formatTime(a.at)), ' · ', a.system || a.type));
}

function redFlagList(a) {
  if (!a.redFlags.length && !a.conditions.length) return null;
  const items = a.redFlags.length
    ? a.redFlags.map((f) => h('li', { class: 'red-flag', title: f.id }, f.conditionLabel ? h('strong', {}, f.conditionLabel) : null, f.conditionLabel ? ' · ' : null, h('code', {}, f.rule)))
    : a.conditions.map((c) => h('li', { class: 'red-flag' }, h('strong', {}, c.label)));
  const unscoped = a.redFlags.length && a.redFlags.every((f) => !f.conditionLabel) && a.conditions.length
    ? h('li', { class: 'red-flag' }, 'Conditions: ', a.conditions.map((c) => c.label).join(', ')) : null;
  return h('div', { class: 'red-flags' }, h('span', { class: 'muted' }, 'Red flags matched: '), h('ul', {}, items, unscoped));
}

const KIND_LABEL = { intent: 'Should be', out_of_scope: 'Out of scope', missed_red_flag: 'Missed red flag' };

function labelLine(l) {
  const what = l.kind === 'intent' ? `${KIND_LABEL.intent}: ${l.intentLabel || l.intent}`
    : l.kind === 'missed_red_flag' ? `${KIND_LABEL.missed_red_flag}: ${conditionName(l.condition)} (${l.level})` : KIND_LABEL.out_of_scope;
  return h('div', { class: `taught kind-${l.kind}`, dataset: { labelId: l.id } }, '✎ ', h('strong', {}, what), h('span', { class: 'muted' }, ` · ${l.actor.name}, ${formatDateTime(l.createdAt)}`));
}

function conditionName(id) {
  const c = state.taxonomy && state.taxonomy.conditions.find((x) => x.id === id);
  return c ? c.label : id;
}

async function taxonomy() {
  if (!state.taxonomy) state.taxonomy = await api('taxonomy');
  return state.taxonomy;
}

/** The teach form under a patient message: the right intent, out of scope, or a missed red flag. */
function teachForm(a, host) {
  const tax = state.taxonomy;
  const intentSel = h('select', { name: 'intent', 'aria-label': 'Correct topic' },
    h('option', { value: '' }, 'Choose the right topic…'),
    tax.intents.filter((i) => i.id !== 'none').slice().sort((x, y) => x.label.localeCompare(y.label)).map((i) => h('option', { value: i.id }, i.label)));
  const condSel = h('select', { name: 'condition', 'aria-label': 'Condition' }, tax.conditions.map((c) => h('option', { value: c.id }, c.label)));
  const levelSel = h('select', { name: 'level', 'aria-label': 'Level' }, h('option', { value: 'urgent' }, 'Urgent'), h('option', { value: 'emergency' }, 'Emergency'));
  const kind = (value, text, checked) => h('label', { class: 'radio' }, h('input', { type: 'radio', name: 'kind', value, checked: checked || undefined }), text);
  const form = h('form', { class: 'teach-form' },
    h('div', { class: 'kinds' }, kind('intent', 'Should have been', true), kind('out_of_scope', 'Out of scope'), kind('missed_red_flag', 'Missed red flag')),
    h('div', { class: 'teach-intent' }, intentSel),
    h('div', { class: 'teach-flag', hidden: true }, condSel, levelSel),
    h('div', { class: 'teach-actions' }, h('button', { type: 'submit', class: 'primary' }, 'Save label'), h('button', { type: 'button', class: 'link', 'data-cancel': '' }, 'Cancel')));
  const sync = () => {
    const k = form.elements.kind.value;
    form.querySelector('.teach-intent').hidden = k !== 'intent';
    form.querySelector('.teach-flag').hidden = k !== 'missed_red_flag';
  };
  form.addEventListener('change', sync);
  form.querySelector('[data-cancel]').addEventListener('click', () => form.remove());
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const k = form.elements.kind.value;
    const body = { seq: a.seq, kind: k };
    if (k === 'intent') {
      if (!intentSel.value) return flash('Choose the topic this message should have been answered with.', 'error');
      body.intent = intentSel.value;
    }
    if (k === 'missed_red_flag') Object.assign(body, { condition: condSel.value, level: levelSel.value });
    try {
      const label = await api(`${convPath(state.current.key)}/labels`, { method: 'POST', body });
      form.remove();
      host.append(labelLine(label));
      flash('Label saved: it goes into the next training data export');
    } catch (err) {
      if (err.status !== 401) flash(err.message, 'error');
    }
  });
  return form;
}

function bubble(a, labels = []) {
  if (a.role === 'system') return systemLine(a);
  const isBot = a.role === 'bot';
  const meta = [];
  if (isBot) {
    if (a.intentLabel) meta.push(h('span', { class: 'intent', title: `Topic this reply answers (${a.intent})` }, a.intentLabel));
    else if (a.outcome === 'clarified') meta.push(h('span', { class: 'intent unsure', title: 'The bot was unsure and asked' }, 'asked “did you mean”'));

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
      a.sources.map((s) => h('span', { class: 'source', title: s.citation }, s.citation)))
    : null;
  const taught = !isBot ? h('div', { class: 'labels' }, labels.map(labelLine)) : null;
  const teach = !isBot && a.text
    ? h('button', { type: 'button', class: 'link teach', title: 'Teach the bot what this message was about' }, '✎ Teach')
    : null;
  const li = h('li', { class: `msg ${isBot ? 'bot' : 'user'}${isBot && a.urgency && a.urgency !== 'none' ? ` escalation-${a.urgency}` : ''}`, dataset: { seq: a.seq } },
    h('div', { class: 'who-line muted' }, isBot ? 'Bot' : 'Patient', ' · ', h('time', { datetime: a.at, title: formatDateTime(a.at) }, formatTime(a.at)), meta.length ? ' · ' : null, meta, teach ? ' · ' : null, teach),
    h('div', { class: 'bubble' }, body),
    isBot ? redFlagList(a) : null,
    sources,
    taught);
  if (teach) {
    teach.addEventListener('click', () => {
      if (li.querySelector('.teach-form')) return;
      li.append(teachForm(a, taught));
      li.querySelector('.teach-form select').focus();
    });
  }
  return li;
}

function renderHead(c) {
  const head = clear($('detail-head'));
  head.append(
    h('div', { class: 'head-row' },
      urgencyBadge(c.maxUrgency),
      statusBadge(c.reviewStatus),
      h('span', { class: 'channel' }, c.channel),
      c.tags.map((t) => h('span', { class: 'tag' }, t))),
    h('h1', { class: 'conv-id', title: c.key }, c.intents.length ? topicTitle(c) : 'Conversation'),
    h('p', { class: 'muted small' }, `${formatDateTime(c.firstAt)} – ${formatTime(c.lastAt)} · ${c.turnCount} patient message${c.turnCount === 1 ? '' : 's'} · id ${c.id}`),
    ...(c.note ? [h('p', { class: 'note' }, h('strong', {}, 'Note: '), c.note)] : []),
  );
  for (const btn of document.querySelectorAll('[data-status]')) btn.classList.toggle('active', btn.dataset.status === c.reviewStatus);
}

async function openConversation(key, seq) {
  showView('detail');
  clear($('chat'));
  clear($('detail-head'));
  $('review-saved').textContent = '';
  const [data] = await Promise.all([api(convPath(key)), taxonomy()]);
  state.current = data.conversation;
  renderHead(data.conversation);
  $('review-tags').value = data.conversation.tags.join(', ');
  $('review-note').value = data.conversation.note;
  $('export-transcript').href = exportUrl(key, 'transcript');
  $('export-json').href = exportUrl(key, 'json');
  $('export-csv').href = exportUrl(key, 'csv');
  const chat = $('chat');
  for (const a of data.activities) chat.append(bubble(a, (data.labels || []).filter((l) => l.seq === a.seq)));
  if (data.activities.length === 0) chat.append(h('li', { class: 'muted' }, 'No messages stored.'));
  // From the inbox: the message to teach, highlighted.
  const target = seq ? chat.querySelector(`.msg.user[data-seq="${seq}"]`) : null;
  if (target) {
    target.classList.add('highlight');
    target.scrollIntoView({ block: 'center' });
  }
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
  const [stats, weekly] = await Promise.all([api(`stats?days=${d}`), api('stats/weekly?weeks=8')]);
  clear($('stat-tiles')).append(
    tile('Conversations', stats.conversations ?? 0),
    tile('Patient messages', stats.userMessages),
    tile('Urgent escalations', stats.escalations.urgent, 'urgent'),
    tile('Emergency escalations', stats.escalations.emergency, 'emergency'),
    tile('Questions not understood', `${Math.round(stats.fallbackRate * 1000) / 10}%`),
  );
  renderWeekly(weekly);
  drawChart($('chart'), dayRange(stats.since, d), stats.conversationsPerDay, stats.escalationsPerDay || []);
  const list = clear($('top-intents'));
  const max = Math.max(1, ...stats.topIntents.map((t) => t.count));
  for (const t of stats.topIntents) {
    const meter = h('meter', { min: 0, max, value: t.count, title: String(t.count) });
    list.append(h('li', {}, h('span', { class: 'bar-label', title: t.intent }, t.label || t.intent), meter, h('span', { class: 'bar-count' }, String(t.count))));
  }
  if (stats.topIntents.length === 0) list.append(h('li', { class: 'muted' }, 'No answered questions in this period.'));
}

function pct(x) {
  return `${Math.round(x * 1000) / 10}%`;
}

function renderWeekly(w) {
  const weeks = w.weeks;
  const labelOf = (id) => (w.conditionLabels && w.conditionLabels[id]) || id.replace(/_/g, ' ');
  const conditions = [...new Set(weeks.flatMap((x) => Object.keys(x.byCondition)))].sort();
  const table = h('table', { class: 'weekly' },
    h('thead', {}, h('tr', {}, h('th', {}, 'Week of'), h('th', {}, 'Conversations'), h('th', {}, 'Urgent'), h('th', {}, 'Emergency'),
      conditions.map((c) => h('th', { class: 'cond' }, labelOf(c))), h('th', {}, 'Not answered'))),
    h('tbody', {}, weeks.slice().reverse().map((x, i, all) => {
      const prev = all[i + 1];
      const trend = prev && prev.patientMessages ? (x.unansweredShare > prev.unansweredShare ? ' ↑' : x.unansweredShare < prev.unansweredShare ? ' ↓' : ' →') : '';
      return h('tr', {},
        h('td', {}, x.week), h('td', {}, String(x.conversations)), h('td', {}, String(x.escalations.urgent)), h('td', {}, String(x.escalations.emergency)),
        conditions.map((c) => h('td', {}, String(x.byCondition[c] || 0))),
        h('td', { title: `${x.unanswered} of ${x.patientMessages} patient messages` }, x.patientMessages ? `${pct(x.unansweredShare)}${trend}` : '–'));
    })));
  clear($('weekly')).append(table);
  const top = clear($('top-unanswered'));
  for (const t of w.topUnanswered) top.append(h('li', {}, h('span', { class: 'bar-label' }, `“${t.text}”`), h('span', { class: 'bar-count' }, `× ${t.count}`)));
  if (w.topUnanswered.length === 0) top.append(h('li', { class: 'muted' }, 'Nothing unanswered in these weeks.'));
  const fb = clear($('feedback-per-intent'));
  for (const f of w.feedback) fb.append(h('li', {}, h('span', { class: 'bar-label' }, f.label), h('span', { class: 'bar-count' }, `👍 ${f.up} · 👎 ${f.down}`)));
  if (w.feedback.length === 0) fb.append(h('li', { class: 'muted' }, 'No patient feedback yet.'));
  $('review-time').textContent = w.medianMinutesToReview === null
    ? `No escalation has been marked reviewed yet (${w.unreviewedEscalations} waiting).`
    : `Median time from an escalation to its review: ${formatMinutes(w.medianMinutesToReview)} (${w.reviewedEscalations} reviewed, ${w.unreviewedEscalations} not yet).`;
}

function formatMinutes(m) {
  if (m < 90) return `${Math.round(m)} min`;
  if (m < 48 * 60) return `${Math.round(m / 6) / 10} h`;
  return `${Math.round(m / 144) / 10} days`;
}

// ---- needs teaching -----------------------------------------------------------------

const REASON_LABEL = { fallback: 'not understood', clarified: 'asked “did you mean”', low_confidence: 'unsure answer', thumbs_down: 'patient: not helpful' };

for (const chip of document.querySelectorAll('[data-inbox-days]')) {
  chip.addEventListener('click', () => {
    location.hash = `#/inbox?days=${chip.dataset.inboxDays}`;
  });
}

function inboxGroup(g) {
  const newest = g.messages[0];
  return h('li', { class: 'inbox-group card', dataset: { count: g.count } },
    h('div', { class: 'inbox-head' },
      h('span', { class: 'inbox-count', title: `${g.count} similar message${g.count === 1 ? '' : 's'}` }, `× ${g.count}`),
      h('a', { class: 'inbox-text', href: `#/c/${encodeURIComponent(newest.key)}?seq=${newest.seq}`, title: 'Open the newest one to teach it' }, `“${g.text}”`),
      h('span', { class: 'muted small', title: formatDateTime(g.newestAt) }, relative(g.newestAt))),
    h('div', { class: 'inbox-reasons' }, Object.entries(g.reasons).map(([r, n]) => h('span', { class: `reason reason-${r}` }, `${REASON_LABEL[r] || r}${n > 1 ? ` × ${n}` : ''}`))),
    g.messages.length > 1
      ? h('details', { class: 'inbox-more' }, h('summary', { class: 'small' }, `All ${g.messages.length}`),
        h('ul', {}, g.messages.map((m) => h('li', {}, h('a', { href: `#/c/${encodeURIComponent(m.key)}?seq=${m.seq}` }, `“${m.text}”`), h('span', { class: 'muted small' }, ` · ${relative(m.at)}`)))))
      : null);
}

async function openInbox(days) {
  showView('inbox');
  const d = [7, 30, 90].includes(days) ? days : 30;
  for (const chip of document.querySelectorAll('[data-inbox-days]')) chip.classList.toggle('active', Number(chip.dataset.inboxDays) === d);
  show($('export-result'), false);
  const list = clear($('inbox-list'));
  show($('inbox-empty'), false);
  const data = await api(`inbox?days=${d}`);
  for (const g of data.groups) list.append(inboxGroup(g));
  show($('inbox-empty'), data.groups.length === 0);
  // Counts loads, so a script (or test) can tell a fresh list from the last one.
  list.dataset.loads = String(Number(list.dataset.loads || 0) + 1);
}

$('export-labels').addEventListener('click', async () => {
  try {
    const { files } = await api('labels/export');
    const out = clear($('export-result'));
    out.append(h('p', { class: 'muted small' }, files.length
      ? 'What npm run nlu:export-labels writes (for code review; the running bot is not retrained):'
      : 'No labels yet.'));
    for (const f of files) out.append(h('h3', { class: 'file' }, f.path), h('pre', { class: 'file-content' }, f.content));
    show(out, true);
  } catch (err) {
    if (err.status !== 401) flash(err.message, 'error');
  }
});

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
