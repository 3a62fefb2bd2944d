/** JSON request bodies in, TheHive-style JSON replies out. */
import type { ServerResponse } from 'node:http';
import { TheHiveQueryError } from './thehive-query-engine.js';

export type Reply = { status: number; body: unknown };

export function parseJson(raw: string): unknown {
  if (raw.trim() === '') return {};
  try {
    return JSON.parse(raw);
  } catch {
    throw new TheHiveQueryError(400, 'Invalid JSON body');
  }
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function send(res: ServerResponse, reply: Reply): void {
  if (res.destroyed) return;
  res.writeHead(reply.status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(reply.body));
}
