/*
 * calfbot website widget: paste into any page of the clinic's site
 *
 *   <script src="https://your-bot.example/widget.js" async
 *           data-title="Questions about calf pain?" data-position="right"
 *           data-color="#0b6e4f" data-name="Riverside Physiotherapy" data-open="false"></script>
 *
 * Adds a launcher button that opens the chat (the bot's /chat page in an iframe, so the
 * clinic's page needs no other change). Nothing else loads before the first click: the
 * chat page and Web Chat's bundle are fetched when the launcher is first used. On small
 * screens (under 480px wide) the open chat fills the screen and the launcher hides;
 * the launcher's label is short there ("Chat with us") so it stays on one line. Styles are set through the DOM (no <style> or
 * style attributes), so it also works on sites with a strict Content-Security-Policy;
 * such a site must allow the bot's origin in script-src and frame-src.
 */
/* global URL */
(function () {
  'use strict';
  if (window.__calfbotWidget) return;
  window.__calfbotWidget = true;

  var script = document.currentScript;
  if (!script) {
    var all = document.querySelectorAll('script[src$="/widget.js"]');
    script = all[all.length - 1];
  }
  if (!script) return;
  var origin = new URL(script.src, location.href).origin;
  var data = script.dataset || {};
  var title = (data.title || 'Questions about calf pain? Chat with us').slice(0, 80);
  var shortTitle = (data.shortTitle || 'Chat with us').slice(0, 30);
  var heading = data.name ? (data.name + ' assistant').slice(0, 80) : 'Clinic assistant';
  var side = data.position === 'left' ? 'left' : 'right';
  var color = /^#[0-9a-fA-F]{3,8}$/.test(data.color || '') ? data.color : '#0b6e4f';

  function el(tag, props, style) {
    var node = document.createElement(tag);
    Object.keys(props || {}).forEach(function (k) {
      if (k === 'text') node.textContent = props[k];
      else node.setAttribute(k, props[k]);
    });
    Object.assign(node.style, style || {});
    return node;
  }

  var font = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
  var launcher = el('button', { id: 'calfbot-launcher', type: 'button', 'aria-expanded': 'false', 'aria-controls': 'calfbot-panel', text: title }, {
    position: 'fixed', bottom: '20px', zIndex: '2147483000', padding: '12px 18px', border: '0', borderRadius: '999px',
    background: color, color: '#fff', font: '600 15px/1.2 ' + font, cursor: 'pointer', boxShadow: '0 4px 14px rgba(0,0,0,.25)',
    whiteSpace: 'nowrap', maxWidth: 'calc(100vw - 40px)', overflow: 'hidden', textOverflow: 'ellipsis',
  });
  launcher.style[side] = '20px';

  var panel = el('section', { id: 'calfbot-panel', role: 'dialog', 'aria-label': 'Clinic chat' }, {
    position: 'fixed', bottom: '84px', zIndex: '2147483000', width: 'min(400px, calc(100vw - 24px))', height: 'min(640px, calc(100vh - 110px))',
    display: 'none', flexDirection: 'column', background: '#fff', borderRadius: '14px', overflow: 'hidden', boxShadow: '0 10px 40px rgba(0,0,0,.3)',
  });
  panel.style[side] = '12px';

  var header = el('div', {}, { display: 'flex', alignItems: 'center', justifyContent: 'space-between', padding: '10px 14px', background: color, color: '#fff', font: '600 15px/1.3 ' + font });
  header.appendChild(el('span', { text: heading }));
  var close = el('button', { id: 'calfbot-close', type: 'button', 'aria-label': 'Close the chat', text: '✕' }, { background: 'transparent', border: '0', color: '#fff', font: '600 18px/1 ' + font, cursor: 'pointer', minWidth: '32px', minHeight: '32px' });
  header.appendChild(close);
  panel.appendChild(header);

  // Small screens: the open chat fills the screen, the launcher hides and has a short label.
  var small = window.matchMedia ? window.matchMedia('(max-width: 479px)') : { matches: false };
  function layout() {
    var isOpen = panel.style.display !== 'none';
    launcher.textContent = small.matches ? shortTitle : title;
    if (small.matches) {
      Object.assign(panel.style, { top: '0', bottom: '0', left: '0', right: '0', width: '100%', height: '100%', borderRadius: '0' });
      launcher.style.display = isOpen ? 'none' : '';
    } else {
      Object.assign(panel.style, { top: '', bottom: '84px', left: '', right: '', width: 'min(400px, calc(100vw - 24px))', height: 'min(640px, calc(100vh - 110px))', borderRadius: '14px' });
      panel.style[side] = '12px';
      launcher.style.display = '';
    }
  }
  if (small.addEventListener) small.addEventListener('change', layout);

  var frame;
  function open() {
    if (!frame) {
      frame = el('iframe', { id: 'calfbot-frame', title: 'Clinic chat', src: origin + '/chat', allow: 'clipboard-write' }, { flex: '1', width: '100%', border: '0' });
      panel.appendChild(frame);
    }
    panel.style.display = 'flex';
    launcher.setAttribute('aria-expanded', 'true');
    layout();
    frame.focus();
  }
  function hide() {
    panel.style.display = 'none';
    launcher.setAttribute('aria-expanded', 'false');
    layout();
    launcher.focus();
  }
  launcher.addEventListener('click', function () {
    if (panel.style.display === 'none') open();
    else hide();
  });
  close.addEventListener('click', hide);
  document.addEventListener('keydown', function (e) {
    if (e.key === 'Escape' && panel.style.display !== 'none') hide();
  });
  // Escape pressed inside the chat (the iframe) arrives as a message from the bot's origin.
  window.addEventListener('message', function (e) {
    if (frame && e.source === frame.contentWindow && e.origin === origin && e.data && e.data.type === 'calfbot:close') hide();
  });

  function mount() {
    layout();
    document.body.appendChild(panel);
    document.body.appendChild(launcher);
    if (data.open === 'true') open();
  }
  if (document.body) mount();
  else document.addEventListener('DOMContentLoaded', mount);
})();
