/**
 * @module dashboard/web/awareness/prefs
 * The operator's own preferences, kept in this browser (localStorage): a beep and a browser
 * notification when a critical alert fires, and the colour theme (follow the system, light,
 * dark). The beep is generated with WebAudio (no sound file to ship); the notification permission
 * is asked only when the operator opts in.
 */
export type ThemeChoice = 'auto' | 'light' | 'dark';
export interface Prefs {
  sound: boolean;
  notify: boolean;
  theme: ThemeChoice;
}

const KEY = 'quantrac.prefs';
const listeners = new Set<() => void>();

export function prefs(): Prefs {
  let stored: Partial<Prefs> = {};
  try {
    stored = JSON.parse(localStorage.getItem(KEY) ?? '{}') as Partial<Prefs>;
  } catch {
    // a damaged entry: the defaults
  }
  const theme = stored.theme === 'light' || stored.theme === 'dark' ? stored.theme : 'auto';
  return { sound: stored.sound === true, notify: stored.notify === true, theme };
}

export function setPrefs(change: Partial<Prefs>): void {
  localStorage.setItem(KEY, JSON.stringify({ ...prefs(), ...change }));
  for (const fn of listeners) fn();
}
export function onPrefsChange(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

let audio: AudioContext | undefined;
/** Creates or wakes the audio context; browsers allow it only during a user gesture (a click). */
export function unlockAudio(): void {
  try {
    audio ??= new AudioContext();
    if (audio.state === 'suspended') void audio.resume();
  } catch {
    // no WebAudio: no beep
  }
}

/** Two short tones (880 Hz, then 660 Hz), about half a second. */
export function beep(): void {
  if (!audio) unlockAudio();
  if (!audio || audio.state !== 'running') return;
  const t0 = audio.currentTime;
  for (const [i, freq] of [880, 660].entries()) {
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.type = 'square';
    osc.frequency.value = freq;
    const start = t0 + i * 0.25;
    gain.gain.setValueAtTime(0.0001, start);
    gain.gain.exponentialRampToValueAtTime(0.2, start + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + 0.2);
    osc.connect(gain).connect(audio.destination);
    osc.start(start);
    osc.stop(start + 0.22);
  }
}

export function notificationsSupported(): boolean {
  return typeof Notification !== 'undefined';
}

/** Asks for the permission (only on opt-in); true when notifications may be shown. */
export async function askNotifications(): Promise<boolean> {
  if (!notificationsSupported()) return false;
  if (Notification.permission === 'granted') return true;
  if (Notification.permission === 'denied') return false;
  return (await Notification.requestPermission()) === 'granted';
}

export function showNotification(title: string, body: string, tag: string, onClick: () => void): void {
  if (!notificationsSupported() || Notification.permission !== 'granted') return;
  try {
    const n = new Notification(title, { body, tag, requireInteraction: true });
    n.onclick = () => {
      window.focus();
      onClick();
      n.close();
    };
  } catch (err) {
    console.warn('notification not shown', err);
  }
}
