import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ConfigError } from '../../src/config/config-error.js';
import { loadDotEnvFile, parseDotEnv } from '../../src/config/dotenv.js';
import { type Env, loadConfig } from '../../src/config/env.js';

const parse = (text: string) => Object.fromEntries(parseDotEnv(text));

function refused(text: string, pattern: RegExp): void {
  assert.throws(
    () => parseDotEnv(text),
    (err: unknown) => err instanceof ConfigError && pattern.test(err.message) && !err.message.includes('\n'),
  );
}

describe('.env keeps its values', () => {
  it('a # inside a value is part of it: API_TOKEN=abc#def is abc#def', () => {
    assert.deepEqual(parse('API_TOKEN=abc#def\nURL=https://x.example/#frag'), {
      API_TOKEN: 'abc#def',
      URL: 'https://x.example/#frag',
    });
  });

  it('a # after whitespace starts a comment; quoted values keep # and spaces', () => {
    assert.deepEqual(
      parse(
        [
          '# a comment',
          '',
          'PORT=3000   # the HTTP port',
          'A="pa ss #word"  # comment after the quote',
          "B='lit\\eral #x'",
          'export C=exported',
          'DIGEST_SCHEDULE=0 9 * * *',
          'EMPTY=',
        ].join('\n'),
      ),
      {
        PORT: '3000',
        A: 'pa ss #word',
        B: 'lit\\eral #x',
        C: 'exported',
        DIGEST_SCHEDULE: '0 9 * * *',
        EMPTY: '',
      },
    );
  });

  it('double quotes understand \\n, \\" and \\\\; quoted values may span lines', () => {
    assert.deepEqual(parse('A="x\\ny \\"q\\" \\\\"\r\nPEM="-----BEGIN-----\nabc\n-----END-----"\nB=2'), {
      A: 'x\ny "q" \\',
      PEM: '-----BEGIN-----\nabc\n-----END-----',
      B: '2',
    });
  });

  it('malformed lines are refused with their line number, without echoing the line', () => {
    refused('A=1\nAPI_TOKEN abc#secret', /^\.env line 2: expected NAME=value/);
    assert.throws(
      () => parseDotEnv('API_TOKEN abc#secret'),
      (e: Error) => !e.message.includes('secret'),
    );
    refused('A="unterminated\nB=2', /^\.env line 1: A has no closing "/);
    refused("A='x' trailing", /^\.env line 1: A has text after its closing '/);
  });

  it('a missing .env is fine; one that exists but cannot be read is an error; set variables win', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dotenv-'));
    const env: Env = { PORT: '4000' };
    loadDotEnvFile(join(dir, '.env'), env);
    assert.deepEqual(env, { PORT: '4000' });

    writeFileSync(join(dir, '.env'), 'PORT=3000\nAPI_TOKEN=abcdefgh#ijklmnop\n');
    loadDotEnvFile(join(dir, '.env'), env);
    assert.deepEqual(env, { PORT: '4000', API_TOKEN: 'abcdefgh#ijklmnop' });

    const unreadable = join(dir, 'dir.env');
    mkdirSync(unreadable);
    assert.throws(
      () => loadDotEnvFile(unreadable, {}),
      (err: unknown) => err instanceof ConfigError && /dir\.env exists but cannot be read \(EISDIR\)/.test(err.message),
    );
  });

  it('.env.example parses, and its placeholders are refused by the config', () => {
    const example = Object.fromEntries(parseDotEnv(readFileSync('.env.example', 'utf8')));
    assert.equal(example.SLACK_BOT_TOKEN, 'xoxb-your-bot-token');
    assert.throws(
      () => loadConfig(example),
      (err: unknown) => err instanceof ConfigError && /SLACK_BOT_TOKEN is still the placeholder/.test(err.message),
    );
    const real = { ...example, SLACK_BOT_TOKEN: 'xoxb-1-2', SLACK_APP_TOKEN: 'xapp-1-2' };
    assert.throws(
      () => loadConfig(real),
      (err: unknown) =>
        err instanceof ConfigError &&
        /SLACK_ESCALATION_CHANNEL is still the placeholder 'C0123456789'/.test(err.message),
    );
    assert.throws(
      () => loadConfig({ ...real, SLACK_ESCALATION_CHANNEL: 'C0ESCAL', SLACK_RESPONDERS: 'U0123456789,U0REAL' }),
      /SLACK_RESPONDERS is still the placeholder 'U0123456789'/,
    );
  });
});
