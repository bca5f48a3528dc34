/**
 * @module bulletins/pdf
 * Prints a bulletin's HTML to PDF with the headless Chromium of the machine (Debian's
 * /usr/bin/chromium) driven by playwright-core. Never downloads a browser: when the executable
 * (or playwright-core, a development dependency) is missing, PDF is skipped and the reason is
 * given. One browser at a time, launched for a print and closed after it; every network request
 * from the page is refused (the document is self-contained).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSerial } from '../lib/serial.js';

/** Flags as in test/dashboard.test.ts (STACK-NOTES: browser tests). */
export const CHROMIUM_ARGS: readonly string[] = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export type PdfMode = 'auto' | 'on' | 'off';

export interface PdfPrinter {
  /** Why PDF is not produced, or undefined when it is. */
  readonly unavailable: string | undefined;
  /** Why the last forced close at shutdown failed, if it did. */
  readonly lastCloseError: unknown;
  /** The PDF bytes, or undefined (with `unavailable` set) when PDF is off or impossible here. */
  print(html: string): Promise<Buffer | undefined>;
  close(): Promise<void>;
}

export interface PdfOptions {
  mode: PdfMode;
  executablePath: string;
  /** Longest a print may take, ms. */
  timeoutMs?: number;
}

/** How long close() waits for a print whose browser is still starting, ms. */
const CLOSE_WAIT_MS = 5000;

export function createPdfPrinter({ mode, executablePath, timeoutMs = 60_000 }: PdfOptions): PdfPrinter {
  let unavailable: string | undefined = mode === 'off' ? 'BULLETIN_PDF=off' : existsSync(executablePath) ? undefined : `no Chromium at ${executablePath}`;
  // One browser at a time: prints queue here.
  const serial = createSerial();
  let closed = false;
  /** The browser of the print under way: closed at once by close(), so a shutdown never waits for a print. */
  let current: { close(): Promise<void> } | undefined;
  /** Why the last forced close failed, if it did (kept for diagnosis; the shutdown goes on). */
  let lastCloseError: unknown;

  async function printNow(html: string): Promise<Buffer | undefined> {
    let chromium: typeof import('playwright-core').chromium;
    try {
      ({ chromium } = await import('playwright-core'));
    } catch (err) {
      unavailable = `playwright-core is not installed (${(err as Error).message})`;
      return undefined;
    }
    // queued before a shutdown began: no browser is started for it
    if (closed) return undefined;
    const profileDir = mkdtempSync(join(tmpdir(), 'quantrac-bulletin-pdf-'));
    try {
      const context = await chromium.launchPersistentContext(profileDir, { executablePath, headless: true, args: [...CHROMIUM_ARGS], timeout: timeoutMs });
      current = context;
      try {
        // closed while the browser started: no print, and nothing left running
        if (closed) return undefined;
        await context.route('**/*', (route) => route.abort());
        const page = context.pages()[0] ?? (await context.newPage());
        await page.setContent(html, { waitUntil: 'load', timeout: timeoutMs });
        return await page.pdf({ format: 'A4', printBackground: true, margin: { top: '12mm', bottom: '12mm', left: '10mm', right: '10mm' } });
      } finally {
        current = undefined;
        await context.close();
      }
    } finally {
      rmSync(profileDir, { recursive: true, force: true });
    }
  }

  return {
    get unavailable() {
      return unavailable;
    },
    get lastCloseError() {
      return lastCloseError;
    },
    print(html) {
      if (unavailable !== undefined || closed) return Promise.resolve(undefined);
      return serial(() => printNow(html));
    },
    async close() {
      closed = true;
      // the print under way fails at once (its page is gone) instead of holding the shutdown
      if (current) {
        const [closing] = await Promise.allSettled([current.close()]);
        // a browser that is already going away may refuse: the print under way reports its own failure
        if (closing.status === 'rejected') lastCloseError = closing.reason;
      }
      // A browser still starting cannot be closed from here: wait for it at most CLOSE_WAIT_MS
      // (its print then sees `closed` and closes it); past that the shutdown goes on, and the
      // browser, whose pipe is this process, goes with the process.
      let timer: NodeJS.Timeout | undefined;
      const settled = await Promise.race([serial(async () => true), new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), CLOSE_WAIT_MS)))]);
      clearTimeout(timer);
      if (!settled) lastCloseError ??= `a browser was still starting ${CLOSE_WAIT_MS} ms after the shutdown began`;
    },
  };
}
