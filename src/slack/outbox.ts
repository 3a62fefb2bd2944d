/**
 * Sending moved to the persistent outbox (src/outbox): every message is a row first. This name
 * stays for code that imported it from here.
 */
export { Outbox as SlackOutbox, type PostedMessage } from '../outbox/outbox.js';
