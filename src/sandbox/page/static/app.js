// The sandbox page: a small Slack (who you are, the DM with the bot, three channels) beside the
// outside world's panels. State comes from /api/state, then live over the /ws WebSocket.
import { renderMessageBody } from './blocks.js';
import { initPanels, renderDuo, renderHive, renderNanitor } from './panels.js';
import { initPhone, renderPhone } from './phone.js';

const $ = (id) => document.getElementById(id);
// Who you are survives a reload (this browser only).
const USER_KEY = 'secops-sandbox-user';
const state = {
  world: null,
  user: localStorage.getItem(USER_KEY) ?? 'U0ALICE',
  conv: 'dm',
  threadTs: null,
  unread: new Map(),
};
const messages = new Map(); // `${channel} ${ts}` → message
let ephemerals = [];
// Events that arrive while a snapshot is loading are applied after it (applying twice is harmless).
let queued = null;

export async function post(path, body) {
  const res = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(data.error ?? `HTTP ${res.status}`);
  return data;
}

/** A panel's action: a refusal is shown as a toast, and the caller gets null. */
export async function act(path, body) {
  try {
    return await post(path, body);
  } catch (err) {
    toast(err.message);
    return null;
  }
}

export function toast(text) {
  const node = $('toast');
  const container = $('messages');
  const atBottom = container.scrollHeight - container.scrollTop - container.clientHeight < 40;
  node.textContent = text;
  node.hidden = false;
  // The toast takes room from the messages: keep the newest one in view.
  if (atBottom) container.scrollTop = container.scrollHeight;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => (node.hidden = true), 5000);
}

const person = (id) => state.world.slack.people.find((p) => p.id === id);
const convChannel = (conv = state.conv) => (conv === 'dm' ? person(state.user).dm : conv);
const names = {
  userName: (id) => {
    const user = state.world.slack.users.find((u) => u.id === id);
    return user ? (user.isBot ? user.name : user.realName) : id;
  },
  channelName: (id) => state.world.slack.channels.find((c) => c.id === id)?.name ?? id,
};

function authorOf(message) {
  const { bot } = state.world.slack;
  if (message.bot_id === bot.botId || message.user === bot.userId) return { name: bot.name, bot: true };
  if (message.bot_id) return { name: message.username ?? 'integration', bot: true };
  return { name: names.userName(message.user), bot: false };
}

