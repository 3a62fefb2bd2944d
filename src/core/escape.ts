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
 * Control and direction characters in untrusted text are shown, not obeyed. A right-to-left
 * override turns `invoice\u202Efdp.exe` into what reads as "invoiceexe.pdf", and NUL, BEL or an
 * escape sequence have no business in a message; each becomes a visible stand-in, so a reader
 * sees that the text was tampered with. Tab and newline stay; a carriage return is dropped
 * (Windows line ends are not an attack).
 */
export function visibleControl(char: string): string | null {
  const cp = char.codePointAt(0)!;
  if (cp === 0x09 || cp === 0x0a) return null;
  if (cp === 0x0d) return '';
  if (cp < 0x20) return String.fromCodePoint(0x2400 + cp); // ␀ … ␟ control pictures
  if (cp === 0x7f) return '\u2421'; // ␡
  if ((cp >= 0x80 && cp <= 0x9f) || BIDI_AND_SEPARATORS.has(cp)) {
    return `[U+${cp.toString(16).toUpperCase().padStart(4, '0')}]`;
  }
  return null;
}

// Embeddings, overrides, isolates and marks, and the line and paragraph separators that some
// clients render as line breaks.
const BIDI_AND_SEPARATORS = new Set([
  0x061c, 0x200e, 0x200f, 0x2028, 0x2029, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069,
]);

/**
 * `text` made inert for mrkdwn; at most `maxLength` UTF-16 units long (ending in "…" when cut),
 * never cutting inside an entity or a surrogate pair. The work stops at the cut, so a megabyte
 * of description costs no more than the part that is shown.
 */
export function escapeMrkdwn(text: string, maxLength = Number.POSITIVE_INFINITY): string {
  const out = new BoundedText(maxLength);
  let atLineStart = true;
  let before: string | undefined;
  for (let i = 0; i < text.length; ) {
    const char = codePointAt(text, i);
    i += char.length;
    const after = i < text.length ? codePointAt(text, i) : undefined;
    const quoteMarker = char === '>' || char === '\uFF1E';
    const escaped =
      visibleControl(char) ??
      (FORMATTING_MARKERS.has(char) && insideWord(before, after) ? char : (MRKDWN_REPLACEMENTS[char] ?? char));
    if (!out.push(atLineStart && quoteMarker ? SOFT_HYPHEN + escaped : escaped)) break;
    // Leading blanks may not stop Slack from reading a block quote, so they keep the line "at its start".
    atLineStart = char === '\n' || (atLineStart && (char === ' ' || char === '\t'));
    before = char;
  }
  return out.text();
}

/**
 * Slack only reads a formatting marker at a word edge, so one between two letters or digits
 * (`prod_db_admin`, `a*b`) is kept as typed: responders copy host and user names out of alerts
 * into searches, and a lookalike character there would silently match nothing.
 */
const FORMATTING_MARKERS = new Set(['*', '_', '~', '`']);
const WORD_CHAR = /[\p{L}\p{N}]/u;

function insideWord(before: string | undefined, after: string | undefined): boolean {
  return before !== undefined && after !== undefined && WORD_CHAR.test(before) && WORD_CHAR.test(after);
}

export function escapeHtml(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; ) {
    const char = codePointAt(text, i);
    i += char.length;
    out += HTML_REPLACEMENTS[char] ?? visibleControl(char) ?? char;
  }
  return out;
}

/**
 * `text` cut to `maxLength` UTF-16 units with "…", without splitting a surrogate pair (for
 * plain_text fields), with control and direction characters made visible.
 */
export function truncateText(text: string, maxLength: number): string {
  const out = new BoundedText(maxLength);
  for (let i = 0; i < text.length; ) {
    const char = codePointAt(text, i);
    i += char.length;
    if (!out.push(visibleControl(char) ?? char)) break;
  }
  return out.text();
}

/** The whole code point at `i` (one or two UTF-16 units). */
function codePointAt(text: string, i: number): string {
  const cp = text.codePointAt(i)!;
  return cp > 0xffff ? text.slice(i, i + 2) : text[i]!;
}

/** Collects pieces until they pass `max`; then the longest prefix that leaves room for "…". */
class BoundedText {
  private out = '';
  private fits = 0;
  private over = false;

  constructor(private readonly max: number) {}

  /** false once the text is too long: nothing pushed later can be shown. */
  push(piece: string): boolean {
    if (this.out.length + piece.length <= this.max - ELLIPSIS.length) this.fits = this.out.length + piece.length;
    this.out += piece;
    this.over = this.out.length > this.max;
    return !this.over;
  }

  text(): string {
    if (!this.over) return this.out;
    return this.max < ELLIPSIS.length ? '' : this.out.slice(0, this.fits) + ELLIPSIS;
  }
}
