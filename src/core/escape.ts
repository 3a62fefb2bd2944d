/**
 * Making untrusted alert text (titles, descriptions, reasons from detectors and the REST API)
 * inert before it is put into Slack mrkdwn or HTML.
 *
 * Slack documents only `&`, `<`, `>` as needing escapes; escaping them removes every control
 * sequence (`<@U…>`, `<!channel>`, `<http://x|y>`, `<!date…>`). Slack has no escape for the
 * formatting characters `*` `_` `~` `` ` ``, so we swap them for lookalikes it does not parse:
 *
 * - Not a zero-width space: Slack treats U+200B as a word boundary, so inserting one next to a
 *   marker can *create* formatting (jsx-slack's "exact mode" relies on exactly that).
 * - Not the fullwidth forms (＊ ＿ ～ ｀): Slack accepts some of them as markers for CJK
 *   input, so fullwidth characters already in the text are swapped as well.
 *
 * A `>` (as `&gt;`) or `＞` at the start of a line still starts a block quote, which could make
 * injected text look like a quoted system message, so such lines get an invisible soft hyphen
 * in front. Callers should still send text objects with `verbatim: true` so Slack does not
 * auto-link bare URLs or channel names, and never set `link_names`.
 */

const MRKDWN_REPLACEMENTS: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '*': '\u2217', // ∗ asterisk operator
  '\uFF0A': '\uFE61', // ＊ → ﹡ small asterisk
  _: '\u02CD', // ˍ modifier letter low macron
  '\uFF3F': '\u02CD',
  '~': '\u223C', // ∼ tilde operator
  '\uFF5E': '\u223C',
  '`': '\u02CB', // ˋ modifier letter grave accent
  '\uFF40': '\u02CB',
};

const SOFT_HYPHEN = '\u00AD';
const ELLIPSIS = '…';

const HTML_REPLACEMENTS: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * `text` made inert for mrkdwn; at most `maxLength` UTF-16 units long (ending in "…" when cut),
 * never cutting inside an entity or a surrogate pair.
 */
export function escapeMrkdwn(text: string, maxLength = Number.POSITIVE_INFINITY): string {
  const chars = Array.from(text);
  const pieces: string[] = [];
  let atLineStart = true;
  chars.forEach((char, i) => {
    const quoteMarker = char === '>' || char === '\uFF1E';
    const escaped = FORMATTING_MARKERS.has(char) && insideWord(chars, i) ? char : (MRKDWN_REPLACEMENTS[char] ?? char);
    pieces.push(atLineStart && quoteMarker ? SOFT_HYPHEN + escaped : escaped);
    // Leading blanks may not stop Slack from reading a block quote, so they keep the line "at its start".
    atLineStart = char === '\n' || (atLineStart && (char === ' ' || char === '\t'));
  });
  return joinWithin(pieces, maxLength);
}

/**
 * Slack only reads a formatting marker at a word edge, so one between two letters or digits
 * (`prod_db_admin`, `a*b`) is kept as typed: responders copy host and user names out of alerts
 * into searches, and a lookalike character there would silently match nothing.
 */
const FORMATTING_MARKERS = new Set(['*', '_', '~', '`']);
const WORD_CHAR = /[\p{L}\p{N}]/u;

function insideWord(chars: string[], i: number): boolean {
  const before = chars[i - 1];
  const after = chars[i + 1];
  return before !== undefined && after !== undefined && WORD_CHAR.test(before) && WORD_CHAR.test(after);
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => HTML_REPLACEMENTS[char]);
}

/** `text` cut to `maxLength` UTF-16 units with "…", without splitting a surrogate pair (for plain_text fields). */
export function truncateText(text: string, maxLength: number): string {
  return joinWithin(Array.from(text), maxLength);
}

function joinWithin(pieces: readonly string[], maxLength: number): string {
  const total = pieces.reduce((sum, piece) => sum + piece.length, 0);
  if (total <= maxLength) return pieces.join('');
  if (maxLength < ELLIPSIS.length) return '';
  let kept = '';
  for (const piece of pieces) {
    if (kept.length + piece.length > maxLength - ELLIPSIS.length) break;
    kept += piece;
  }
  return kept + ELLIPSIS;
}
