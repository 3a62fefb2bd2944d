// The phone's Duo Push cards in the Duo panel: each push names its alert (from the push's own
// lines), with Approve, Deny and Report fraud as Duo Mobile offers them. Its own state fetch and
// WebSocket, so the rest of the page needs no change to show it.
import { post, toast } from './app.js';

const list = () => document.getElementById('duo-pushes');
const clock = (ms) => new Date(ms).toLocaleTimeString();

function node(tag, className, text) {
  const n = document.createElement(tag);
  if (className) n.className = className;
  if (text !== undefined) n.textContent = text;
  return n;
}

function button(label, className, onClick) {
  const b = node('button', className, label);
  b.type = 'button';
  b.addEventListener('click', onClick);
  return b;
}

const WORDS = { allow: 'approved', fraud: 'reported as fraud', deny: 'denied', timeout: 'timed out' };

function render(snapshot) {
  const root = list();
  if (!root || !snapshot?.enabled) return;
  const cards = snapshot.pushes.map((push) => {
    const card = node('div', `card duo-push ${push.result}`);
    card.dataset.txid = push.txid;
    card.append(node('div', 'title', `Duo Push for ${push.username}: ${push.type}`));
    for (const [key, value] of Object.entries(push.info)) card.append(node('div', 'row', `${key}: ${value}`));
    card.append(node('div', 'row small', `${push.device} · ${clock(push.at)}`));
    if (push.result !== 'waiting') {
      card.append(node('div', 'row', WORDS[push.status] ?? push.status));
      return card;
    }
    let code = null;
    if (push.needsCode) {
      code = node('input', 'push-code');
      code.placeholder = 'code from the Slack DM';
      code.maxLength = 8;
      card.append(code);
    }
    const answer = (what) => async () => {
      try {
        const done = await post('/api/duo/push', { txid: push.txid, answer: what, code: code?.value ?? undefined });
        toast(`Duo Push ${WORDS[done.status] ?? done.status}; the bot will update your DM.`);
      } catch (err) {
        toast(err.message);
      }
    };
    const actions = node('div', 'actions');
    actions.append(
      button('Approve', 'sk-button sk-primary', answer('approve')),
      button('Deny', 'sk-button sk-danger', answer('deny')),
      button('Report fraud', 'sk-button', answer('fraud')),
    );
    card.append(actions);
    return card;
  });
  root.replaceChildren(...cards);
}

async function start() {
  const res = await fetch('/api/state');
  if (res.ok) render((await res.json()).push);
  const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
  ws.addEventListener('message', (e) => {
    const event = JSON.parse(e.data);
    if (event.type === 'duo-push') render(event.data);
  });
  ws.addEventListener('close', () => setTimeout(start, 1000));
}

void start();
