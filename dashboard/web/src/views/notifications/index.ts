/**
 * The "Thông báo" / "Notifications" screen (admins, /notifications): tabs for routing policies
 * (the default), contact points, mute timings, on-call schedules, escalation chains and the
 * delivery log, over /api/v1/notifications/*. Every change reloads the whole model (small).
 */
import { h, replace } from '../../dom';
import type { Unmount, ViewContext } from '../../main';
import { contactPointsPanel } from './contact-points';
import { deliveriesPanel } from './deliveries';
import { loadModel, type Model } from './model';
import { chainsPanel, mutePanel, schedulesPanel } from './oncall';
import { policiesPanel } from './policies';
import { nt } from './text';

const TABS = ['policies', 'contactPoints', 'mute', 'schedules', 'chains', 'deliveries'] as const;
type Tab = (typeof TABS)[number];

export function mountNotifications(main: HTMLElement, _ctx: ViewContext): Unmount {
  let closed = false;
  const wanted = new URLSearchParams(location.search).get('tab') as Tab | null;
  let tab: Tab = wanted && TABS.includes(wanted) ? wanted : 'policies';
  let model: Model | undefined;
  const tabs = h('nav', { class: 'nt-tabs', role: 'tablist' });
  const content = h('div', { class: 'nt-content' });
  const status = h('p', { class: 'error', role: 'alert' });
  replace(main, h('section', { class: 'nt-screen' }, h('h2', {}, nt('title')), tabs, status, content));

  function draw(): void {
    replace(
      tabs,
      ...TABS.map((k) =>
        h(
          'button',
          {
            type: 'button',
            role: 'tab',
            class: k === tab ? 'active' : 'ghost',
            data: { testid: `nt-tab-${k}` },
            aria: { selected: String(k === tab) },
            on: { click: () => select(k) },
          },
          nt(k),
        ),
      ),
    );
    if (!model) return;
    const panels: Record<Tab, () => HTMLElement> = {
      policies: () => policiesPanel(model!, reload),
      contactPoints: () => contactPointsPanel(model!, reload),
      mute: () => mutePanel(model!, reload),
      schedules: () => schedulesPanel(model!, reload),
      chains: () => chainsPanel(model!, reload),
      deliveries: () => deliveriesPanel(),
    };
    replace(content, panels[tab]());
  }

  function select(k: Tab): void {
    tab = k;
    history.replaceState(null, '', `/notifications?tab=${k}`);
    draw();
  }

  async function reload(): Promise<void> {
    try {
      const m = await loadModel();
      if (closed) return;
      model = m;
      status.textContent = '';
      draw();
    } catch (err) {
      status.textContent = (err as Error).message;
    }
  }

  draw();
  void reload();
  return () => {
    closed = true;
  };
}
