/*
 * "Was this helpful? 👍 👎" under each answer in the chat page (/chat). Loaded before
 * chat.js; as soon as the Web Chat bundle has loaded (it is fetched late, for a fast
 * first paint), it wraps WebChat.createStore and WebChat.renderWebChat so chat.js
 * needs no change. Only bot messages whose channelData names an intent and
 * that are not an escalation get the buttons. A click posts an event activity
 * { type: 'event', name: 'feedback', value: { rating: 'up'|'down', replyToId }, replyToId }
 * that the bot stores in the transcript; staff see a 👎 in the "needs teaching" inbox.
 */
(function () {
  'use strict';
  if (window.WebChat) install(window.WebChat);
  else {
    var bundle = document.getElementById('webchat-bundle');
    if (bundle) bundle.addEventListener('load', function () { if (window.WebChat) install(window.WebChat); });
  }

  function install(WebChat) {
    if (!WebChat.renderWebChat || !WebChat.createStore) return;

    var link = document.createElement('link');
    link.rel = 'stylesheet';
    link.href = '/site/feedback.css';
    document.head.appendChild(link);

    var store = null;
    var rated = {};

    function eligible(activity) {
      var data = activity && activity.channelData;
      return !!(activity && activity.type === 'message' && activity.id && activity.from && activity.from.role === 'bot' &&
        data && typeof data.intent === 'string' && data.intent && (!data.urgency || data.urgency === 'none'));
    }

    function send(activity, rating, ev) {
      if (!store || rated[activity.id]) return;
      rated[activity.id] = rating;
      store.dispatch({
        type: 'DIRECT_LINE/POST_ACTIVITY',
        meta: { method: 'code' },
        payload: { activity: { type: 'event', name: 'feedback', value: { rating: rating, replyToId: activity.id }, replyToId: activity.id } },
      });
      // React owns these nodes: only an attribute is set (the CSS then shows the thanks);
      // the next render draws the thanks itself.
      var box = ev && ev.currentTarget && ev.currentTarget.parentNode;
      if (box && box.setAttribute) box.setAttribute('data-rated', rating);
    }

    // Same trick as chat.js: Web Chat bundles its own React, so elements are built from
    // one it rendered, with the same $$typeof marker.
    function element(like, type, props, children) {
      return { $$typeof: like.$$typeof, type: type, key: props.key || null, ref: null, props: Object.assign({}, props, { key: undefined, children: children }), _owner: null, _store: {} };
    }

    function thumbs(like, activity) {
      if (rated[activity.id]) return element(like, 'div', { key: 'fb', className: 'cb-feedback cb-feedback--done', 'data-rated': rated[activity.id] }, 'Thanks for your feedback.');
      var button = function (rating, label, symbol) {
        return element(like, 'button', {
          key: rating, type: 'button', className: 'cb-feedback__btn', 'data-rating': rating, 'aria-label': label, title: label,
          onClick: function (ev) { send(activity, rating, ev); },
        }, symbol);
      };
      return element(like, 'div', { key: 'fb', className: 'cb-feedback', role: 'group', 'aria-label': 'Was this helpful?' }, [
        element(like, 'span', { key: 'q', className: 'cb-feedback__q' }, 'Was this helpful?'),
        button('up', 'Yes, this helped', '👍'),
        button('down', 'No, this did not answer my question', '👎'),
      ]);
    }

    function feedbackMiddleware() {
      return function (next) {
        return function () {
          var card = arguments[0];
          var render = next.apply(null, arguments);
          var activity = card && card.activity;
          if (!render || !eligible(activity)) return render;
          return function () {
            var rendered = render.apply(null, arguments);
            if (!rendered || typeof rendered !== 'object' || !rendered.$$typeof) return rendered;
            return element(rendered, 'div', { key: 'fbwrap', className: 'cb-feedback-wrap' }, [element(rendered, 'div', { key: 'body' }, rendered), thumbs(rendered, activity)]);
          };
        };
      };
    }

    var createStore = WebChat.createStore;
    WebChat.createStore = function () {
      store = createStore.apply(this, arguments);
      return store;
    };

    var render = WebChat.renderWebChat;
    WebChat.renderWebChat = function (options, el) {
      var theirs = options.activityMiddleware;
      var opts = Object.assign({}, options, {
        // Ours wraps theirs (the urgency frame), so the buttons sit under the message.
        activityMiddleware: theirs ? function () {
          var mine = feedbackMiddleware();
          var t = theirs.apply(null, arguments);
          return function (next) { return mine(t(next)); };
        } : feedbackMiddleware,
      });
      if (!opts.store) opts.store = WebChat.createStore({});
      return render.call(this, opts, el);
    };
  }
})();
