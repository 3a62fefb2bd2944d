/**
 * The sandbox phone's Duo Push side: what the page shows (each push with the alert it names, so
 * two requests for one person are told apart) and the phone's three answers. Kept beside the
 * simulator so the page server only mounts it.
 */
import type { DuoSimulator, PushAnswer, SimPush } from './duo-simulator.js';

export interface PushCard {
  txid: string;
  username: string;
  device: string;
  type: string;
  /** the push's own lines (Alert, Why, From), as Duo Mobile lists them */
  info: Record<string, string>;
  /** Verified Push: the phone asks for the code the DM shows */
  needsCode: boolean;
  at: number;
  result: SimPush['result'];
  status: string;
}

export type PushSnapshot = { enabled: boolean; pushes: PushCard[] };

export function pushSnapshot(duo: DuoSimulator): PushSnapshot {
  const api = duo.authApi;
  if (!api) return { enabled: false, pushes: [] };
  const pushes = api
    .pushes()
    .sort((a, b) => b.createdAt - a.createdAt)
    .slice(0, 12)
    .map((p) => ({
      txid: p.txid,
      username: p.username,
      device: p.deviceName,
      type: p.type,
      info: p.info,
      needsCode: p.verificationCode !== null,
      at: p.createdAt,
      result: p.result,
      status: p.status,
    }));
  return { enabled: true, pushes };
}

const ANSWERS: readonly PushAnswer[] = ['approve', 'deny', 'fraud'];

/** POST /api/duo/push {txid, answer, code?}: the phone's Approve, Deny or Report. */
export function answerPushFromPage(duo: DuoSimulator, body: Record<string, unknown>): PushCard {
  const api = duo.authApi;
  if (!api) throw new Error('Duo Push is not configured in this sandbox');
  const { txid, answer, code } = body;
  if (typeof txid !== 'string' || txid.length > 64) throw new Error('txid is required');
  if (typeof answer !== 'string' || !ANSWERS.includes(answer as PushAnswer)) {
    throw new Error('answer must be approve, deny or fraud');
  }
  const typed = typeof code === 'string' ? code.slice(0, 16) : undefined;
  api.answer(txid, answer as PushAnswer, typed);
  return pushSnapshot(duo).pushes.find((p) => p.txid === txid)!;
}

/** Calls `changed` whenever a push arrives or is settled (approved, denied, timed out). */
export function watchPushes(duo: DuoSimulator, changed: (snapshot: PushSnapshot) => void): () => void {
  const api = duo.authApi;
  if (!api) return () => {};
  const onChange = () => changed(pushSnapshot(duo));
  api.on('push', onChange);
  api.on('settled', onChange);
  return () => {
    api.off('push', onChange);
    api.off('settled', onChange);
  };
}
