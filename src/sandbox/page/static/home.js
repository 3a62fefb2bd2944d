// The bot's Home tab on the sandbox page: a "Home" entry in the sidebar opens it as the person
// selected at the top (Slack sends app_home_opened), shows the view the bot published for them,
// live, and sends its button clicks as Slack does from a Home (block_actions from the view).
import { renderMessageBody } from './blocks.js';

const $ = (id) => document.getElementById(id);
const home = { active: false, names: null, views: new Map() };

async function post(path, body) {
  const res = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(data.error ?? `HTTP ${res.status}`);
  return data;
}

function say(text) {
  const node = $('toast');
  node.textContent = text;
  node.hidden = false;
  setTimeout(() => (node.hidden = true), 5000);
}

const user = () => $('user-select').value || 'U0ALICE';

async function loadNames() {
  const world = await (await fetch('/api/state')).json();
  home.names = {
    userName: (id) => {
      const u = world.slack.users.find((x) => x.id === id);
      return u ? (u.isBot ? u.name : u.realName) : id;
    },
    channelName: (id) => world.slack.channels.find((c) => c.id === id)?.name ?? id,
  };
}

function render() {
  const container = $('home-view');
  if (!home.active) return;
  const who = user();
  const view = home.views.get(who);
  const realName = $('user-select').selectedOptions[0]?.textContent ?? who;
  $('conversation-title').textContent = `secops-bot — Home (as ${realName})`;
  if (!view) {
    container.replaceChildren(
      Object.assign(document.createElement('div'), { className: 'home-empty', textContent: 'Opening Home…' }),
    );
    return;
  }
  const body = renderMessageBody(view.view.blocks, '', {
    names: home.names,
    onButton: (button) => click(who, button),
    onLink: (url) => window.open(url, '_blank', 'noopener'),
  });
  const meta = Object.assign(document.createElement('div'), {
    className: 'home-meta',
    textContent: `Published ${view.publishes} time${view.publishes === 1 ? '' : 's'}, last at ${new Date(view.publishedAt).toLocaleTimeString()} · ${view.view.blocks.length} blocks`,
  });
  container.replaceChildren(meta, body);
}

async function click(who, button) {
  try {
    await post('/api/home/click', { user: who, actionId: button.action_id, value: button.value ?? '' });
  } catch (err) {
    say(err.message);
  }
}

async function open() {
  home.active = true;
  document.querySelector('.conversation').classList.add('showing-home');
  $('home-entry').classList.add('active');
  for (const li of document.querySelectorAll('#dm-list li, #channel-list li')) li.classList.remove('active');
  if (!home.names) await loadNames();
  const who = user();
  const { home: current } = await post('/api/home/view', { user: who });
  if (current) home.views.set(who, current);
  render();
  try {
    await post('/api/home/open', { user: who });
  } catch (err) {
    say(err.message);
  }
}

function close() {
  home.active = false;
  document.querySelector('.conversation').classList.remove('showing-home');
  $('home-entry').classList.remove('active');
}

function listen() {
  const socket = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
  socket.addEventListener('message', (frame) => {
    const event = JSON.parse(frame.data);
    if (event.type !== 'home') return;
    home.views.set(event.item.userId, event.item);
    if (event.item.userId === user()) render();
  });
  socket.addEventListener('close', () => setTimeout(listen, 1000));
}

function install() {
  const link = Object.assign(document.createElement('link'), { rel: 'stylesheet', href: '/home.css' });
  document.head.append(link);
  const section = Object.assign(document.createElement('div'), { className: 'sidebar-section', textContent: 'Apps' });
  const list = Object.assign(document.createElement('ul'), { id: 'home-list' });
  const entry = Object.assign(document.createElement('li'), { id: 'home-entry', textContent: '🏠 secops-bot Home' });
  entry.addEventListener('click', () => void open());
  list.append(entry);
  const title = $('team-name');
  title.after(section, list);
  const view = Object.assign(document.createElement('div'), { id: 'home-view', className: 'home-view' });
  $('messages').after(view);
  // Choosing a conversation leaves Home; choosing another person shows theirs.
  for (const id of ['dm-list', 'channel-list']) $(id).addEventListener('click', close, true);
  $('user-select').addEventListener('change', () => {
    if (home.active) void open();
  });
  listen();
}

install();
