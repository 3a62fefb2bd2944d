import type { ServerResponse } from 'node:http';
import type { AddressInfo, Server } from 'node:net';

/** Starts a simulator's (or the page's) server and resolves with the port it got; port 0 picks a free one. */
export async function listen(server: Server, port = 0, host = '127.0.0.1'): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

/** A JSON answer as Slack and Twilio send it (`charset=utf-8`); `headers` adds to or overrides the defaults. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', ...headers });
  res.end(JSON.stringify(body));
}
