/**
 * Who holds a lease, as a process on the same machine can check it: the boot (boot id), the
 * container if there is one (its id, which survives the container's restarts), the PID
 * namespace (inode), the pid and the pid's start time (so a reused pid is not mistaken for the
 * holder). Linux only: elsewhere there is no identity and a crashed holder's lease simply expires.
 */
import { readFileSync, readlinkSync } from 'node:fs';

export interface HolderProcess {
  boot: string;
  /** Docker/Podman container id, '' outside a container */
  container: string;
  pidNamespace: string;
  pid: number;
  started: string;
}

export interface ProcStat {
  state: string;
  started: string;
}

function read(): HolderProcess | null {
  try {
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    const pidNamespace = readlinkSync('/proc/self/ns/pid');
    const started = procStat(process.pid)?.started;
    return started ? { boot, container: containerId(), pidNamespace, pid: process.pid, started } : null;
  } catch {
    return null;
  }
}

/** The container runtime bind-mounts /etc/hostname from a directory named after the container id. */
function containerId(): string {
  try {
    const mounts = readFileSync('/proc/self/mountinfo', 'utf8');
    return /\/([0-9a-f]{64})\/(?:userdata\/)?hostname /.exec(mounts)?.[1] ?? '';
  } catch {
    return '';
  }
}

const self = read();

/** This process's identity as stored with a lease, or null where it cannot be checked. */
export function thisHolderProcess(): string | null {
  return self ? format(self) : null;
}

export function format(p: HolderProcess): string {
  return [p.boot, p.container, p.pidNamespace, p.pid, p.started].join('|');
}

export function parse(identity: string): HolderProcess | null {
  const [boot, container, pidNamespace, pidText, started] = identity.split('|');
  const pid = Number(pidText);
  if (!boot || container === undefined || !pidNamespace || !Number.isInteger(pid) || pid <= 0 || !started) return null;
  return { boot, container, pidNamespace, pid, started };
}

/**
 * True only when the process that wrote `identity` provably no longer runs. Anything unknown
 * (another machine or container, an unreadable record) is "not provably gone".
 */
export function holderProcessIsGone(identity: string | null | undefined): boolean {
  const holder = identity ? parse(identity) : null;
  return self !== null && holder !== null && provablyGone(holder, self, procStat);
}

/**
 * The decision, given this process and a way to read another one's /proc/<pid>/stat:
 * - same container, another PID namespace: the container was restarted, and a container has one
 *   PID namespace at a time, so the holder died with the previous one;
 * - same PID namespace: the pid is gone, a zombie, or now belongs to a later process.
 */
export function provablyGone(
  holder: HolderProcess,
  me: HolderProcess,
  stat: (pid: number) => ProcStat | null,
): boolean {
  if (holder.boot !== me.boot) return false;
  if (holder.pidNamespace !== me.pidNamespace) {
    return holder.container !== '' && holder.container === me.container;
  }
  try {
    process.kill(holder.pid, 0);
  } catch (err) {
    // EPERM: it exists and belongs to another user
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return true;
  }
  const s = stat(holder.pid);
  if (s === null) return false;
  return s.state === 'Z' || s.state === 'X' || s.started !== holder.started;
}

function procStat(pid: number): ProcStat | null {
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
