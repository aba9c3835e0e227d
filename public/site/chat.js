/*
 * The chat page (/chat): Bot Framework Web Chat, served from this bot (/vendor/webchat.js).
 * Connects with the mode from /api/webchat/config:
 *  - self-hosted: a token from /v3/directline/tokens/generate, Direct Line on this origin (polling);
 *  - azure: a token from /api/directline/token (the secret stays on the server), Azure's Direct Line.
 * Replies whose channelData.urgency is "urgent" or "emergency" get a coloured frame and a badge.
 */
(function () {
  'use strict';
  var status = document.getElementById('chat-status');

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

  function withUrgency(rendered, level) {
    if (!rendered || typeof rendered !== 'object' || !rendered.$$typeof) return rendered;
    var badge = element(rendered, 'span', { key: 'badge', className: 'cb-badge cb-badge--' + level }, LABELS[level]);
    return element(rendered, 'div', { key: 'urgency', className: 'cb-urgency cb-urgency--' + level, 'data-urgency': level, role: 'group', 'aria-label': LABELS[level] + ' advice' }, [badge, element(rendered, 'div', { key: 'body', className: 'cb-urgency__body' }, rendered)]);
  }

  function activityMiddleware() {
    return function (next) {
      return function () {
        var card = arguments[0];
        var render = next.apply(null, arguments);
        var level = urgencyOf(card && card.activity);
        if (!render || !level) return render;
        return function () {
          return withUrgency(render.apply(null, arguments), level);
        };
      };
    };
  }

  // A card reply also carries its content as plain text for channels without cards;
  // Web Chat would show both, so the text is dropped when an Adaptive Card is attached.
  function isCardReply(activity) {
    return activity && activity.type === 'message' && activity.from && activity.from.role === 'bot' && activity.text &&
      (activity.attachments || []).some(function (a) { return a.contentType === 'application/vnd.microsoft.card.adaptive'; });
  }

  function storeMiddleware() {
    return function (next) {
      return function (action) {
        if (action.type === 'DIRECT_LINE/INCOMING_ACTIVITY' && isCardReply(action.payload.activity)) {
          var activity = Object.assign({}, action.payload.activity, { text: undefined });
          action = Object.assign({}, action, { payload: Object.assign({}, action.payload, { activity: activity }) });
        }
        return next(action);
      };
    };
  }

  var styleOptions = {
    accent: '#0b6e4f',
    bubbleBorderRadius: 10,
    bubbleFromUserBorderRadius: 10,
    bubbleFromUserBackground: '#e6f4ee',
    botAvatarInitials: 'PT',
    hideUploadButton: true,
    suggestedActionLayout: 'flow',
    suggestedActionBorderRadius: 16,
    rootHeight: '100%',
  };

  function start() {
    var WebChat = window.WebChat;
    if (!WebChat) {
      showStatus('The chat could not load. Please call the clinic. In an emergency call your local emergency number.', true);
      return;
    }
    getJson('/api/webchat/config')
      .then(function (config) {
        return getJson(config.tokenUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }).then(function (token) {
          return { config: config, token: token };
        });
      })
      .then(function (got) {
        var config = got.config;
        var domain = config.mode === 'self-hosted' ? location.origin + config.domain : config.domain;
        var directLine = WebChat.createDirectLine({ domain: domain, token: got.token.token, webSocket: !!config.webSocket });
        WebChat.renderWebChat(
          {
            directLine: directLine,
            store: WebChat.createStore({}, storeMiddleware),
            styleOptions: styleOptions,
            activityMiddleware: activityMiddleware,
            locale: 'en-GB',
            overrideLocalizedStrings: { TEXT_INPUT_PLACEHOLDER: 'Ask about your calf…' },
          },
          document.getElementById('webchat'),
        );
        status.hidden = true;
        document.body.setAttribute('data-chat-ready', 'true');
      })
      .catch(function () {
        showStatus('The chat is not available right now. Please call the clinic. If your leg is swollen, red, warm or very painful, or you are short of breath, seek medical care now.', true);
      });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
