/**
 * What the people on the page can do, each one a call into a simulator: the simulated humans act
 * through the same Slack envelopes, Duo redirects and vendor records the bot sees in production.
 */
import type { NewAlertInput } from '../thehive/thehive-simulator.js';
import type { DuoOutcome, SandboxWorld } from './page-state.js';

/** A request the page made that cannot be carried out; its message is shown to the user. */
export class PageActionError extends Error {
  /** 404 when what it names does not exist, 409 when it exists but no longer takes this */
  constructor(
    message: string,
    readonly status: 400 | 404 | 409 = 400,
  ) {
    super(message);
  }
}

type Json = Record<string, unknown>;

function text(body: Json, key: string, max = 4000): string {
  const value = body[key];
  if (typeof value !== 'string') throw new PageActionError(`${key} is required`);
  if (value.length > max) throw new PageActionError(`${key} is longer than ${max} characters`);
  return value;
}

function optionalText(body: Json, key: string): string | undefined {
  return body[key] === undefined || body[key] === null || body[key] === '' ? undefined : text(body, key);
}

/** The simulators throw plain Errors for unknown users, channels or buttons: the page should say so. */
function asPageError<T>(action: () => T): T {
  try {
    return action();
  } catch (err) {
    throw new PageActionError(err instanceof Error ? err.message : String(err));
  }
}

async function asPageErrorAsync<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (err) {
    throw new PageActionError(err instanceof Error ? err.message : String(err));
  }
}

/** A call someone can still press keys on: ringing (they pick up) or answered. */
const LIVE_CALL = ['queued', 'ringing', 'in-progress'];

export interface PageActionsOptions {
  world: SandboxWorld;
  /** The bot's HTTP base; links to it are followed server-side to reach the Duo prompt behind them. */
  botUrl: string;
  duoOutcomes: DuoOutcome[];
  onDuoChange: () => void;
  /** TWILIO_FROM_NUMBER: where the phone panel's replies are texted */
  botNumber: string;
}