function formatTime(ts) {
  return new Date(Number(ts.split('.')[0]) * 1000).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

function renderMessage(message, { ephemeral = false } = {}) {
  const node = document.createElement('div');
  node.className = `message${ephemeral ? ' ephemeral' : ''}`;
  node.dataset.ts = message.ts;
  node.dataset.channel = message.channel;
  const author = ephemeral ? { name: state.world.slack.bot.name, bot: true } : authorOf(message);
  const avatar = document.createElement('div');
  avatar.className = `avatar${author.bot ? ' bot' : ''}`;
  avatar.textContent = author.name.slice(0, 1).toUpperCase();
  const main = document.createElement('div');
  const meta = document.createElement('div');
  meta.className = 'meta';
  const name = document.createElement('span');
  name.className = 'author';
  name.textContent = author.name;
  meta.append(name);
  if (author.bot) meta.append(Object.assign(document.createElement('span'), { className: 'tag', textContent: 'APP' }));
  meta.append(formatTime(message.ts));
  if (message.edits > 0)
    meta.append(Object.assign(document.createElement('span'), { className: 'edited', textContent: '(edited)' }));
  main.append(meta);
  if (ephemeral)
    main.append(
      Object.assign(document.createElement('div'), {
        className: 'ephemeral-label',
        textContent: 'Only visible to you',
      }),
    );
  main.append(
    renderMessageBody(message.blocks, message.text, {
      names,
      onButton: (button, opts) => clickButton(message, button, opts),
      onLink: openLink,
    }),
  );
  node.append(avatar, main);
  return node;
}

function renderConversation() {
  const channel = convChannel();
  const title =
    state.conv === 'dm' ? `secops-bot (DM as ${person(state.user).realName})` : `#${names.channelName(channel)}`;
  $('conversation-title').textContent = title;
  $('composer-input').placeholder =
    state.conv === 'dm'
      ? 'Message secops-bot'
      : `Message #${names.channelName(channel)} — slash commands or @secops-bot`;
  const inConv = [...messages.values()].filter((m) => m.channel === channel);
  const mine = ephemerals.filter((e) => e.channel === channel && e.user === state.user);
  const items = [...inConv.map((m) => ({ m, eph: false })), ...mine.map((m) => ({ m, eph: true }))].sort((a, b) =>
    compareTs(a.m.ts, b.m.ts),
  );
  const container = $('messages');
  const atBottom = container.scrollHeight - container.scrollTop - container.clientHeight < 40;
  container.replaceChildren();
  const threads = new Map();
  for (const { m, eph } of items) {
    const isReply = m.thread_ts && m.thread_ts !== m.ts;
    const node = renderMessage(m, { ephemeral: eph });
    if (isReply && threads.has(m.thread_ts)) {
      threads.get(m.thread_ts).append(node);
      continue;
    }
    container.append(node);
    if (!eph) {
      const thread = document.createElement('div');
      thread.className = 'thread';
      thread.dataset.threadTs = m.ts;
      node.lastChild.append(thread);
      threads.set(m.ts, thread);
      if (state.conv === 'dm') {
        const reply = Object.assign(document.createElement('button'), {
          type: 'button',
          className: 'reply-link',
          textContent: 'Reply in thread',
        });
        reply.addEventListener('click', () => setThread(m.ts));
        node.lastChild.append(reply);
      }
    }
  }
  for (const thread of threads.values()) if (!thread.childElementCount) thread.remove();
  if (atBottom || items.length < 8) container.scrollTop = container.scrollHeight;
}

function compareTs(a, b) {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

function renderSidebar() {
  const dmList = $('dm-list');
  const dm = Object.assign(document.createElement('li'), { textContent: 'secops-bot' });
  dm.dataset.conv = 'dm';
  const channels = state.world.slack.channels.map((c) => {
    const li = Object.assign(document.createElement('li'), { textContent: `# ${c.name}` });
    li.dataset.conv = c.id;
    return li;
  });
  dmList.replaceChildren(dm);
  $('channel-list').replaceChildren(...channels);
  for (const li of [dm, ...channels]) {
    const unread = state.unread.get(convChannel(li.dataset.conv)) ?? 0;
    if (li.dataset.conv === state.conv) li.classList.add('active');
    else if (unread)
      li.append(Object.assign(document.createElement('span'), { className: 'unread', textContent: String(unread) }));
    li.addEventListener('click', () => switchConv(li.dataset.conv));
  }
}

function switchConv(conv) {
  state.conv = conv;
  state.threadTs = null;
  $('thread-banner').hidden = true;
  state.unread.delete(convChannel());
  renderSidebar();
  renderConversation();
  $('composer-input').focus();
}

function setThread(ts) {
  state.threadTs = ts;
  $('thread-banner').hidden = !ts;
  $('composer-input').focus();
}

async function clickButton(message, button, opts = {}) {
  try {
    await post('/api/click', {
      user: state.user,
      channel: message.channel,
      ts: message.ts,
      actionId: button.action_id,
      value: button.value,
    });
  } catch (err) {
    if (!opts.quiet) toast(`Slack refused the click: ${err.message}`);
  }
}

/** Links to Duo or to the bot go through the sandbox server (Duo's certificate is self-signed). */
async function openLink(url) {
  const { duoHost, botUrl } = state.world.links;
  let target;
  try {
    target = new URL(url);
  } catch {
    return toast(`not a URL: ${url}`);
  }
  if (target.host !== duoHost && !url.startsWith(botUrl)) {
    window.open(url, '_blank', 'noopener');
    return;
  }
  try {
    const result = await post('/api/open-link', { url });
    if (result.kind === 'duo') {
      toast('Duo is asking you to approve the login: see the Duo panel.');
      $('duo-panel').classList.remove('flash');
      void $('duo-panel').offsetWidth;
      $('duo-panel').classList.add('flash');
    } else window.open(result.url, '_blank', 'noopener');
  } catch (err) {
    toast(`could not open the link: ${err.message}`);
  }
}

/** What Slack clients do to typed text: &, < and > are sent as entities, so raw < > only ever mean links. */
function slackEncode(text) {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

async function send(typed) {
  const channel = convChannel();
  const text = slackEncode(typed);
  if (text.startsWith('/')) return post('/api/slash', { user: state.user, channel, text });
  if (state.conv === 'dm') return post('/api/dm', { user: state.user, text, threadTs: state.threadTs ?? undefined });
  const { bot } = state.world.slack;
  if (/@secops-bot\b/i.test(text)) {
    return post('/api/mention', {
      user: state.user,
      channel,
      text: text.replace(/@secops-bot\b/gi, `<@${bot.userId}>`),
    });
  }
  toast('The bot only listens to slash commands and @secops-bot mentions in channels.');
}

function applyEvent(event) {
  if (event.type === 'slack') {
    const item = event.item;
    if (event.kind === 'ephemeral') {
      if (!ephemerals.some((e) => e.ts === item.ts)) ephemerals.push(item);
    } else if (event.kind === 'delete') messages.delete(`${item.channel} ${item.ts}`);
    else messages.set(`${item.channel} ${item.ts}`, item);
    const visible = event.kind !== 'ephemeral' || item.user === state.user;
    if (visible && item.channel !== convChannel() && event.kind === 'message') {
      state.unread.set(item.channel, (state.unread.get(item.channel) ?? 0) + 1);
      renderSidebar();
    }
    if (item.channel === convChannel()) renderConversation();
    return;
  }
  state.world[event.type] = event.data;
  if (event.type === 'hive' || event.type === 'sla') renderHive(state.world);
  if (event.type === 'phone' || event.type === 'oncall') renderPhone(state.world);
  if (event.type === 'duo') renderDuo(state.world);
  if (event.type === 'nanitor') renderNanitor(state.world, { keepInputs: true });
}

async function load() {
  const res = await fetch('/api/state');
  state.world = await res.json();
  if (!state.world.slack.people.some((p) => p.id === state.user)) state.user = state.world.slack.people[0].id;
  messages.clear();
  for (const m of state.world.slack.messages) messages.set(`${m.channel} ${m.ts}`, m);
  ephemerals = state.world.slack.ephemerals;
  $('team-name').textContent = state.world.slack.team;
  const select = $('user-select');
  select.replaceChildren(
    ...state.world.slack.people.map((p) => {
      const option = Object.assign(document.createElement('option'), {
        value: p.id,
        textContent: `${p.realName}${p.responder ? ' (responder)' : ''}`,
      });
      option.selected = p.id === state.user;
      return option;
    }),
  );
  renderSidebar();
  renderConversation();
  renderHive(state.world);
  renderPhone(state.world);
  renderDuo(state.world);
  renderNanitor(state.world);
}

function connect() {
  const socket = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
  socket.addEventListener('open', async () => {
    queued = [];
    await load();
    for (const event of queued) applyEvent(event);
    queued = null;
    $('connection').textContent = 'live';
    $('connection').classList.add('live');
    document.body.dataset.ready = 'true';
  });
  socket.addEventListener('message', (frame) => {
    const event = JSON.parse(frame.data);
    if (queued) queued.push(event);
    else if (state.world) applyEvent(event);
  });
  socket.addEventListener('close', () => {
    $('connection').textContent = 'reconnecting…';
    $('connection').classList.remove('live');
    setTimeout(connect, 1000);
  });
}

$('toast').addEventListener('click', () => {
  $('toast').hidden = true;
});
$('user-select').addEventListener('change', (e) => {
  state.user = e.target.value;
  localStorage.setItem(USER_KEY, state.user);
  state.unread.clear();
  switchConv(state.conv);
});
$('composer').addEventListener('submit', async (e) => {
  e.preventDefault();
  const input = $('composer-input');
  const text = input.value.trim();
  if (!text) return;
  input.value = '';
  try {
    await send(text);
  } catch (err) {
    toast(err.message);
  }
});
$('thread-cancel').addEventListener('click', () => setThread(null));
$('messages').addEventListener('click', (e) => {
  const anchor = e.target.closest('a[href]');
  if (!anchor) return;
  e.preventDefault();
  void openLink(anchor.getAttribute('href'));
});
initPanels({ post, act, toast, getWorld: () => state.world });
initPhone({ post, act, toast });
connect();
