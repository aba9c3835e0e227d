// The stats chart: conversations per day as bars, urgent and emergency escalations as
// stacked bars in front, drawn as inline SVG (no chart library, nothing external).

const NS = 'http://www.w3.org/2000/svg';

function s(tag, attrs = {}, text) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}

/** Every UTC day from `since` to today, so quiet days show as gaps, not as missing. */
export function dayRange(sinceIso, days) {
  const out = [];
  const end = new Date();
  const d = new Date(sinceIso);
  d.setUTCHours(0, 0, 0, 0);
  while (d <= end && out.length < days + 1) {
    out.push(d.toISOString().slice(0, 10));
    d.setUTCDate(d.getUTCDate() + 1);
  }
  return out;
}

/** A round axis maximum that splits into whole-number ticks. */
function niceMax(v) {
  if (v <= 4) return 4;
  if (v <= 8) return 8;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

/**
 * @param {{date:string,count:number}[]} conversations
 * @param {{date:string,urgent:number,emergency:number}[]} escalations
 */
export function drawChart(container, days, conversations, escalations) {
  const conv = new Map(conversations.map((d) => [d.date, d.count]));
  const esc = new Map(escalations.map((d) => [d.date, d]));
  const W = 760;
  const H = 260;
  const pad = { l: 36, r: 10, t: 12, b: 34 };
  const max = niceMax(Math.max(1, ...days.map((d) => conv.get(d) || 0)));
  const innerW = W - pad.l - pad.r;
  const innerH = H - pad.t - pad.b;
  const step = innerW / Math.max(1, days.length);
  const barW = Math.max(2, Math.min(34, step * 0.7));
  const y = (v) => pad.t + innerH - (v / max) * innerH;

  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', class: 'chart-svg', 'aria-label': 'Conversations and escalations per day' });
  const ticks = max % 4 === 0 ? 4 : 5;
  for (let i = 0; i <= ticks; i++) {
    const v = (max / ticks) * i;
    svg.append(s('line', { x1: pad.l, x2: W - pad.r, y1: y(v), y2: y(v), class: 'grid' }));
    svg.append(s('text', { x: pad.l - 6, y: y(v) + 4, class: 'axis', 'text-anchor': 'end' }, String(v)));
  }
  const labelEvery = Math.ceil(days.length / 10);
  days.forEach((date, i) => {
    const cx = pad.l + step * i + step / 2;
    const x = cx - barW / 2;
    const c = conv.get(date) || 0;
    const e = esc.get(date) || { urgent: 0, emergency: 0 };
    const g = s('g', { class: 'day' });
    g.append(s('title', {}, `${date}: ${c} conversation${c === 1 ? '' : 's'}, ${e.urgent} urgent, ${e.emergency} emergency`));
    if (c > 0) g.append(s('rect', { x, y: y(c), width: barW, height: y(0) - y(c), rx: 2, class: 'bar bar-conv' }));
    const inner = barW * 0.5;
    const ix = cx - inner / 2;
    if (e.urgent > 0) g.append(s('rect', { x: ix, y: y(e.urgent), width: inner, height: y(0) - y(e.urgent), class: 'bar bar-urgent' }));
    if (e.emergency > 0) {
      const top = e.urgent + e.emergency;
      g.append(s('rect', { x: ix, y: y(top), width: inner, height: y(e.urgent) - y(top), class: 'bar bar-emergency' }));
    }
    if (i % labelEvery === 0 || i === days.length - 1) {
      g.append(s('text', { x: cx, y: H - pad.b + 16, class: 'axis', 'text-anchor': 'middle' }, date.slice(5)));
    }
    svg.append(g);
  });
  svg.append(s('line', { x1: pad.l, x2: W - pad.r, y1: y(0), y2: y(0), class: 'baseline' }));
  container.replaceChildren(svg);
}