export function pageActions({ world, botUrl, duoOutcomes, onDuoChange, botNumber }: PageActionsOptions) {
  const { slack, duo, thehive, nanitor, twilio } = world;

  /** Registers the prompt a Duo authorize URL describes, as the user's browser GET would. */
  const openDuoPrompt = (url: URL) => {
    // Which alert the link was for, from the DM that carried it: two prompts for one person differ by it.
    const carrier = slack
      .messages()
      .find((m) => JSON.stringify(m.blocks ?? []).includes(JSON.stringify(url.toString())));
    const label = /alert #(\d+)/.exec(JSON.stringify(carrier?.blocks ?? ''))?.[0];
    const promptId = asPageError(() => duo.approveUrlFor(url.toString(), label));
    onDuoChange();
    return { kind: 'duo', promptId };
  };

  return {
    /** A message in the DM with the bot, or a reply in one of its threads. */
    dm(body: Json) {
      const user = text(body, 'user', 40);
      const threadTs = optionalText(body, 'threadTs');
      const envelope = asPageError(() => slack.sendDm(user, text(body, 'text'), threadTs ? { threadTs } : {}));
      return { envelope };
    },

    /** `/secops status` typed into any conversation. */
    slash(body: Json) {
      const typed = text(body, 'text').trim();
      const match = /^(\/[a-z0-9_-]+)\s*([\s\S]*)$/i.exec(typed);
      if (!match) throw new PageActionError('a slash command looks like /secops status');
      const [, command, rest] = match;
      const envelope = asPageError(() =>
        slack.slashCommand(text(body, 'user', 40), text(body, 'channel', 40), command!.toLowerCase(), rest),
      );
      return { envelope };
    },

    mention(body: Json) {
      const envelope = asPageError(() =>
        slack.sendMention(text(body, 'user', 40), text(body, 'channel', 40), text(body, 'text')),
      );
      return { envelope };
    },

    click(body: Json) {
      const value = optionalText(body, 'value');
      const envelope = asPageError(() =>
        slack.clickButton(
          text(body, 'user', 40),
          { channel: text(body, 'channel', 40), ts: text(body, 'ts', 40) },
          text(body, 'actionId', 255),
          value,
        ),
      );
      return { envelope };
    },

    /**
     * A link the bot sent. Duo's prompt runs on a self-signed certificate the browser would refuse,
     * so the page asks here instead: Duo authorize URLs become a prompt in the Duo panel, and links
     * to the bot are followed (server-side) until they reach Duo or an ordinary page.
     */
    async openLink(body: Json) {
      let url = asPageError(() => new URL(text(body, 'url')));
      for (let hop = 0; hop < 5; hop++) {
        if (url.host === duo.apiHost && url.pathname === '/oauth/v1/authorize') return openDuoPrompt(url);
        if (url.origin !== new URL(botUrl).origin) return { kind: 'open', url: url.toString() };
        const reply = await fetch(url, { redirect: 'manual' });
        await reply.body?.cancel();
        const location = reply.headers.get('location');
        if (reply.status < 300 || reply.status >= 400 || !location) return { kind: 'open', url: url.toString() };
        url = new URL(location, url);
      }
      throw new PageActionError('too many redirects');
    },

    /** Approve or Deny in the Duo panel; Duo then sends the browser back to the bot's callback. */
    async duoDecide(body: Json) {
      const promptId = text(body, 'promptId', 200);
      const decision = text(body, 'decision', 10);
      if (decision !== 'allow' && decision !== 'deny') throw new PageActionError('decision must be allow or deny');
      const prompt = duo.pending().find((candidate) => candidate.id === promptId);
      if (!prompt) throw new PageActionError('this Duo prompt has expired or was already answered');
      const redirect = asPageError(() => duo.decide(promptId, decision));
      const outcome: DuoOutcome = {
        promptId,
        username: prompt.username,
        decision,
        at: Date.now(),
        callbackStatus: null,
        callbackText: '',
      };
      duoOutcomes.unshift(outcome);
      duoOutcomes.splice(20);
      try {
        const reply = await fetch(redirect, { redirect: 'manual' });
        outcome.callbackStatus = reply.status;
        outcome.callbackText = pageText(await reply.text()).slice(0, 300);
      } catch (err) {
        outcome.callbackText = `the bot's callback did not answer: ${err instanceof Error ? err.message : String(err)}`;
      }
      onDuoChange();
      return outcome;
    },

    hiveCreate(body: Json) {
      const severity = Number(body.severity);
      if (![1, 2, 3, 4].includes(severity)) throw new PageActionError('severity must be 1, 2, 3 or 4');
      const observables = (optionalText(body, 'observables') ?? '')
        .split('\n')
        .map((line) => line.trim())
        .filter(Boolean)
        .map((line): string | { dataType: string; data: string } => {
          const typed = /^([a-z_-]+):\s*(.+)$/i.exec(line);
          return typed && !/^https?$/i.test(typed[1]!) ? { dataType: typed[1]!, data: typed[2]! } : line;
        });
      const input: NewAlertInput = {
        title: text(body, 'title', 500).trim() || 'Untitled alert',
        description: optionalText(body, 'description') ?? '',
        severity,
        observables,
        source: 'sandbox',
      };
      const alert = asPageError(() => thehive.addAlert(input));
      return { id: alert._id };
    },

    hiveClose(body: Json) {
      asPageError(() => thehive.closeAlert(text(body, 'id', 100)));
      return { ok: true };
    },

    /** Keys pressed on a ringing or answered call: Twilio posts each to the bot's `<Gather>` action, signed. */
    async phoneKeys(body: Json) {
      const sid = text(body, 'sid', 64);
      const keys = text(body, 'keys', 4);
      if (!/^[0-9*#]{1,4}$/.test(keys)) throw new PageActionError('keys are digits, * or #');
      const call = twilio.calls().find((c) => c.sid === sid);
      if (!call) throw new PageActionError('no such call', 404);
      if (!LIVE_CALL.includes(call.status)) throw new PageActionError(`this call has ended (${call.status})`, 409);
      // The bot's last answer had no <Gather>: on a real phone the line goes dead when its TwiML ends.
      if (!twilio.awaitsKeys(sid)) throw new PageActionError('this call hung up after the last key', 409);
      const press = await asPageErrorAsync(() => twilio.pressKeys(sid, [...keys]));
      return { heard: press.heard, httpStatus: press.httpStatus };
    },

    /** A text from a person's phone to the bot's number, delivered to its Messaging webhook as Twilio does. */
    async phoneText(body: Json) {
      const from = text(body, 'from', 16);
      if (!/^\+[1-9]\d{6,14}$/.test(from)) throw new PageActionError('from is an E.164 number such as +15550000001');
      if (from === botNumber) throw new PageActionError("from is the bot's own number; pick a person's phone");
      const words = text(body, 'body', 1600);
      if (!words.trim()) throw new PageActionError('type a reply, e.g. ack');
      const reply = await asPageErrorAsync(() => twilio.textFromPhone(from, botNumber, words));
      return { httpStatus: reply.status };
    },

    /** The page speaks percent, as the digest does; Nanitor's API speaks a fraction (0.93). */
    nanitorSet(body: Json) {
      const percent = Number(body.healthPercent);
      const p0 = Number(body.p0);
      if (typeof body.healthPercent !== 'number' || !Number.isFinite(percent) || percent < 0 || percent > 100)
        throw new PageActionError('health is a percentage from 0 to 100 (93 means 93 %)');
      if (!Number.isInteger(p0) || p0 < 0) throw new PageActionError('P0 must be a whole number ≥ 0');
      nanitor.set({ health: Math.round(percent * 100) / 10_000, p0 });
      return nanitor.state();
    },
  };
}

export type PageActions = ReturnType<typeof pageActions>;

/** The visible words of the bot's callback page, for the Duo panel's "what happened" line. */
function pageText(html: string): string {
  return html
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&[a-z#0-9]+;/gi, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}
