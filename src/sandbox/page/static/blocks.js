// Block Kit → DOM. Text goes through mrkdwn.js (escaped first); attributes are set through the DOM,
// never by concatenating strings, so nothing in a message can become markup.
import { mrkdwnToHtml, textObjectToHtml } from './mrkdwn.js';

function el(tag, className, html) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (html !== undefined) node.innerHTML = html;
  return node;
}

/**
 * @param {Array<object>|undefined} blocks
 * @param {string} fallbackText the message's `text`, shown when there are no blocks
 * @param {{names: object, onButton: (button: object, opts?: {quiet: boolean}) => void, onLink: (url: string) => void}} ctx
 */
export function renderMessageBody(blocks, fallbackText, ctx) {
  const body = el('div', 'message-body');
  if (!Array.isArray(blocks) || blocks.length === 0) {
    body.appendChild(el('div', 'mrkdwn', mrkdwnToHtml(fallbackText, ctx.names)));
    return body;
  }
  for (const block of blocks) body.appendChild(renderBlock(block, ctx));
  return body;
}

function renderBlock(block, ctx) {
  switch (block.type) {
    case 'section':
      return section(block, ctx);
    case 'header':
      return el('div', 'block-header', textObjectToHtml(block.text, ctx.names));
    case 'context': {
      const node = el('div', 'block-context');
      for (const item of block.elements ?? []) {
        if (item.type === 'image') node.appendChild(el('span', 'context-image', '🖼'));
        else node.appendChild(el('span', 'context-item', textObjectToHtml(item, ctx.names)));
      }
      return node;
    }
    case 'actions': {
      const node = el('div', 'block-actions');
      for (const item of block.elements ?? []) node.appendChild(element(item, ctx));
      return node;
    }
    case 'divider':
      return el('hr', 'block-divider');
    case 'rich_text':
      return el('div', 'mrkdwn', mrkdwnToHtml(richTextToMrkdwn(block), ctx.names));
    default: {
      const node = el('div', 'block-unknown');
      node.textContent = `[${block.type} block]`;
      return node;
    }
  }
}

function section(block, ctx) {
  const node = el('div', 'block-section');
  const main = el('div', 'section-main');
  if (block.text) main.appendChild(el('div', 'mrkdwn', textObjectToHtml(block.text, ctx.names)));
  if (Array.isArray(block.fields) && block.fields.length) {
    const fields = el('div', 'section-fields');
    for (const field of block.fields) fields.appendChild(el('div', 'field mrkdwn', textObjectToHtml(field, ctx.names)));
    main.appendChild(fields);
  }
  node.appendChild(main);
  if (block.accessory) node.appendChild(element(block.accessory, ctx));
  return node;
}

function element(item, ctx) {
  if (item.type !== 'button') {
    const node = el('span', 'block-unknown');
    node.textContent = `[${item.type}]`;
    return node;
  }
  const button = el('button', `sk-button${item.style ? ` sk-${item.style}` : ''}`);
  button.type = 'button';
  button.textContent = item.text?.text ?? item.action_id;
  button.dataset.actionId = item.action_id ?? '';
  if (item.url) {
    // A link button opens its URL; Slack still sends the click to the app, as here.
    button.classList.add('sk-link');
    button.title = item.url;
    button.addEventListener('click', () => {
      ctx.onLink(item.url);
      if (item.action_id) ctx.onButton(item, { quiet: true });
    });
  } else {
    button.addEventListener('click', () => ctx.onButton(item));
  }
  return button;
}

/** Enough of rich_text for what bots usually send: text runs and links. */
function richTextToMrkdwn(block) {
  const parts = [];
  const walk = (node) => {
    if (!node || typeof node !== 'object') return;
    if (node.type === 'text')
      parts.push(
        String(node.text ?? '')
          .replace(/&/g, '&amp;')
          .replace(/</g, '&lt;'),
      );
    else if (node.type === 'link') parts.push(`<${node.url}|${node.text ?? node.url}>`);
    else if (node.type === 'user') parts.push(`<@${node.user_id}>`);
    for (const child of node.elements ?? []) walk(child);
  };
  walk(block);
  return parts.join('');
}
