// Slack mrkdwn → safe HTML. Message text is never trusted: everything is HTML-escaped first, and
// only the markup this file writes itself (<b>, <i>, <code>, <a>, mention spans) reaches the page.

const HTML_ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

// Slack sends literal &, < and > in text as &amp; &lt; &gt; (raw < > only delimit links and mentions).
function decodeSlackEntities(text) {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

// The shortcodes the bot uses; anything else stays as typed.
const EMOJI = {
  wave: '👋',
  white_check_mark: '✅',
  warning: '⚠️',
  x: '❌',
  iphone: '📱',
  zzz: '💤',
  rotating_light: '🚨',
  telephone_receiver: '📞',
  briefcase: '💼',
  bell: '🔔',
  lock: '🔒',
  mag: '🔍',
  red_circle: '🔴',
  large_green_circle: '🟢',
  large_yellow_circle: '🟡',
  heavy_check_mark: '✔️',
  no_entry: '⛔',
  fire: '🔥',
  clock1: '🕐',
  hourglass: '⌛',
  hourglass_flowing_sand: '⏳',
  chart_with_upwards_trend: '📈',
  chart_with_downwards_trend: '📉',
  shield: '🛡️',
  link: '🔗',
  arrow_up: '⬆️',
  arrow_down: '⬇️',
  information_source: 'ℹ️',
};

const SAFE_URL = /^(https?:|mailto:)/i;

// Placeholders use control characters that cannot appear in escaped text and carry no formatting.
const OPEN = '\u0001';
const CLOSE = '\u0002';

/**
 * @param {string} text mrkdwn as Slack stores it
 * @param {{userName: (id: string) => string, channelName: (id: string) => string}} names
 */
export function mrkdwnToHtml(text, names) {
  const pieces = [];
  const hold = (html) => `${OPEN}${pieces.push(html) - 1}${CLOSE}`;

  // 1. Control sequences <…> become placeholders before anything else is touched.
  // Text cannot smuggle in placeholders of its own.
  let out = String(text ?? '')
    .replaceAll(OPEN, '')
    .replaceAll(CLOSE, '');
  out = out.replace(/<([^<>\n]+)>/g, (_whole, inner) => hold(controlSequence(inner, names)));
  // 2. Everything else is text: decode Slack's entities, then escape for HTML.
  out = escapeHtml(decodeSlackEntities(out));
  // 3. Code spans keep their content literally, so they are held before emphasis is applied.
  out = out.replace(/```([\s\S]+?)```/g, (_w, code) => hold(`<pre>${code}</pre>`));
  out = out.replace(/`([^`\n]+)`/g, (_w, code) => hold(`<code>${code}</code>`));
  // 4. Emphasis only at word boundaries, so snake_case and a*b stay as typed.
  out = out.replace(/(^|[^\w*])\*(?!\s)([^*\n]+?)\*(?!\w)/g, '$1<b>$2</b>');
  out = out.replace(/(^|[^\w])_(?!\s)([^_\n]+?)_(?!\w)/g, '$1<i>$2</i>');
  out = out.replace(/(^|[^\w~])~(?!\s)([^~\n]+?)~(?!\w)/g, '$1<s>$2</s>');
  out = out.replace(/^&gt; ?(.*)$/gm, '<blockquote>$1</blockquote>');
  out = out.replace(/:([a-z0-9_+-]+):/g, (whole, name) => EMOJI[name] ?? whole);
  out = out.replace(/\n/g, '<br>');
  // 5. Held pieces go back in (twice: a code span may hold a link placeholder).
  const restore = (s) => s.replace(new RegExp(`${OPEN}(\\d+)${CLOSE}`, 'g'), (_w, i) => pieces[Number(i)]);
  return restore(restore(out));
}

function controlSequence(inner, names) {
  const [target, ...labelParts] = inner.split('|');
  const label = labelParts.length ? decodeSlackEntities(labelParts.join('|')) : null;
  if (target.startsWith('@')) {
    const name = label ?? names.userName(target.slice(1));
    return `<span class="mention">@${escapeHtml(name)}</span>`;
  }
  if (target.startsWith('#')) {
    const name = label ?? names.channelName(target.slice(1));
    return `<span class="mention">#${escapeHtml(name)}</span>`;
  }
  if (target.startsWith('!date^')) {
    // <!date^seconds^format|fallback>: shown in the reader's own time zone, as Slack does.
    const seconds = Number(target.split('^')[1]);
    const shown = Number.isFinite(seconds) ? new Date(seconds * 1000).toLocaleString() : (label ?? '');
    return `<time>${escapeHtml(shown)}</time>`;
  }
  if (target.startsWith('!')) {
    const special = target.slice(1).split('^')[0];
    return `<span class="mention">@${escapeHtml(label ?? special)}</span>`;
  }
  const url = decodeSlackEntities(target);
  if (!SAFE_URL.test(url)) return escapeHtml(label ?? url);
  return `<a href="${escapeHtml(url)}" target="_blank" rel="noopener noreferrer">${escapeHtml(label ?? url)}</a>`;
}

/** plain_text objects: escaped, nothing else. */
export function plainToHtml(text) {
  return escapeHtml(text ?? '').replace(/\n/g, '<br>');
}

/** A Block Kit text object (mrkdwn or plain_text) as safe HTML. */
export function textObjectToHtml(obj, names) {
  if (!obj) return '';
  return obj.type === 'mrkdwn' ? mrkdwnToHtml(obj.text, names) : plainToHtml(obj.text);
}
