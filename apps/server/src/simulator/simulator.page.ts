/** The demo's Messenger stand-in: plain HTML, one external script (the CSP allows no inline code). */
export const SIMULATOR_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Messenger simulator (demo)</title>
<style>
  body { font: 16px/1.4 system-ui, sans-serif; margin: 0; background: #f0f2f5; }
  header { background: #0866ff; color: #fff; padding: 12px 16px; }
  header small { display: block; opacity: .85; }
  main { max-width: 560px; margin: 0 auto; padding: 12px; }
  #thread { background: #fff; border-radius: 12px; padding: 12px; min-height: 320px; }
  .bubble { max-width: 80%; margin: 6px 0; padding: 8px 12px; border-radius: 18px; white-space: pre-wrap; word-wrap: break-word; }
  .me { background: #0866ff; color: #fff; margin-left: auto; }
  .page { background: #e4e6eb; }
  .button { display: block; margin-top: 8px; padding: 8px; border-radius: 8px; background: #fff; color: #0866ff; text-align: center; text-decoration: none; font-weight: 600; }
  .quick { display: inline-block; margin: 4px 4px 0 0; padding: 4px 10px; border: 1px solid #0866ff; border-radius: 14px; background: #fff; color: #0866ff; cursor: pointer; }
  form { display: flex; gap: 8px; margin-top: 12px; }
  input { flex: 1; padding: 10px; border-radius: 18px; border: 1px solid #ccd0d5; font: inherit; }
  button[type=submit] { padding: 10px 16px; border-radius: 18px; border: 0; background: #0866ff; color: #fff; font: inherit; }
  .note { color: #65676b; font-size: 13px; }
</style>
</head>
<body>
<header><strong>Messenger simulator</strong><small>Demo mode: you are a Messenger user writing to the bank's Page.</small></header>
<main>
  <p class="note">Your messages are signed with the app secret and posted to the real webhook. Try "I lost my card" or "my card number is 4111 1111 1111 1111".</p>
  <div id="thread" aria-live="polite"></div>
  <form id="composer">
    <label for="text" class="note" hidden>Message</label>
    <input id="text" name="text" autocomplete="off" maxlength="2000" placeholder="Aa" required>
    <button type="submit">Send</button>
  </form>
  <p class="note">Messenger user id (PSID): <code id="psid"></code></p>
</main>
<script src="/simulator/app.js"></script>
</body>
</html>
`;

export const SIMULATOR_SCRIPT = `'use strict';
(function () {
  var psid = sessionStorage.getItem('sim-psid');
  if (!psid) { psid = String(Math.floor(1e15 + Math.random() * 8e15)); sessionStorage.setItem('sim-psid', psid); }
  document.getElementById('psid').textContent = psid;
  var thread = document.getElementById('thread');
  var last = 0;
  function bubble(cls, text) {
    var div = document.createElement('div');
    div.className = 'bubble ' + cls;
    div.textContent = text;
    thread.appendChild(div);
    return div;
  }
  function send(body) {
    return fetch('/simulator/messages', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  }
  document.getElementById('composer').addEventListener('submit', function (event) {
    event.preventDefault();
    var input = document.getElementById('text');
    var text = input.value.trim();
    if (!text) return;
    bubble('me', text);
    input.value = '';
    send({ psid: psid, text: text });
  });
  function poll() {
    fetch('/simulator/replies?psid=' + psid + '&after=' + last).then(function (r) { return r.json(); }).then(function (replies) {
      replies.forEach(function (reply) {
        last = Math.max(last, reply.seq);
        var div = bubble('page', reply.text || '');
        reply.buttons.forEach(function (b) {
          var a = document.createElement('a');
          a.className = 'button'; a.href = b.url; a.target = '_blank'; a.rel = 'noreferrer noopener'; a.textContent = b.title;
          div.appendChild(a);
        });
        reply.quickReplies.forEach(function (title) {
          var q = document.createElement('button');
          q.className = 'quick'; q.type = 'button'; q.textContent = title;
          q.addEventListener('click', function () { bubble('me', title); send({ psid: psid, text: title }); });
          div.appendChild(q);
        });
      });
    }).catch(function () {}).then(function () { setTimeout(poll, 1000); });
  }
  poll();
})();
`;
