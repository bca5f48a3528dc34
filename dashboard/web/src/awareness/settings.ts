/**
 * @module dashboard/web/awareness/settings
 * The header's small preferences popover: beep on a critical alert, browser notification on a
 * critical alert (the permission is asked when ticked), and the theme (system, light, dark).
 */
import { h } from '../dom';
import { t } from '../i18n';
import { askNotifications, beep, notificationsSupported, prefs, setPrefs, unlockAudio, type ThemeChoice } from './prefs';

export function settingsButton(): HTMLElement {
  const panel = h('div', { class: 'settings-pop', role: 'dialog', hidden: true, data: { testid: 'settings' } });
  const button = h(
    'button',
    { type: 'button', class: 'ghost settings-btn', title: t('preferences'), aria: { label: t('preferences'), expanded: 'false' }, data: { testid: 'settings-toggle' } },
    '⚙',
  );
  const wrap = h('div', { class: 'settings-wrap' }, button, panel);

  function fill(): void {
    const p = prefs();
    const status = h('p', { class: 'muted small' });
    const sound = h('input', { type: 'checkbox', name: 'sound', checked: p.sound });
    const notify = h('input', { type: 'checkbox', name: 'notify', checked: p.notify, disabled: !notificationsSupported() });
    const theme = h(
      'select',
      { name: 'theme' },
      ...(['auto', 'light', 'dark'] as const).map((v) => h('option', { value: v }, t(v === 'auto' ? 'themeAuto' : v === 'light' ? 'themeLight' : 'themeDark'))),
    );
    theme.value = p.theme;
    sound.addEventListener('change', () => {
      if (sound.checked) {
        unlockAudio();
        beep();
      }
      setPrefs({ sound: sound.checked });
    });
    notify.addEventListener('change', () => {
      if (!notify.checked) return setPrefs({ notify: false });
      void askNotifications().then((ok) => {
        notify.checked = ok;
        setPrefs({ notify: ok });
        status.textContent = ok ? '' : t('notifyDenied');
      });
    });
    theme.addEventListener('change', () => setPrefs({ theme: theme.value as ThemeChoice }));
    panel.replaceChildren(
      h('strong', {}, t('preferences')),
      h('label', { class: 'check' }, sound, t('soundOnCritical')),
      h('label', { class: 'check' }, notify, t('notifyOnCritical')),
      h('label', {}, t('theme'), ' ', theme),
      status,
    );
  }

  button.addEventListener('click', (ev) => {
    ev.stopPropagation();
    const open = panel.hidden;
    if (open) fill();
    panel.hidden = !open;
    button.setAttribute('aria-expanded', String(open));
  });
  panel.addEventListener('click', (ev) => ev.stopPropagation());
  return wrap;
}

// one listener for the page: a click elsewhere closes the popover
document.addEventListener('click', () => {
  for (const pop of document.querySelectorAll<HTMLElement>('.settings-pop')) pop.hidden = true;
  for (const b of document.querySelectorAll('.settings-btn')) b.setAttribute('aria-expanded', 'false');
});
