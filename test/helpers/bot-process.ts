/**
 * The bot as its own process, exactly as `node main.ts` runs it (signals, exit codes), with the
 * BotOptions a test passes as JSON in TEST_BOT_OPTIONS (short tunings). Used for kill -9 and
 * SIGTERM tests, which an in-process bot cannot show.
 */
import { main } from '../../main.js';

void main(JSON.parse(process.env.TEST_BOT_OPTIONS ?? '{}'));
