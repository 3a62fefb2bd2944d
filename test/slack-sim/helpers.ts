import { App, type Logger, LogLevel, SocketModeReceiver } from '@slack/bolt';
import type { SlackSimulator } from '../../src/sandbox/slack/index.js';

/** The App construction every end-to-end test uses: real Bolt in Socket Mode, pointed at the simulator. */
export function boltApp(sim: SlackSimulator): App {
  return new App({
    socketMode: true,
    appToken: sim.appToken,
    token: sim.botToken,
    clientOptions: { slackApiUrl: sim.apiUrl, retryConfig: { retries: 0 } },
    logLevel: LogLevel.ERROR,
  });
}

/**
 * Bolt waits clientPingTimeout (5 s by default) before reconnecting; App does not expose that option,
 * so reconnect tests build the receiver themselves to keep the wait short. The receiver's own client
 * (apps.connections.open) keeps retrying: @slack/socket-mode 3.1 treats a refused connection as
 * unrecoverable once the WebClient's retries are spent, and then rejects a promise nobody handles.
 */
export function boltAppWithFastReconnect(sim: SlackSimulator, clientPingTimeout = 300): App {
  const receiver = new SocketModeReceiver({
    appToken: sim.appToken,
    clientPingTimeout,
    // These tests take the simulator down on purpose: the socket's "WebSocket error" is the expected outcome.
    logger: quietLogger(),
    installerOptions: {
      clientOptions: {
        slackApiUrl: sim.apiUrl,
        retryConfig: { retries: 50, factor: 1, minTimeout: 100, maxTimeout: 100 },
      },
    },
  });
  return new App({
    receiver,
    token: sim.botToken,
    clientOptions: { slackApiUrl: sim.apiUrl, retryConfig: { retries: 0 } },
    logLevel: LogLevel.ERROR,
  });
}

export async function waitUntil(condition: () => boolean, timeoutMs = 3000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A Slack SDK logger that drops everything, for failures a test provokes on purpose. */
function quietLogger(): Logger {
  let level = LogLevel.ERROR;
  const drop = () => {};
  return {
    debug: drop,
    info: drop,
    warn: drop,
    error: drop,
    setLevel: (l) => {
      level = l;
    },
    getLevel: () => level,
    setName: drop,
  };
}
