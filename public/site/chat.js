/*
 * The chat page (/chat): Bot Framework Web Chat, served from this bot (content-hashed
 * /vendor/webchat.<hash>.js). The page carries its settings in <body data-config> (the
 * same as GET /api/webchat/config), so the chat token is asked for while the bundle is
 * still loading; the welcome text in the page shows until the bot's first reply arrives.
 *  - self-hosted: a token from /v3/directline/tokens/generate, Direct Line on this origin (polling);
 *  - azure: a token from /api/directline/token (the secret stays on the server), Azure's Direct Line.
 * Replies whose channelData.urgency is "urgent" or "emergency" get a coloured frame and a
 * badge, are announced (role="alert") and take the keyboard focus when they arrive.
 * Escape asks the embedding widget to close (postMessage to the parent page).
 */
/* global MutationObserver, setTimeout */
(function () {
  'use strict';
  var status = document.getElementById('chat-status');
  var preview = document.getElementById('chat-welcome');

  function showStatus(text, isError) {
    status.textContent = text;
    status.hidden = false;
    status.className = isError ? 'chat-status chat-status--error' : 'chat-status';
  }

  function getJson(url, init) {
    return fetch(url, init).then(function (res) {
      if (!res.ok) throw new Error(url + ' answered ' + res.status);
      return res.json();
    });
  }

  function pageConfig() {
    try {
      var raw = document.body.getAttribute('data-config');
      if (raw) return Promise.resolve(JSON.parse(raw));
    } catch {
      // fall through to the API
    }
    return getJson('/api/webchat/config');
  }

  var LABELS = { urgent: 'Urgent', emergency: 'Emergency' };

  function urgencyOf(activity) {
    var data = activity && activity.channelData;
    var level = data && data.urgency;
    return activity && activity.from && activity.from.role === 'bot' && LABELS[level] ? level : null;
  }

  // Web Chat bundles its own React and does not expose it. A React element is a plain
  // object; we build the wrapper from the one Web Chat rendered, so its $$typeof marker matches.
  function element(like, type, props, children) {
    return { $$typeof: like.$$typeof, type: type, key: props.key || null, ref: null, props: Object.assign({}, props, { key: undefined, children: children }), _owner: null, _store: {} };
  }

  function withUrgency(rendered, level, id) {
    if (!rendered || typeof rendered !== 'object' || !rendered.$$typeof) return rendered;
    var badge = element(rendered, 'span', { key: 'badge', className: 'cb-badge cb-badge--' + level }, LABELS[level]);
    return element(rendered, 'div', {
      key: 'urgency', className: 'cb-urgency cb-urgency--' + level, 'data-urgency': level, 'data-activity-id': id || '',
      role: 'alert', tabIndex: -1,
    }, [badge, element(rendered, 'div', { key: 'body', className: 'cb-urgency__body' }, rendered)]);
  }

  function activityMiddleware() {
    return function (next) {
      return function () {
        var card = arguments[0];
        var render = next.apply(null, arguments);
        var activity = card && card.activity;
        var level = urgencyOf(activity);
        if (!render || !level) return render;
        return function () {
          return withUrgency(render.apply(null, arguments), level, activity.id);
        };
      };
    };
  }

  // An escalation that arrives takes the focus once (screen readers also announce it: role="alert").
  var focused = {};
  function focusNewEscalations() {
    var cards = document.querySelectorAll('.cb-urgency');
    for (var i = 0; i < cards.length; i++) {
      var key = cards[i].getAttribute('data-activity-id') || String(i);
      if (!focused[key]) {
        focused[key] = true;
        if (i === cards.length - 1) cards[i].focus();
      }
    }
  }
  new MutationObserver(focusNewEscalations).observe(document.getElementById('webchat'), { childList: true, subtree: true });

  // A card reply also carries its content as plain text for channels without cards;
  // Web Chat would show both, so the text is dropped when an Adaptive Card is attached.
  function isCardReply(activity) {
    return activity && activity.type === 'message' && activity.from && activity.from.role === 'bot' && activity.text &&
      (activity.attachments || []).some(function (a) { return a.contentType === 'application/vnd.microsoft.card.adaptive'; });
  }

  function storeMiddleware() {
    return function (next) {
      return function (action) {
        if (action.type === 'DIRECT_LINE/INCOMING_ACTIVITY') {
          var incoming = action.payload.activity;
          // The bot's first reply replaces the welcome text shown while loading.
          if (incoming && incoming.from && incoming.from.role === 'bot' && preview && !preview.hidden) {
            preview.hidden = true;
            status.hidden = true;
            document.body.setAttribute('data-chat-ready', 'true');
          }
          if (isCardReply(incoming)) {
            var activity = Object.assign({}, incoming, { text: undefined });
            action = Object.assign({}, action, { payload: Object.assign({}, action.payload, { activity: activity }) });
          }
        }
        return next(action);
      };
    };
  }

  function styleOptions(clinic) {
    var accent = (clinic && clinic.color) || '#0b6e4f';
    return {
      accent: accent,
      bubbleBorderRadius: 10,
      bubbleFromUserBorderRadius: 10,
      bubbleFromUserBackground: '#e6f4ee',
      botAvatarInitials: 'PT',
      hideUploadButton: true,
      suggestedActionLayout: 'flow',
      suggestedActionBorderRadius: 16,
      suggestedActionTextColor: accent,
      suggestedActionBorderColor: accent,
      subtle: '#505050',
      timestampColor: '#505050',
      rootHeight: '100%',
    };
  }

  function sendBox() {
    return document.querySelector('.webchat__send-box-text-box__input');
  }

  // Keyboard: the send box has the focus when the chat opens; Escape closes the widget.
  function focusSendBox() {
    var box = sendBox();
    var active = document.activeElement;
    if (box && (!active || active === document.body)) box.focus();
  }
  window.addEventListener('focus', focusSendBox);
  document.addEventListener('keydown', function (e) {
    if (e.key === 'Escape' && window.parent !== window) window.parent.postMessage({ type: 'calfbot:close' }, '*');
  });

  function bundleLoaded() {
    if (window.WebChat) return Promise.resolve(window.WebChat);
    return new Promise(function (resolve, reject) {
      var script = document.getElementById('webchat-bundle');
      script.addEventListener('load', function () { resolve(window.WebChat); });
      script.addEventListener('error', reject);
    });
  }

  function failed() {
    showStatus('The chat is not available right now. Please call the clinic. If your leg is swollen, red, warm or very painful, or you are short of breath, seek medical care now.', true);
  }

  function start() {
    var connecting = pageConfig().then(function (config) {
      return getJson(config.tokenUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }).then(function (token) {
        return { config: config, token: token };
      });
    });
    Promise.all([connecting, bundleLoaded()])
      .then(function (both) {
        var got = both[0];
        var WebChat = both[1];
        if (!WebChat) throw new Error('Web Chat did not load');
        var config = got.config;
        var domain = config.mode === 'self-hosted' ? location.origin + config.domain : config.domain;
        var directLine = WebChat.createDirectLine({ domain: domain, token: got.token.token, webSocket: !!config.webSocket });
        WebChat.renderWebChat(
          {
            directLine: directLine,
            store: WebChat.createStore({}, storeMiddleware),
            styleOptions: styleOptions(config.clinic),
            activityMiddleware: activityMiddleware,
            locale: 'en-GB',
            overrideLocalizedStrings: { TEXT_INPUT_PLACEHOLDER: 'Ask about your calf…' },
          },
          document.getElementById('webchat'),
        );
        var tries = 0;
        (function focusWhenReady() {
          if (sendBox()) {
            if (document.hasFocus()) focusSendBox();
            document.body.setAttribute('data-webchat-ready', 'true');
          } else if (tries++ < 100) setTimeout(focusWhenReady, 50);
        })();
      })
      .catch(failed);
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
