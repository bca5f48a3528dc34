/**
 * Vietnamese (default) and English labels, numbers in the chosen locale (vi-VN: comma decimal
 * separator), times always in Asia/Ho_Chi_Minh whatever the browser's zone. The dictionaries are
 * i18n-vi.ts and i18n-en.ts.
 */
import { vi } from './i18n-vi';
import { en, type Key } from './i18n-en';

export type Lang = 'vi' | 'en';
export const TIME_ZONE = 'Asia/Ho_Chi_Minh';

const LANG_KEY = 'quantrac.lang';
let current: Lang = localStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'vi';
const listeners = new Set<() => void>();

export function lang(): Lang {
  return current;
}
export function setLang(next: Lang): void {
  current = next;
  localStorage.setItem(LANG_KEY, next);
  document.documentElement.lang = next;
  for (const fn of listeners) fn();
}
export function onLangChange(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}
export function t(key: Key): string {
  return (current === 'vi' ? vi : en)[key];
}
/** A key built at run time (state_…, sev_…, q_…); falls back to the raw value. */
export function tk(prefix: string, value: string): string {
  const key = `${prefix}_${value}` as Key;
  return key in vi ? t(key) : value;
}
/** Picks the current language from a { en, vi } text. */
export function loc(text: { en: string; vi: string } | null | undefined): string {
  return text ? text[current] || text.en : '';
}
const locale = () => (current === 'vi' ? 'vi-VN' : 'en-GB');

const numberFormats = new Map<string, Intl.NumberFormat>();
export function fmtNum(value: number | null | undefined, decimals = 1): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  const key = `${current}:${decimals}`;
  let f = numberFormats.get(key);
  if (!f) numberFormats.set(key, (f = new Intl.NumberFormat(locale(), { maximumFractionDigits: decimals, minimumFractionDigits: 0 })));
  return f.format(value);
}
export function fmtPercent(value: number | null): string {
  return value === null ? '–' : new Intl.NumberFormat(locale(), { style: 'percent', maximumFractionDigits: 1 }).format(value);
}
export function fmtDateTime(at: string | number | null | undefined): string {
  if (at === null || at === undefined) return '–';
  return new Intl.DateTimeFormat(locale(), { timeZone: TIME_ZONE, day: '2-digit', month: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false }).format(
    new Date(at),
  );
}
export function fmtTime(at: string | number): string {
  return new Intl.DateTimeFormat(locale(), { timeZone: TIME_ZONE, hour: '2-digit', minute: '2-digit', hour12: false }).format(new Date(at));
}
export function fmtDay(day: string): string {
  return new Intl.DateTimeFormat(locale(), { timeZone: TIME_ZONE, day: '2-digit', month: '2-digit', year: 'numeric' }).format(new Date(`${day}T00:00:00+07:00`));
}
