import { describe, expect, it } from 'vitest';
import { loadProfiles } from '../device-profiles/index.js';
import type { AlertRecord } from '../domain/alerts.js';
import type { Rule } from '../alerts/rules/types.js';
import type { Station } from '../store/stations.js';
import { renderTemplate, TemplateError } from './channels/template.js';
import { renderMessage } from './messages.js';
import { createSecretBox } from './secrets.js';
import { matchPolicies, type AlertContext } from './policies.js';
import type { Policy } from '../store/notifications-routing.js';

const profiles = loadProfiles();
const station = { id: 'HN-01', name: 'Nguyễn Văn Cừ', profileId: 'air-quality', province: 'Hà Nội', timezone: 'Asia/Ho_Chi_Minh' } as Station;
const rule = { id: 'r', kind: 'threshold', metric: 'pm25', raise: 50, clear: 45, source: 'QCVN 05:2023/BTNMT, Bảng 1', severity: 'critical' } as unknown as Rule;
const alert = {
  id: 42,
  stationId: 'HN-01',
  severity: 'critical',
  state: 'firing',
  value: 152.34,
  level: null,
  firingAt: new Date('2026-11-22T07:05:00Z'),
  resolvedAt: null,
  updatedAt: new Date('2026-11-22T07:05:00Z'),
  message: { en: 'PM2.5 above 50', vi: 'PM2,5 vượt 50' },
} as AlertRecord;
const ctx: AlertContext = { alert, station, rule, pack: 'qcvn05', kind: 'observed' };

describe('messages', () => {
  it('writes Vietnamese by default: station, metric, value with unit, limit and standard, VN_AQI, local time, links', () => {
    const m = renderMessage(
      { reason: 'firing', language: 'vi', items: [{ ctx, alertUrl: 'https://x/alerts?id=42', ackUrl: 'https://x/ack/t', vnAqi: 205 }], ackValidHours: 24 },
      profiles,
    );
    expect(m.subject).toBe('[Quantrac] NGHIÊM TRỌNG: PM2,5 vượt 50');
    expect(m.text).toContain('Trạm: Nguyễn Văn Cừ (HN-01), Hà Nội');
    expect(m.text).toContain('Giá trị: 152,3 µg/m³');
    expect(m.text).toContain('Giới hạn: 50 µg/m³ (QCVN 05:2023/BTNMT, Bảng 1)');
    expect(m.text).toContain('VN_AQI: 205 – Rất xấu');
    expect(m.text).toContain('Thời điểm: 14:05 22/11/2026 (giờ Việt Nam)');
    expect(m.text).toContain('https://x/ack/t');
  });
  it('writes English for a contact point that asks for it', () => {
    const m = renderMessage({ reason: 'resolved', language: 'en', items: [{ ctx, alertUrl: 'u' }], ackValidHours: 24 }, profiles);
    expect(m.subject).toBe('[Quantrac] Resolved: PM2.5 above 50');
    expect(m.text).toContain('Value: 152.3 µg/m³');
    expect(m.text).toContain('Time: 22/11/2026 14:05 (Vietnam time)');
  });
  it('fills templates with escaping, and refuses an unknown placeholder', () => {
    expect(renderTemplate('{"t":"{{text}}"}', { text: 'a "b"\nc' }, 'json')).toBe('{"t":"a \\"b\\"\\nc"}');
    expect(renderTemplate('to={{to}}', { to: '+84 9' }, 'form')).toBe('to=%2B84%209');
    expect(() => renderTemplate('{{nope}}', {}, 'text')).toThrow(TemplateError);
  });
});

describe('routing policies', () => {
  const p = (id: number, matchers: Policy['matchers'], continueMatching = false) => ({ id, enabled: true, matchers, continueMatching }) as Policy;
  it('takes the first match unless it continues; empty matchers match anything', () => {
    const policies = [p(1, { severities: ['warning'] }), p(2, { provinces: ['Hà Nội'] }, true), p(3, { kinds: ['observed'], packs: ['qcvn05'] }), p(4, {})];
    expect(matchPolicies(policies, ctx).map((x) => x.id)).toEqual([2, 3]);
    expect(matchPolicies(policies, { ...ctx, kind: 'forecast' }).map((x) => x.id)).toEqual([2, 4]);
  });
});

describe('secrets', () => {
  it('encrypts with AES-256-GCM and refuses a tampered blob', () => {
    const box = createSecretBox(Buffer.alloc(32, 7));
    const blob = box.encrypt({ password: 'mật khẩu' })!;
    expect(blob).not.toContain('mật');
    expect(box.decrypt(blob)).toEqual({ password: 'mật khẩu' });
    const parts = blob.split('.');
    parts[2] = Buffer.from('x' + Buffer.from(parts[2]!, 'base64').toString('latin1'), 'latin1').toString('base64');
    expect(() => box.decrypt(parts.join('.'))).toThrow();
  });
});
