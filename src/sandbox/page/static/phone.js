// The on-call phone panel: who is on call, the texts and calls the bot sent, a keypad on a live
// call and a box to text the bot back. Keys and texts go through the Twilio simulator, which
// posts the signed webhooks to the bot exactly as Twilio does. Everything is shown as text.

const $ = (id) => document.getElementById(id);
let api = null;

/** Statuses of a call someone can still press keys on. */
const LIVE = ['queued', 'ringing', 'in-progress'];
const KEYS = [
  ['1', 'acknowledge'],
  ['2', 'escalate to the seniors'],
  ['9', 'repeat'],
];

function node(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}

const clock = (at) => new Date(at).toLocaleTimeString();

function numberLabel(number, world) {
  const known = world.policy.phones?.[number];
  if (known) return known.name === number ? `${number} (${known.role})` : `${number} (${known.name}, ${known.role})`;
  if (world.policy.oncall.primary.includes(number)) return `${number} (on-call)`;
  if (world.policy.oncall.seniors.includes(number)) return `${number} (senior)`;
  return number;
}

/** A call reads its message twice (so a half-heard call is still understood): show each text once. */
function sayings(lines) {
  const out = [];
  for (const line of lines) {
    const last = out.at(-1);
    // A keypad call's second reading is prefixed "Again." (see gather-twiml.ts): still a repeat.
    if (last && (last.line === line || `Again. ${last.line}` === line)) last.times++;
    else out.push({ line, times: 1 });
  }
  return out.map(
    ({ line, times }) => `“${line}”${times > 1 ? ` (said ${times === 2 ? 'twice' : `${times} times`})` : ''}`,
  );
}

const names = (people) => people.map((p) => (p.kind === 'primary' ? p.phone : p.name)).join(', ');

function renderOnCall(world) {
  const oncall = world.oncall ?? { now: [], until: null, next: [] };
  const line = $('oncall-now');
  if (!oncall.now.length) return line.replaceChildren(node('span', 'muted', 'Nobody is on call (no rotation).'));
  const parts = [node('strong', 'oncall-name', names(oncall.now))];
  if (oncall.now[0].kind === 'override') parts.push(' (override)');
  if (oncall.until !== null) parts.push(` until ${clock(oncall.until)}`);
  if (oncall.next.length) parts.push(` · next: ${names(oncall.next)}`);
  line.replaceChildren('On call now: ', ...parts);
}

/** The reply box texts from a chosen number; until someone picks one, the on-call person's. */
function renderReplyFrom(world) {
  const select = $('phone-reply').elements.from;
  const numbers = Object.keys(world.policy.phones ?? {});
  const onCall = (world.oncall?.now ?? []).map((p) => p.phone).find(Boolean);
  const wanted = select.dataset.chosen === 'true' ? select.value : (onCall ?? numbers[0] ?? '');
  select.replaceChildren(
    ...numbers.map((number) => Object.assign(node('option', '', numberLabel(number, world)), { value: number })),
  );
  if (numbers.includes(wanted)) select.value = wanted;
}

function keypad(call) {
  const pad = node('div', 'actions keypad');
  for (const [key, meaning] of KEYS) {
    const b = node('button', 'small key', key);
    b.type = 'button';
    b.title = `press ${key}: ${meaning}`;
    b.setAttribute('aria-label', `press ${key} (${meaning})`);
    b.addEventListener('click', () => void api.act('/api/phone/keys', { sid: call.sid, keys: key }));
    pad.append(b);
  }
  return pad;
}

function callCard(call, world) {
  const card = node('div', 'card phone-call');
  card.dataset.sid = call.sid;
  card.append(node('div', 'title', `📞 Call to ${numberLabel(call.to, world)}`));
  card.append(node('div', 'row', `${clock(call.at)} · ${call.status}`));
  for (const said of sayings(call.spoken)) card.append(node('div', 'phone-text spoken', said));
  for (const press of call.pressed ?? []) {
    const heard = press.heard.length ? sayings(press.heard).join(' ') : `(the bot answered ${press.httpStatus ?? '—'})`;
    card.append(node('div', 'phone-text phone-pressed', `⌨ pressed ${press.keys} → ${heard}`));
  }
  if (LIVE.includes(call.status)) card.append(keypad(call));
  return card;
}

function textCard(item, world) {
  if (item.kind === 'sms') {
    const card = node('div', 'card phone-sms');
    card.dataset.sid = item.sid;
    card.append(node('div', 'title', `💬 SMS to ${numberLabel(item.to, world)}`));
    card.append(node('div', 'row', `${clock(item.at)} · ${item.status}`));
    card.append(node('div', 'phone-text', item.body));
    return card;
  }
  const inbound = item.direction === 'inbound';
  const card = node('div', `card ${inbound ? 'phone-inbound' : 'phone-reply'}`);
  card.dataset.sid = item.sid;
  const head = inbound
    ? `💬 SMS from ${numberLabel(item.from, world)} to the bot`
    : `💬 Reply to ${numberLabel(item.to, world)}`;
  card.append(node('div', 'title', head));
  card.append(node('div', 'row', clock(item.at)));
  card.append(node('div', 'phone-text', item.body));
  return card;
}

export function renderPhone(world) {
  renderOnCall(world);
  renderReplyFrom(world);
  const items = [
    ...world.phone.sms.map((sms) => ({ ...sms, kind: 'sms' })),
    ...(world.phone.texts ?? []).map((text) => ({ ...text, kind: 'text' })),
    ...world.phone.calls.map((call) => ({ ...call, kind: 'call' })),
  ].sort((a, b) => b.at - a.at);
  const list = $('phone-items');
  if (!items.length) return list.replaceChildren(node('div', 'empty', 'No texts or calls yet.'));
  list.replaceChildren(...items.map((item) => (item.kind === 'call' ? callCard(item, world) : textCard(item, world))));
}

export function initPhone(deps) {
  api = deps;
  const form = $('phone-reply');
  form.elements.from.addEventListener('change', (e) => {
    e.target.dataset.chosen = 'true';
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const sent = await api.act('/api/phone/text', { from: form.elements.from.value, body: form.elements.body.value });
    if (sent) form.elements.body.value = '';
  });
}
