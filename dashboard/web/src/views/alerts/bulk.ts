/**
 * @module dashboard/web/views/alerts/bulk
 * Acknowledging many alerts at once: the operator ticks rows, writes one comment, and the page
 * acknowledges each alert in turn (one POST per alert: the API has no bulk endpoint), showing
 * progress and, per alert, any failure.
 */
import { api } from '../../api';
import { h, replace } from '../../dom';
import { fmtNum, t } from '../../i18n';

export interface BulkBar {
  el: HTMLElement;
  /** The ticked alerts (only firing or pending ones can be acknowledged). */
  show(selected: ReadonlySet<number>): void;
}

export function createBulkBar(label: (id: number) => string, done: (acknowledged: number[]) => Promise<void>): BulkBar {
  const count = h('strong', { data: { testid: 'bulk-count' } });
  const comment = h('input', { name: 'comment', placeholder: t('comment'), required: true, data: { testid: 'bulk-comment' } });
  const button = h('button', { type: 'submit', data: { testid: 'bulk-ack' } }, t('acknowledgeSelected'));
  const progress = h('span', { class: 'muted', role: 'status', data: { testid: 'bulk-progress' } });
  const failures = h('ul', { class: 'error bulk-failures', data: { testid: 'bulk-failures' } });
  const form = h(
    'form',
    { class: 'inline bulk-bar', data: { testid: 'bulk-bar' }, hidden: true, on: { submit: (ev) => void run(ev) } },
    count,
    comment,
    button,
    progress,
    failures,
  );
  let ids: number[] = [];
  let running = false;

  async function run(ev: Event): Promise<void> {
    ev.preventDefault();
    if (running || ids.length === 0) return;
    running = true;
    button.disabled = true;
    replace(failures);
    const ok: number[] = [];
    const pending = [...ids];
    for (const [i, id] of pending.entries()) {
      progress.textContent = `${t('acknowledging')} ${fmtNum(i + 1, 0)}/${fmtNum(pending.length, 0)}…`;
      try {
        await api('POST', `/api/v1/alerts/${id}/ack`, { comment: comment.value });
        ok.push(id);
      } catch (err) {
        failures.append(h('li', { data: { id: String(id) } }, `${label(id)}: ${(err as Error).message}`));
      }
    }
    progress.textContent = `${t('acknowledged')}: ${fmtNum(ok.length, 0)}/${fmtNum(pending.length, 0)}`;
    running = false;
    button.disabled = false;
    if (ok.length === pending.length) comment.value = '';
    await done(ok);
  }

  return {
    el: form,
    show(selected) {
      ids = [...selected];
      count.textContent = `${fmtNum(ids.length, 0)} ${t('selected')}`;
      button.disabled = running || ids.length === 0;
      // keep the outcome of the last run visible after the selection empties
      form.hidden = ids.length === 0 && !progress.textContent;
    },
  };
}
