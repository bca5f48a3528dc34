/**
 * @module dashboard/web/theme
 * Light or dark colours: the operator's choice (awareness/prefs.ts), or the system's
 * (prefers-color-scheme) when the choice is "auto". The result is `data-theme` on <html>, which
 * styles.css reads; the wall layout forces dark.
 */
import { onPrefsChange, prefs } from './awareness/prefs';

const media = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : undefined;
let forced: 'dark' | undefined;

export function applyTheme(): void {
  const choice = prefs().theme;
  const dark = forced === 'dark' || choice === 'dark' || (choice === 'auto' && media?.matches === true);
  document.documentElement.dataset.theme = dark ? 'dark' : 'light';
}

/** The wall layout: dark whatever the preference, until released. */
export function forceDark(on: boolean): void {
  forced = on ? 'dark' : undefined;
  applyTheme();
}

media?.addEventListener('change', applyTheme);
onPrefsChange(applyTheme);
applyTheme();
