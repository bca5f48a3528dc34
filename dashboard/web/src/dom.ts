/**
 * DOM building without markup strings: every text goes through a Text node (textContent), so
 * nothing a station or a user sends (names, comments, rule messages) can become markup. There is
 * deliberately no helper that takes HTML.
 */
export type Child = Node | string | number | null | undefined | false;

export interface Attrs {
  class?: string;
  title?: string;
  href?: string;
  target?: string;
  rel?: string;
  type?: string;
  name?: string;
  value?: string;
  placeholder?: string;
  for?: string;
  id?: string;
  role?: string;
  disabled?: boolean;
  hidden?: boolean;
  checked?: boolean;
  min?: string;
  max?: string;
  step?: string;
  rows?: string;
  colspan?: string;
  required?: boolean;
  autocomplete?: string;
  data?: Record<string, string>;
  aria?: Record<string, string>;
  style?: Partial<Record<'background' | 'color' | 'borderColor' | 'width' | 'height', string>>;
  on?: Partial<{ [K in keyof HTMLElementEventMap]: (ev: HTMLElementEventMap[K]) => void }>;
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (key === 'class') el.className = value as string;
    else if (key === 'data') for (const [k, v] of Object.entries(value as Record<string, string>)) el.dataset[k] = v;
    else if (key === 'aria') for (const [k, v] of Object.entries(value as Record<string, string>)) el.setAttribute(`aria-${k}`, v);
    else if (key === 'style') Object.assign(el.style, value);
    else if (key === 'on') for (const [ev, fn] of Object.entries(value as Record<string, EventListener>)) el.addEventListener(ev, fn);
    else if (value === true) el.setAttribute(key, '');
    else el.setAttribute(key, String(value));
  }
  append(el, ...children);
  return el;
}

export function append(parent: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

/** Replaces all children of `el`. */
export function replace(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, ...children);
}

/** Lower-case, without Vietnamese diacritics (đ → d), for searching names. */
export function fold(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/đ/g, 'd')
    .replace(/Đ/g, 'd')
    .toLowerCase();
}
