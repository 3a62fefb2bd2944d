import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { escapeHtml, escapeMrkdwn, truncateText } from '../../src/core/escape.js';

/** Characters that would still mean something to Slack's mrkdwn parser. */
const LIVE_MRKDWN = /[<>*_~`＊＿～｀]/;

describe('escapeMrkdwn: control sequences', () => {
  it('kills user, channel and broadcast mentions', () => {
    const out = escapeMrkdwn('hey <@U123ABC> and <!channel> and <!subteam^S1|@team> in <#C1|general>');
    assert.equal(out, 'hey &lt;@U123ABC&gt; and &lt;!channel&gt; and &lt;!subteam^S1|@team&gt; in &lt;#C1|general&gt;');
    assert.doesNotMatch(out, LIVE_MRKDWN);
  });

  it('kills disguised links', () => {
    assert.equal(
      escapeMrkdwn('<http://evil.example|Reset your password>'),
      '&lt;http://evil.example|Reset your password&gt;',
    );
  });

  it('kills date tokens', () => {
    assert.doesNotMatch(escapeMrkdwn('<!date^1392734382^{date}|fallback>'), /</);
  });

  it('escapes & first, so entities already in the text stay literal (no double-unescape)', () => {
    assert.equal(escapeMrkdwn('&lt;@U1&gt;'), '&amp;lt;@U1&amp;gt;');
    assert.equal(escapeMrkdwn('a & b'), 'a &amp; b');
    assert.equal(escapeMrkdwn('&amp;'), '&amp;amp;');
  });
});

describe('escapeMrkdwn: formatting', () => {
  it('replaces *, _, ~ and ` with inert lookalikes', () => {
    const out = escapeMrkdwn('*bold* _italic_ ~strike~ `code` ```block```');
    assert.equal(out, '∗bold∗ ˍitalicˍ ∼strike∼ ˋcodeˋ ˋˋˋblockˋˋˋ');
    assert.doesNotMatch(out, LIVE_MRKDWN);
  });

  it('does not use zero-width spaces, which Slack reads as word boundaries', () => {
    assert.doesNotMatch(escapeMrkdwn('*a* _b_ ~c~ `d`'), /\u200B/);
  });

  it('replaces the fullwidth markers too', () => {
    assert.doesNotMatch(escapeMrkdwn('＊太字＊ ＿斜体＿ ～取消～ ｀コード｀'), LIVE_MRKDWN);
  });

  it('stops a line from becoming a block quote', () => {
    assert.equal(
      escapeMrkdwn('> quoted\nok > fine\n  >indented\n＞wide'),
      '\u00AD&gt; quoted\nok &gt; fine\n  \u00AD&gt;indented\n\u00AD＞wide',
    );
  });

  it('leaves ordinary text, emoji and non-Latin scripts alone', () => {
    const text = 'Login from 🇩🇪 Berlin (ÄÖÜ) — 新しい国: 10.0.0.1 :warning: 100% done #ops @here';
    assert.equal(escapeMrkdwn(text), text);
  });
});

describe('escapeMrkdwn: truncation', () => {
  it('does not truncate when under the limit or when no limit is given', () => {
    assert.equal(escapeMrkdwn('short', 5), 'short');
    assert.equal(escapeMrkdwn('x'.repeat(10_000)).length, 10_000);
  });

  it('cuts to the limit, ending in …', () => {
    const out = escapeMrkdwn('abcdefghij', 5);
    assert.equal(out, 'abcd…');
    assert.equal(out.length, 5);
  });

  it('never cuts inside an entity, and counts the escaped length', () => {
    const out = escapeMrkdwn('ab<cd', 5);
    // "ab&lt;cd" is 8 long; "ab" + "&lt;" would need 6 with the ellipsis
    assert.equal(out, 'ab…');
    assert.ok(escapeMrkdwn('<'.repeat(100), 50).length <= 50);
    assert.match(escapeMrkdwn('<'.repeat(100), 50), /^(&lt;)+…$/);
  });

  it('never splits a surrogate pair', () => {
    const out = escapeMrkdwn('🔥🔥🔥🔥', 4);
    assert.equal(out, '🔥…');
  });

  it('a limit too small for the ellipsis yields an empty string', () => {
    assert.equal(escapeMrkdwn('abc', 0), '');
  });
});

describe('truncateText', () => {
  it('cuts plain text by UTF-16 length without splitting emoji', () => {
    assert.equal(truncateText('hello world', 8), 'hello w…');
    assert.equal(truncateText('a🔥b', 3), 'a…');
    assert.equal(truncateText('fits', 4), 'fits');
  });
});

describe('escapeHtml', () => {
  it('escapes &, <, >, " and \'', () => {
    assert.equal(
      escapeHtml(`<a href="x" onclick='y'>&amp;</a>`),
      '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;',
    );
  });

  it('leaves other text alone', () => {
    assert.equal(escapeHtml('Grüße *bold* 🔥'), 'Grüße *bold* 🔥');
  });
});

describe('escapeMrkdwn keeps markers inside words', () => {
  it('host and user names with underscores or tildes survive as typed', () => {
    assert.equal(escapeMrkdwn('prod_db_admin on web~01'), 'prod_db_admin on web~01');
    assert.equal(escapeMrkdwn('Nanitor health_scores: HTTP 500'), 'Nanitor health_scores: HTTP 500');
  });
  it('markers at a word edge are still neutralized', () => {
    assert.equal(escapeMrkdwn('_x_').includes('_'), false);
    assert.equal(escapeMrkdwn('say *bold* now').includes('*'), false);
    assert.equal(escapeMrkdwn('a_b_ c').endsWith('_ c'), false);
  });
});
