// The outside world's panels: Duo prompts, TheHive alerts and Nanitor's numbers (the phone is phone.js).
// Everything from the simulators is shown with textContent, never as markup.

const $ = (id) => document.getElementById(id);
let api = null;

function node(tag, className, text) {
  const el = document.createElement(tag);
  if (className) el.className = className;
  if (text !== undefined) el.textContent = text;
  return el;
}

function button(label, className, onClick) {
  const el = node('button', className, label);
  el.type = 'button';
  el.addEventListener('click', onClick);
  return el;
}

function formatAge(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

const clock = (at) => new Date(at).toLocaleTimeString();

/**
 * What the bot will do about an alert, from the bot's own SLA rows (world.sla, the rows /hive list reads):
 * the tier it breached, a snooze, and what fires next and when. Words match /hive list's.
 */
function tierText(alert, world, now) {
  if (alert.state !== 'New' && alert.state !== 'InProgress' && alert.state !== 'Updated') return '';
  const rule = world.policy.severities[alert.severity];
  if (!rule?.enabled) return 'no SLA for this severity';
  const sla = world.sla?.[alert.id];
  if (!sla) return 'not tracked by the bot yet (it polls TheHive every few seconds)';
  const parts = [sla.firedTier < 0 ? 'no tier yet' : `tier ${sla.firedTier + 1} of ${sla.tiers} breached`];
  if (sla.firedLabel === 'high-risk') parts[0] += ' (high-risk)';
  if (sla.snoozedUntil !== null && sla.snoozedUntil > now) parts.push(`snoozed ${formatAge(sla.snoozedUntil - now)}`);
  if (!sla.next) parts.push('nothing more due');
  else parts.push(`next (${sla.next.notify.join('+')}) in ${formatAge(sla.next.at - now)}`);
  return parts.join(' · ');
}

export function renderHive(world) {
  const list = $('hive-alerts');
  const alerts = [...world.hive].sort((a, b) => b.createdAt - a.createdAt);
  if (!alerts.length) return list.replaceChildren(node('div', 'empty', 'No alerts yet.'));
  const now = Date.now();
  list.replaceChildren(
    ...alerts.map((alert) => {
      const card = node('div', 'card hive-alert');
      card.dataset.alertId = alert.id;
      const title = node('div', 'title');
      title.append(node('span', `sev sev-${alert.severity}`, `S${alert.severity}`), ` ${alert.title}`);
      const row = node('div', 'row');
      row.append(
        node('span', 'alert-id', alert.id),
        node('span', 'alert-age', `age ${formatAge(now - alert.createdAt)}`),
        node('span', 'alert-state', alert.state),
        node('span', 'alert-case', alert.caseId ? `case #${alert.caseNumber ?? '?'} (${alert.caseId})` : 'no case'),
      );
      card.append(title, row);
      const tier = tierText(alert, world, now);
      if (tier) card.append(node('div', 'row alert-tier', tier));
      if (!alert.caseId && alert.state !== 'Closed' && alert.state !== 'Ignored') {
        const actions = node('div', 'actions');
        actions.append(button('Close in TheHive', 'small', () => api.act('/api/hive/close', { id: alert.id })));
        card.append(actions);
      }
      return card;
    }),
  );
}

export function renderDuo(world) {
  const pending = $('duo-pending');
  if (!world.duo.pending.length) pending.replaceChildren(node('div', 'empty', 'No login waiting for approval.'));
  else {
    pending.replaceChildren(
      ...world.duo.pending.map((prompt) => {
        const card = node('div', 'card duo-prompt');
        card.dataset.promptId = prompt.id;
        card.append(
          node('div', 'title', `Login request for ${prompt.username}${prompt.label ? ` (${prompt.label})` : ''}`),
        );
        card.append(node('div', 'row', `asked at ${clock(prompt.at)}`));
        const actions = node('div', 'actions');
        actions.append(
          button('Approve', 'sk-button sk-primary', () => decide(prompt.id, 'allow')),
          button('Deny', 'sk-button sk-danger', () => decide(prompt.id, 'deny')),
        );
        card.append(actions);
        return card;
      }),
    );
  }
  $('duo-outcomes').replaceChildren(
    ...world.duo.outcomes.slice(0, 5).map((outcome) => {
      const verdict = outcome.decision === 'allow' ? 'approved' : 'denied';
      const answer = outcome.callbackStatus === null ? outcome.callbackText : `bot answered ${outcome.callbackStatus}`;
      const line = node('div', 'small duo-outcome', `${clock(outcome.at)} ${outcome.username}: ${verdict} → ${answer}`);
      if (outcome.callbackText) line.title = outcome.callbackText;
      return line;
    }),
  );
}

export function renderNanitor(world, { keepInputs = false } = {}) {
  const form = $('nanitor-form');
  // Nanitor holds a fraction (0.93); the field is in percent. A value above 1 is already a percentage.
  const health = world.nanitor.health;
  const shown = { health: health <= 1 ? Math.round(health * 10_000) / 100 : health, p0: world.nanitor.p0 };
  for (const name of ['health', 'p0']) {
    const input = form.elements[name];
    if (keepInputs && document.activeElement === input) continue;
    input.value = String(shown[name]);
  }
}

async function decide(promptId, decision) {
  const outcome = await api.act('/api/duo/decide', { promptId, decision });
  if (!outcome) return;
  // Say what the bot answered, not only what Duo did: an approval the bot refuses (409) is not a success.
  const verb = decision === 'allow' ? 'approved' : 'denied';
  const said = outcome.callbackText || 'no answer';
  api.toast(
    outcome.callbackStatus === 200
      ? `Duo ${verb}. The bot: ${said}`
      : `Duo ${verb}, but the bot answered ${outcome.callbackStatus ?? '—'}: ${said}`,
  );
}

export function initPanels(deps) {
  api = deps;
  $('hive-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const form = e.target;
    const created = await api.act('/api/hive/alerts', {
      severity: Number(form.elements.severity.value),
      title: form.elements.title.value,
      description: form.elements.description.value,
      observables: form.elements.observables.value,
    });
    if (created) form.reset();
  });
  $('nanitor-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const form = e.target;
    const saved = await api.act('/api/nanitor', {
      healthPercent: Number(form.elements.health.value),
      p0: Number(form.elements.p0.value),
    });
    if (saved) api.toast('Nanitor updated.');
  });
  // Ages and tiers move with the clock, not only when TheHive changes.
  setInterval(() => {
    const world = api.getWorld();
    if (world) renderHive(world);
  }, 1000);
}
