/**
 * Who holds a lease, as a process on the same machine can check it: the PID namespace
 * (boot id + namespace inode, so a container or a reboot is another "machine"), the pid and
 * the pid's start time (so a reused pid, or a new process that got the old one's pid in a
 * restarted container, is not mistaken for the holder). Linux only: elsewhere there is no
 * identity and a crashed holder's lease simply expires.
 */
import { readFileSync, readlinkSync } from 'node:fs';

interface HolderProcess {
  machine: string;
  pid: number;
  started: string;
}

function read(): HolderProcess | null {
  try {
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const ns = readlinkSync('/proc/self/ns/pid');
    const started = startTime(process.pid);
    return started ? { machine: `${boot}/${ns}`, pid: process.pid, started } : null;
  } catch {
    return null;
  }
}

const self = read();

/** This process's identity as stored with a lease, or null where it cannot be checked. */
export function thisHolderProcess(): string | null {
  return self ? `${self.machine}|${self.pid}|${self.started}` : null;
}

/**
 * True only when the process that wrote `identity` provably no longer runs: it lived in
 * this PID namespace and its pid is gone, a zombie, or now belongs to a later process.
 * Anything unknown (another machine, an unreadable record) is "not provably gone".
 */
export function holderProcessIsGone(identity: string | null | undefined): boolean {
  if (!self || !identity) return false;
  const [machine, pidText, started] = identity.split('|');
  const pid = Number(pidText);
  if (machine !== self.machine || !Number.isInteger(pid) || pid <= 0 || !started) return false;
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: it exists and belongs to another user
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return true;
  }
  const stat = procStat(pid);
  if (stat === null) return false;
  return stat.state === 'Z' || stat.state === 'X' || stat.started !== started;
}

function startTime(pid: number): string | null {
  return procStat(pid)?.started ?? null;
}

function procStat(pid: number): { state: string; started: string } | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // The command name (field 2) may hold spaces and parentheses; the fields after its last ')' do not.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  const started = fields[19];
  return state && started ? { state, started } : null;
}
