/** Issue 12 §5: control and bidi characters in untrusted text are shown, never obeyed. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { escapeHtml, escapeMrkdwn, truncateText } from '../../src/core/escape.js';

// Everything that reorders or hides text, or that a terminal or client might act on.
function invisible(text: string): string[] {
  return Array.from(text).filter((c) => {
    const cp = c.codePointAt(0)!;
    if (cp === 0x09 || cp === 0x0a) return false;
    return (
      cp < 0x20 ||
      (cp >= 0x7f && cp <= 0x9f) ||
      [0x061c, 0x200e, 0x200f].includes(cp) ||
      (cp >= 0x2028 && cp <= 0x202e) ||
      (cp >= 0x2066 && cp <= 0x2069)
    );
  });
}

describe('control and bidi characters', () => {
  it('a right-to-left override cannot disguise a file name', () => {
    for (const out of [escapeMrkdwn('invoice\u202Efdp.exe'), truncateText('invoice\u202Efdp.exe', 100)]) {
      assert.equal(out, 'invoice[U+202E]fdp.exe');
    }
  });

  it('NUL, BEL and ESC become visible control pictures', () => {
    assert.equal(escapeMrkdwn('a\u0000b\u0007c\u001B[31m'), 'a\u2400b\u2407c\u241B[31m');
    assert.equal(escapeMrkdwn('del\u007F'), 'del\u2421');
  });

  it('every override, embedding, isolate, mark and separator is made visible everywhere', () => {
    const all = [
      0x061c, 0x200e, 0x200f, 0x2028, 0x2029, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069,
      0x85, 0x9b, 0x01, 0x1f,
    ]
      .map((cp) => String.fromCodePoint(cp))
      .join('x');
    for (const out of [escapeMrkdwn(all), truncateText(all, 10_000), escapeHtml(all)]) {
      assert.deepEqual(invisible(out), [], JSON.stringify(out));
    }
    assert.match(escapeMrkdwn('\u2066x\u2069'), /\[U\+2066\]x\[U\+2069\]/);
  });

  it('tabs and newlines stay, Windows line ends become plain ones', () => {
    assert.equal(escapeMrkdwn('a\tb\r\nc'), 'a\tb\nc');
    assert.equal(truncateText('a\tb\r\nc', 100), 'a\tb\nc');
  });

  it('ordinary text, emoji and joined emoji are untouched', () => {
    const text = 'Ünïcødé مرحبا 日本 👨‍👩‍👧 ok';
    assert.equal(escapeMrkdwn(text), text);
    assert.equal(truncateText(text, 100), text);
  });

  it('a made-visible character counts against the length limit and is never cut in half', () => {
    const out = truncateText(`abc\u202Edef`, 8);
    assert.equal(out, 'abc…');
    assert.ok(escapeMrkdwn('\u202E'.repeat(1000), 50).length <= 50);
  });
});
