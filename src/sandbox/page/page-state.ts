/**
 * What the sandbox page shows, read from the simulators: the Slack workspace, TheHive's alerts, the
 * on-call phone, Duo's pending prompts and Nanitor's numbers. `watchWorld` turns the simulators'
 * events into the small updates the page applies live.
 */
import type { Policy } from '../../config/policy.js';
import type { DuoSimulator } from '../duo/duo-simulator.js';
import type { PushSnapshot } from '../duo/push-panel.js';
import type { NanitorSimulator } from '../nanitor/nanitor-simulator.js';
import type { SlackSimulator } from '../slack/index.js';
import type { EphemeralMessage, SlackMessage } from '../slack/types.js';
import type { TheHiveSimulator } from '../thehive/thehive-simulator.js';
import type { TwilioSimulator } from '../twilio/twilio-simulator.js';
import { type OnCallView, phoneBook } from './oncall-view.js';
import type { SlaView } from './sla-view.js';

export interface SandboxWorld {
  slack: SlackSimulator;
  duo: DuoSimulator;
  twilio: TwilioSimulator;
  thehive: TheHiveSimulator;
  nanitor: NanitorSimulator;
}

/** How a Duo prompt was settled from the page, and what the bot's callback answered. */
export interface DuoOutcome {
  promptId: string;
  username: string;
  decision: 'allow' | 'deny';
  at: number;
  callbackStatus: number | null;
  callbackText: string;
}

/** The channels the page lists in its sidebar, besides the DM with the bot. */
const SIDEBAR_CHANNELS = ['C0ESCAL', 'C0ALERTS', 'C0DIGEST'];

export function slackSnapshot(slack: SlackSimulator) {
  const humans = slack.users.filter((user) => !user.isBot && !user.deleted);
  const alertsChannel = slack.channels.find((channel) => channel.id === 'C0ALERTS');
  return {
    bot: { userId: slack.seed.botUserId, botId: slack.seed.botId, name: 'secops-bot' },
    team: slack.seed.teamName,
    users: slack.users.map((user) => ({
      id: user.id,
      name: user.name,
      realName: user.realName,
      isBot: user.isBot,
      deleted: user.deleted,
    })),
    people: humans.map((user) => ({
      id: user.id,
      realName: user.realName,
      dm: slack.dmChannelFor(user.id),
      responder: alertsChannel?.members.includes(user.id) ?? false,
    })),
    channels: slack.channels
      .filter((channel) => SIDEBAR_CHANNELS.includes(channel.id))
      .map((channel) => ({ id: channel.id, name: channel.name, members: channel.members })),
    messages: slack.messages(),
    ephemerals: slack.ephemerals(),
  };
}

export function hiveSnapshot(thehive: TheHiveSimulator) {
  const caseNumbers = new Map(thehive.cases().map((record) => [String(record._id), record.number]));
  return thehive.alerts().map((alert) => {
    const caseId = typeof alert.caseId === 'string' ? alert.caseId : null;
    return {
      id: String(alert._id),
      title: String(alert.title),
      severity: Number(alert.severity),
      createdAt: Number(alert._createdAt),
      state: String(alert.stage ?? alert.status),
      observables: Number(alert.observableCount ?? 0),
      caseId,
      caseNumber: caseId === null ? null : (caseNumbers.get(caseId) ?? null),
    };
  });
}

export function phoneSnapshot(twilio: TwilioSimulator) {
  return {
    sms: twilio.messages().map((message) => ({
      sid: message.sid,
      to: message.to,
      from: message.from,
      body: message.body,
      status: message.status,
      at: message.dateCreated.getTime(),
    })),
    calls: twilio.calls().map((call) => ({
      sid: call.sid,
      to: call.to,
      from: call.from,
      spoken: call.spokenText,
      status: call.status,
      at: call.dateCreated.getTime(),
      pressed: twilio
        .keyPresses()
        .filter((press) => press.callSid === call.sid)
        .map((press) => ({ keys: press.keys, heard: press.heard, httpStatus: press.httpStatus })),
    })),
    /** texts people sent to the bot's number, and its replies */
    texts: twilio.texts().map((text) => ({
      sid: text.sid,
      from: text.from,
      to: text.to,
      body: text.body,
      direction: text.direction,
      at: text.at.getTime(),
    })),
  };
}

