/**
 * The simulator's stand-in for the Duo Universal Prompt: a plain HTML page
 * with Approve / Deny buttons. Everything that came from a request is escaped,
 * because the username is whatever the client put in its signed request.
 */

export function escapeHtml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:sans-serif;max-width:28rem;margin:4rem auto}button{font-size:1.1rem;margin-right:1rem}</style>
</head>
<body>
${body}
</body>
</html>
`;
}

export function renderPromptPage(prompt: { id: string; username: string }, decideAction: string): string {
  return page(
    'Duo Security (simulated)',
    `<h1>Duo Security (simulated)</h1>
<p>Verify it's you: a push was sent for <strong data-testid="duo-username">${escapeHtml(prompt.username)}</strong>.</p>
<form method="post" action="${escapeHtml(decideAction)}">
<button type="submit" name="decision" value="allow" data-testid="duo-approve">Approve</button>
<button type="submit" name="decision" value="deny" data-testid="duo-deny">Deny</button>
</form>`,
  );
}

export function renderErrorPage(status: number, message: string): string {
  return page('Duo Security (simulated): error', `<h1>Error ${status}</h1>\n<p>${escapeHtml(message)}</p>`);
}
