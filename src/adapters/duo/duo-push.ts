/**
 * Duo's Auth API (an "Auth API" application in the Duo Admin Panel) as our PushSecondFactorPort:
 * preauth → auth (factor=push, async=1) → auth_status. Duo's answers are mapped here, once, to
 * our own outcomes; nothing above this file knows Duo's field names.
 */
import type { PushDevice, PushInfo, PushPreauth, PushSecondFactorPort, PushStatus } from '../../core/ports.js';
import { isSecOpsError, SecOpsError } from '../../errors.js';
import { DuoAuthTransport, type DuoAuthTransportOptions } from './duo-auth-transport.js';

export interface DuoPushOptions extends DuoAuthTransportOptions {
  /** how long one auth_status long poll may be held open (default 20 s) */
  statusTimeoutMs?: number;
}

interface DuoDevice {
  device?: string;
  display_name?: string;
  name?: string;
  capabilities?: string[];
}

interface PreauthResponse {
  result?: string;
  status_msg?: string;
  devices?: DuoDevice[];
  txid?: string;
  verification_code?: string;
}

const text = (v: unknown, max = 200) => (typeof v === 'string' ? v.slice(0, max) : '');

export class DuoPush implements PushSecondFactorPort {
  readonly name = 'duo-push';
  private readonly transport: DuoAuthTransport;
  private readonly statusTimeoutMs: number;

  constructor(options: DuoPushOptions) {
    this.transport = new DuoAuthTransport(options);
    this.statusTimeoutMs = options.statusTimeoutMs ?? 20_000;
  }

  async check(): Promise<{ ok: true } | { ok: false; detail: string }> {
    try {
      await this.transport.call('GET', '/auth/v2/check');
      return { ok: true };
    } catch (err) {
      const detail = isSecOpsError(err, 'unauthorized')
        ? `Duo refused the Auth API keys (DUO_AUTH_API_IKEY / DUO_AUTH_API_SKEY / DUO_AUTH_API_HOST): ${err.message}`
        : `Duo Auth API unreachable: ${err instanceof Error ? err.message : String(err)}`;
      return { ok: false, detail };
    }
  }

  async preauth(username: string): Promise<PushPreauth> {
    // client_supports_verified_push: we can show a code in the DM, so Verified Push users get a push too.
    const r = (await this.transport.call('POST', '/auth/v2/preauth', {
      username,
      client_supports_verified_push: '1',
    })) as PreauthResponse;
    const detail = text(r?.status_msg) || `Duo preauth result: ${text(r?.result) || 'missing'}`;
    switch (r?.result) {
      case 'auth': {
        const device = (r.devices ?? []).find((d) => d.capabilities?.includes('push') && typeof d.device === 'string');
        if (!device) return { kind: 'no_push_device', detail: 'no device that takes Duo Push is enrolled' };
        const verification =
          typeof r.txid === 'string' && typeof r.verification_code === 'string'
            ? { txid: r.txid, code: text(r.verification_code, 16) }
            : null;
        return { kind: 'push', device: { id: device.device!, name: deviceName(device) }, verification };
      }
      case 'enroll':
        return { kind: 'enroll', detail };
      case 'allow':
        return { kind: 'bypass', detail };
      case 'deny':
        return { kind: 'deny', detail };
      default:
        throw new SecOpsError('bad_response', `Duo preauth: unexpected result ${JSON.stringify(text(r?.result, 40))}`);
    }
  }

  async push(
    username: string,
    device: PushDevice,
    info: PushInfo,
    verifiedTxid: string | null,
  ): Promise<{ txid: string }> {
    const params: Record<string, string> = {
      username,
      factor: 'push',
      device: device.id,
      async: '1',
      type: info.type.slice(0, 80),
      // URL-encoded k=v pairs; Duo caps the whole string at 20,000 bytes.
      pushinfo: new URLSearchParams(info.details).toString().slice(0, 4000),
    };
    if (verifiedTxid) params.txid = verifiedTxid;
    const r = (await this.transport.call('POST', '/auth/v2/auth', params)) as { txid?: unknown };
    if (typeof r?.txid !== 'string' || r.txid === '') throw new SecOpsError('bad_response', 'Duo auth: no txid');
    return { txid: r.txid };
  }

  async status(txid: string): Promise<PushStatus> {
    let r: { result?: string; status?: string; status_msg?: string };
    try {
      r = (await this.transport.call('GET', '/auth/v2/auth_status', { txid }, this.statusTimeoutMs, true)) as typeof r;
    } catch (err) {
      // Our own bound on the long poll passing is not a failure: Duo had nothing new to say.
      if (isSecOpsError(err, 'timeout')) return { result: 'waiting', status: 'waiting', statusMsg: '' };
      throw err;
    }
    const result = r?.result === 'allow' || r?.result === 'deny' || r?.result === 'waiting' ? r.result : null;
    if (result === null) throw new SecOpsError('bad_response', 'Duo auth_status: unexpected result');
    return { result, status: text(r.status, 40) || result, statusMsg: text(r.status_msg) };
  }

  close(): void {
    this.transport.close();
  }
}

function deviceName(d: DuoDevice): string {
  return text(d.display_name, 80) || text(d.name, 80) || 'your phone';
}