export function duoSnapshot(duo: DuoSimulator, outcomes: DuoOutcome[]) {
  return {
    pending: duo.pending().map((prompt) => ({
      id: prompt.id,
      username: prompt.username,
      at: prompt.createdAt,
      label: prompt.label ?? null,
    })),
    outcomes,
  };
}

export function policySnapshot(policy: Policy) {
  return {
    severities: Object.fromEntries(
      Object.entries(policy.sla.severities).map(([severity, rule]) => [
        severity,
        { enabled: rule.enabled, tiers: rule.tiers.map((tier) => ({ afterMs: tier.afterMs, notify: tier.notify })) },
      ]),
    ),
    highRisk: policy.sla.highRisk,
    oncall: policy.oncall,
    /** whose each paged number is: the phone panel names the person, not only the number */
    phones: phoneBook(policy),
  };
}

export type PageEvent =
  | { type: 'slack'; kind: 'message' | 'update' | 'delete'; item: SlackMessage }
  | { type: 'slack'; kind: 'ephemeral'; item: EphemeralMessage }
  | { type: 'hive'; data: ReturnType<typeof hiveSnapshot> }
  | { type: 'sla'; data: Record<string, SlaView> }
  | { type: 'phone'; data: ReturnType<typeof phoneSnapshot> }
  | { type: 'duo'; data: ReturnType<typeof duoSnapshot> }
  | { type: 'duo-push'; data: PushSnapshot }
  | { type: 'nanitor'; data: ReturnType<NanitorSimulator['state']> }
  | { type: 'oncall'; data: OnCallView };

/** Subscribes to every simulator; returns the function that unsubscribes. */
export function watchWorld(
  world: SandboxWorld,
  duoOutcomes: () => DuoOutcome[],
  publish: (event: PageEvent) => void,
): () => void {
  const { slack, duo, twilio, thehive, nanitor } = world;
  const onMessage = (item: SlackMessage) => publish({ type: 'slack', kind: 'message', item });
  const onUpdate = (item: SlackMessage) => publish({ type: 'slack', kind: 'update', item });
  const onDelete = (item: SlackMessage) => publish({ type: 'slack', kind: 'delete', item });
  const onEphemeral = (item: EphemeralMessage) => publish({ type: 'slack', kind: 'ephemeral', item });
  slack.on('message', onMessage);
  slack.on('update', onUpdate);
  slack.on('delete', onDelete);
  slack.on('ephemeral', onEphemeral);

  const onPrompt = () => publish({ type: 'duo', data: duoSnapshot(duo, duoOutcomes()) });
  duo.on('prompt', onPrompt);

  const onPhone = () => publish({ type: 'phone', data: phoneSnapshot(twilio) });
  twilio.on('message', onPhone);
  twilio.on('call', onPhone);
  twilio.on('status', onPhone);
  twilio.on('text', onPhone);
  twilio.on('keys', onPhone);

  const onHive = () => publish({ type: 'hive', data: hiveSnapshot(thehive) });
  const unsubscribeHive = ['alert', 'case', 'update'].map((event) =>
    thehive.on(event as 'alert' | 'case' | 'update', onHive),
  );

  const onNanitor = (state: ReturnType<NanitorSimulator['state']>) => publish({ type: 'nanitor', data: state });
  nanitor.on('change', onNanitor);

  return () => {
    slack.off('message', onMessage);
    slack.off('update', onUpdate);
    slack.off('delete', onDelete);
    slack.off('ephemeral', onEphemeral);
    duo.off('prompt', onPrompt);
    twilio.off('message', onPhone);
    twilio.off('call', onPhone);
    twilio.off('status', onPhone);
    twilio.off('text', onPhone);
    twilio.off('keys', onPhone);
    for (const unsubscribe of unsubscribeHive) unsubscribe();
    nanitor.off('change', onNanitor);
  };
}
