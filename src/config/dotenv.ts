import { readFileSync } from 'node:fs';
import { ConfigError } from './config-error.js';

/**
 * Parses a `.env` file so that no value is silently cut or bent:
 *
 * - `NAME=value` runs to the end of the line; `#` is part of the value (`API_TOKEN=abc#def` is `abc#def`),
 *   and only ` #` (a `#` after whitespace) starts a comment, as in a shell.
 * - `'single quotes'` keep everything literally; `"double quotes"` also understand `\n`, `\"` and `\\`.
 *   Quoted values may span lines. Anything after the closing quote other than a comment is an error.
 * - A line that is neither blank, a comment nor `NAME=value` (optionally `export NAME=value`) is an error
 *   naming its line, rather than being skipped.
 */
export function parseDotEnv(text: string, file = '.env'): Map<string, string> {
  const vars = new Map<string, string>();
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(line);
    // The line itself is not shown: it may hold a secret.
    if (!m) throw new ConfigError(`${file} line ${lineNo}: expected NAME=value (or a # comment)`);
    const name = m[1]!;
    let rest = m[2]!;
    const quote = rest[0];
    if (quote !== '"' && quote !== "'") {
      vars.set(name, rest.replace(/\s+#.*$/, '').trim());
      continue;
    }
    // A quoted value: find the closing quote, reading on over line ends.
    let value = '';
    let pos = 1;
    for (;;) {
      const close = findClose(rest, pos, quote);
      if (close >= 0) {
        value += rest.slice(pos, close);
        rest = rest.slice(close + 1).trim();
        break;
      }
      value += `${rest.slice(pos)}\n`;
      i++;
      if (i >= lines.length) throw new ConfigError(`${file} line ${lineNo}: ${name} has no closing ${quote}`);
      rest = lines[i]!;
      pos = 0;
    }
    if (rest !== '' && !rest.startsWith('#')) {
      throw new ConfigError(`${file} line ${lineNo}: ${name} has text after its closing ${quote}`);
    }
    vars.set(name, quote === '"' ? unescapeDouble(value) : value);
  }
  return vars;
}

/**
 * Adds `file` to `env`; variables already set keep their values. A missing file is fine (configuration then
 * comes from the environment alone); one that exists but cannot be read or parsed is a ConfigError.
 */
export function loadDotEnvFile(file: string, env: Record<string, string | undefined>): void {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    throw new ConfigError(`${file} exists but cannot be read (${code ?? (err as Error).message})`);
  }
  for (const [name, value] of parseDotEnv(text, file)) {
    if (env[name] === undefined) env[name] = value;
  }
}

function findClose(s: string, from: number, quote: string): number {
  for (let j = from; j < s.length; j++) {
    if (quote === '"' && s[j] === '\\') j++;
    else if (s[j] === quote) return j;
  }
  return -1;
}

function unescapeDouble(s: string): string {
  return s.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : c === 't' ? '\t' : c));
}
