import { card, codeBlock, formatTime, getJson, h, keyValues, table } from '../dom.js';
import { debounce } from '../live.js';

export function outboxView() {
  const body = h('div');
  const element = h(
    'div',
    { class: 'page' },
    h(
      'div',
      { class: 'page-header' },
      h('h1', { text: 'Outbox' }),
      h('span', { class: 'subtle', text: 'Mail the workflow and the worker sent, newest first' }),
    ),
    body,
  );
  const load = async () => {
    const { messages } = await getJson('/api/outbox');
    body.replaceChildren(
      card(
        null,
        table(
          [
            { title: 'Date', class: 'nowrap', cell: (m) => formatTime(m.date) },
            { title: 'From', cell: (m) => m.from },
            { title: 'To', cell: (m) => m.to.join(', ') },
            {
              title: 'Subject',
              class: 'name wrap',
              cell: (m) =>
                h('a', { href: `#/outbox/${encodeURIComponent(m.id)}`, text: m.subject || '(no subject)' }),
            },
            { title: 'Preview', class: 'wrap subtle', cell: (m) => m.preview },
          ],
          messages,
          'No mail sent yet.',
        ),
      ),
    );
  };
  // Replies are sent as executions move on.
  return { element, load, onChange: debounce(() => void load().catch(() => undefined), 800) };
}

export function outboxMessageView(id) {
  const element = h('div', { class: 'page' });
  const load = async () => {
    const message = await getJson(`/api/outbox/message?id=${encodeURIComponent(id)}`);
    const { entry } = message;
    element.replaceChildren(
      h('nav', { class: 'breadcrumb' }, h('a', { href: '#/outbox', text: 'Outbox' }), ' / ', entry.subject),
      h(
        'div',
        { class: 'page-header' },
        h('h1', { class: 'message-subject', text: entry.subject || '(no subject)' }),
      ),
      card(
        null,
        keyValues(
          [
            ['From', entry.from],
            ['To', entry.to.join(', ')],
            message.cc ? ['Cc', message.cc] : null,
            message.replyTo ? ['Reply-To', message.replyTo] : null,
            message.inReplyTo ? ['In-Reply-To', message.inReplyTo] : null,
            ['Date', formatTime(entry.date)],
            ['Message ID', entry.messageId],
            entry.relay
              ? ['Relay', entry.relay.delivered ? 'delivered' : `failed: ${entry.relay.error ?? ''}`]
              : null,
          ].filter(Boolean),
        ),
        codeBlock(message.text, 'message-body'),
      ),
    );
  };
  return { element, load };
}
