/**
 * @module bulletins/render-html
 * A bulletin as one self-contained, printable HTML document: no script, no external resource
 * (the style is inline), headings in Vietnamese first then English, every time in the
 * bulletin's zone (`timezone`, the agency's: Asia/Ho_Chi_Minh by default), and every text that comes from data (station names, rule messages,
 * provinces) escaped, so a hostile name stays text.
 */
import { VN_AQI_CATEGORIES } from '../domain/indices/index.js';
import { formatOffset, zoneOffsetMs } from '../lib/time.js';
import type { AlertItem, Bulletin, CategoryRef, DailyBulletin, MonthlyBulletin, StationCompleteness, Text } from './model.js';
import { bulletinPrecision, byUnit, MEAN_INDEX_DECIMALS, PERCENT_DECIMALS, roundTo, type MetricDecimals } from './precision.js';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML element content and quoted attribute values. */
export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

const bi = (vi: string, en: string) => `${esc(vi)} <span class="en">/ ${esc(en)}</span>`;
const both = (t: Text) => (t.vi === t.en ? esc(t.vi) : `${esc(t.vi)} <span class="en">/ ${esc(t.en)}</span>`);

const numberFormats = new Map<number, Intl.NumberFormat>();
/** `v` rounded to `digits` decimals (precision.ts), in Vietnamese notation (comma decimal separator). */
const num = (v: number | null | undefined, digits = 2) => {
  if (v === null || v === undefined) return '–';
  let f = numberFormats.get(digits);
  if (!f) numberFormats.set(digits, (f = new Intl.NumberFormat('vi-VN', { maximumFractionDigits: digits })));
  return f.format(roundTo(v, digits));
};
const pct = (c: StationCompleteness) => (c.percent === null ? '–' : `${num(c.percent, PERCENT_DECIMALS)} %`);
type Precision = ReturnType<typeof bulletinPrecision>;

const formats = new Map<string, { time: Intl.DateTimeFormat; dateTime: Intl.DateTimeFormat }>();
/** The HH:mm and date-time formats of a zone, made once per zone. */
function formatsOf(timeZone: string) {
  let f = formats.get(timeZone);
  if (!f) {
    f = {
      time: new Intl.DateTimeFormat('vi-VN', { timeZone, hour: '2-digit', minute: '2-digit', hour12: false }),
      dateTime: new Intl.DateTimeFormat('vi-VN', { timeZone, day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit', hour12: false }),
    };
    formats.set(timeZone, f);
  }
  return f;
}

/** An hour-ending label as local HH:mm, with the day's last hour as 24:00. */
function hourEnd(iso: string, dayEnd: string | undefined, timeZone: string): string {
  if (dayEnd && iso === dayEnd) return '24:00';
  return formatsOf(timeZone).time.format(new Date(iso));
}
const dateTime = (iso: string, timeZone: string) => formatsOf(timeZone).dateTime.format(new Date(iso));
function localDay(day: string): string {
  const [y, m, d] = day.split('-');
  return `${d}/${m}/${y}`;
}

function chip(value: number, c: CategoryRef): string {
  const n = parseInt(c.colour.slice(1), 16);
  const lum = (0.299 * ((n >> 16) & 255) + 0.587 * ((n >> 8) & 255) + 0.114 * (n & 255)) / 255;
  return `<span class="chip" style="background:${esc(c.colour)};color:${lum > 0.6 ? '#111' : '#fff'}">${esc(value)}</span> ${both(c.name)}`;
}

const AVERAGING: Record<string, Text> = {
  '1h': { vi: 'TB 1 giờ', en: '1-hour mean' },
  '8h': { vi: 'TB 8 giờ', en: '8-hour mean' },
  '24h': { vi: 'TB 24 giờ', en: '24-hour mean' },
};
const opSign = (op: 'above' | 'below') => (op === 'above' ? '>' : '<');

const STYLE = `
  @page { size: A4; margin: 14mm 12mm; }
  body { font-family: "DejaVu Sans", "Noto Sans", Arial, sans-serif; font-size: 10.5pt; color: #111; margin: 0 auto; max-width: 1100px; padding: 12px; }
  h1 { font-size: 17pt; margin: 0 0 4px; }
  h2 { font-size: 13pt; margin: 18px 0 6px; border-bottom: 2px solid #0b5394; padding-bottom: 2px; color: #0b5394; page-break-after: avoid; }
  h3 { font-size: 11pt; margin: 12px 0 4px; page-break-after: avoid; }
  .en { color: #555; font-weight: normal; }
  .meta { color: #333; margin: 2px 0; }
  table { border-collapse: collapse; width: 100%; margin: 4px 0 10px; page-break-inside: auto; }
  tr { page-break-inside: avoid; }
  th, td { border: 1px solid #bbb; padding: 3px 5px; text-align: left; vertical-align: top; }
  th { background: #eef3f8; font-weight: 600; }
  td.num { text-align: right; font-variant-numeric: tabular-nums; }
  .chip { display: inline-block; min-width: 2.2em; text-align: center; border-radius: 3px; padding: 0 4px; font-weight: 700; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .none { color: #555; font-style: italic; }
  .note { color: #444; font-size: 9pt; }
  footer { margin-top: 16px; color: #555; font-size: 8.5pt; border-top: 1px solid #ccc; padding-top: 4px; }
`;

function table(head: string[], rows: string[][], empty: [string, string]): string {
  if (rows.length === 0) return `<p class="none">${bi(empty[0], empty[1])}</p>`;
  return `<table><thead><tr>${head.map((h) => `<th>${h}</th>`).join('')}</tr></thead><tbody>${rows.map((r) => `<tr>${r.join('')}</tr>`).join('')}</tbody></table>`;
}
const td = (html: string, cls = '') => `<td${cls ? ` class="${cls}"` : ''}>${html}</td>`;

function alertRows(items: readonly AlertItem[], timeZone: string, dp: Precision): string[][] {
  return items.map((a) => [
    td(esc(dateTime(a.at, timeZone))),
    td(esc(a.stationName)),
    td(esc(a.severity)),
    td(both(a.message)),
    td(num(a.value, dp.alert(a)), 'num'),
    td(esc(a.rule)),
  ]);
}
const ALERT_HEAD = [bi('Thời điểm', 'Time'), bi('Trạm', 'Station'), bi('Mức độ', 'Severity'), bi('Nội dung', 'Message'), bi('Giá trị', 'Value'), bi('Quy tắc', 'Rule')];

function document(title: Text, b: Bulletin, body: string): string {
  return `<!DOCTYPE html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>${esc(title.vi)} – ${esc(b.scopeName.vi)} – ${esc(b.period)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>${both(title)}</h1>
<p class="meta">${bi('Phạm vi', 'Scope')}: <strong>${both(b.scopeName)}</strong></p>
<p class="meta">${bi('Kỳ báo cáo', 'Period')}: <strong>${esc(dateTime(b.from, b.timezone))} → ${esc(dateTime(b.to, b.timezone))}</strong> (${esc(b.timezone)}, UTC${formatOffset(zoneOffsetMs(b.timezone, Date.parse(b.from)))})</p>
<p class="meta">${bi('Thời điểm lập', 'Generated')}: ${esc(dateTime(b.generatedAt, b.timezone))}</p>
${body}
<footer>Quantrac · ${bi('Số liệu từ các trạm quan trắc tự động, liên tục; chỉ số VN_AQI theo Quyết định 1459/QĐ-TCMT; giới hạn theo QCVN 05:2023/BTNMT, QCVN 08:2023/BTNMT, QCVN 40:2011/BTNMT (cột B)', 'Data from automatic continuous monitoring stations; VN_AQI per Decision 1459/QĐ-TCMT; limits per QCVN 05:2023, 08:2023, 40:2011 (column B)')}</footer>
</body>
</html>
`;
}

function dailyBody(b: DailyBulletin, dp: Precision): string {
  const dayEnd = b.to;
  const parts: string[] = [];
  const air = b.stations.filter((s) => s.aqi !== null);
  parts.push(`<h2>1. ${bi('Chỉ số chất lượng không khí VN_AQI', 'Air quality index VN_AQI')}</h2>`);
  parts.push(
    table(
      [
        bi('Trạm', 'Station'),
        bi('Tỉnh/thành', 'Province'),
        bi('VN_AQI ngày', 'Daily VN_AQI'),
        bi('Thông số chính', 'Dominant'),
        bi('VN_AQI giờ cao nhất', 'Highest hourly VN_AQI'),
        bi('Giờ', 'Hour'),
      ],
      air.map((s) => [
        td(esc(s.name)),
        td(esc(s.province ?? '')),
        td(s.aqi!.daily ? chip(s.aqi!.daily.value, s.aqi!.daily.category) : '–'),
        td(esc(s.aqi!.daily?.dominant ?? '')),
        td(s.aqi!.maxHourly ? chip(s.aqi!.maxHourly.value, s.aqi!.maxHourly.category) : '–'),
        td(s.aqi!.maxHourly ? esc(hourEnd(s.aqi!.maxHourly.hourEnd, dayEnd, b.timezone)) : '–'),
      ]),
      ['Không có trạm không khí', 'No air quality station'],
    ),
  );
  parts.push(
    `<p class="note">${bi('Ngày VN_AQI gồm các giờ kết thúc lúc 01:00 … 24:00 (số liệu 00:00–24:00).', 'The VN_AQI day covers hours ending 01:00 … 24:00 (readings 00:00–24:00).')}</p>`,
  );

  parts.push(`<h2>2. ${bi('Vượt quy chuẩn kỹ thuật quốc gia (QCVN)', 'Exceedances of national technical regulations (QCVN)')}</h2>`);
  parts.push(
    table(
      [
        bi('Trạm', 'Station'),
        bi('Thông số', 'Parameter'),
        bi('Giới hạn', 'Limit'),
        bi('Trung bình', 'Averaging'),
        bi('Số lần vượt', 'Periods exceeding'),
        bi('Thời điểm (giờ kết thúc) và giá trị', 'When (period end) and value'),
        bi('Căn cứ', 'Source'),
      ],
      b.exceedances.map((e) => [
        td(esc(e.stationName)),
        td(esc(e.metric)),
        td(`${opSign(e.op)} ${esc(num(e.limit))} ${esc(e.unit)}`, 'num'),
        td(both(AVERAGING[e.averaging]!)),
        td(String(e.periods.length), 'num'),
        td(e.periods.map((p) => `${esc(hourEnd(p.end, dayEnd, b.timezone))}: ${esc(num(p.value, dp.metric(e.station, e.metric, e.unit)))}`).join('; ')),
        td(esc(e.source)),
      ]),
      ['Không có trạm nào vượt giới hạn', 'No station exceeded a limit'],
    ),
  );

  parts.push(`<h2>3. ${bi('Cảnh báo', 'Alerts')}</h2>`);
  parts.push(`<h3>${bi('Cảnh báo kích hoạt trong ngày', 'Alerts that fired during the day')} (${b.alerts.fired.length})</h3>`);
  parts.push(table(ALERT_HEAD, alertRows(b.alerts.fired, b.timezone, dp), ['Không có', 'None']));
  parts.push(`<h3>${bi('Cảnh báo đã kết thúc trong ngày', 'Alerts resolved during the day')} (${b.alerts.resolved.length})</h3>`);
  parts.push(table(ALERT_HEAD, alertRows(b.alerts.resolved, b.timezone, dp), ['Không có', 'None']));

  parts.push(`<h2>4. ${bi('Độ đầy đủ dữ liệu', 'Data completeness')}</h2>`);
  parts.push(
    table(
      [
        bi('Trạm', 'Station'),
        bi('Loại trạm', 'Type'),
        bi('Tỉnh/thành', 'Province'),
        bi('Dự kiến', 'Expected'),
        bi('Loại trừ (hiệu chuẩn, lỗi, bảo trì)', 'Excluded (calibrating, fault, maintenance)'),
        bi('Hợp lệ', 'Valid'),
        bi('Độ đầy đủ', 'Completeness'),
      ],
      b.stations.map((s) => [
        td(esc(s.name)),
        td(esc(s.profile)),
        td(esc(s.province ?? '')),
        td(String(s.completeness.expected), 'num'),
        td(String(s.completeness.excluded), 'num'),
        td(String(s.completeness.valid), 'num'),
        td(esc(pct(s.completeness)), 'num'),
      ]),
      ['Không có trạm', 'No station'],
    ),
  );
  parts.push(
    `<p class="note">${bi('Độ đầy đủ = hợp lệ ÷ (dự kiến − hiệu chuẩn − lỗi − bảo trì), như báo cáo độ đầy đủ của API phân tích.', 'Completeness = valid ÷ (expected − calibrating − fault − maintenance), as in the analyst API’s completeness report.')}</p>`,
  );

  parts.push(`<h2>5. ${bi('Số liệu theo trạm', 'Figures per station')}</h2>`);
  for (const s of b.stations) {
    parts.push(`<h3>${esc(s.name)} <span class="en">(${esc(s.id)}${s.province ? `, ${esc(s.province)}` : ''})</span></h3>`);
    parts.push(
      table(
        [
          bi('Thông số', 'Parameter'),
          bi('Đơn vị', 'Unit'),
          bi('TB ngày', 'Daily mean'),
          bi('Số giờ', 'Hours'),
          bi('TB giờ cao nhất', 'Highest hourly mean'),
          bi('Giờ', 'Hour'),
          bi('Độ đầy đủ', 'Completeness'),
        ],
        s.metrics.map((m) => [
          td(both(m.name)),
          td(esc(m.unit)),
          td(esc(num(m.mean, dp.metric(s.id, m.metric, m.unit))), 'num'),
          td(String(m.hours), 'num'),
          td(esc(num(m.maxHourlyMean, dp.metric(s.id, m.metric, m.unit))), 'num'),
          td(m.maxHourEnd ? esc(hourEnd(m.maxHourEnd, dayEnd, b.timezone)) : '–'),
          td(m.completeness === null ? '–' : `${esc(num(m.completeness, PERCENT_DECIMALS))} %`, 'num'),
        ]),
        ['Không có số liệu', 'No data'],
      ),
    );
  }
  return parts.join('\n');
}

/** Days per VN_AQI category, best category first, as coloured names. */
function categoryDays(days: Record<string, number>): string {
  const parts = VN_AQI_CATEGORIES.filter((c) => days[c.key]).map((c) => `${chip(days[c.key]!, { key: c.key, name: { vi: c.nameVi, en: c.nameEn }, colour: c.colorHex })}`);
  return parts.length > 0 ? parts.join('<br>') : '–';
}

function monthlyBody(b: MonthlyBulletin): string {
  const parts: string[] = [];
  parts.push(`<h2>1. ${bi('Tổng hợp theo trạm', 'Summary per station')}</h2>`);
  parts.push(
    table(
      [
        bi('Trạm', 'Station'),
        bi('Tỉnh/thành', 'Province'),
        bi('VN_AQI ngày trung bình', 'Mean daily VN_AQI'),
        bi('Số ngày theo mức', 'Days per category'),
        bi('Số ngày vượt QCVN', 'Days exceeding QCVN'),
        bi('Cảnh báo kích hoạt', 'Alerts fired'),
        bi('Độ đầy đủ', 'Completeness'),
      ],
      b.stations.map((s) => [
        td(esc(s.name)),
        td(esc(s.province ?? '')),
        td(s.aqi?.meanDaily != null ? esc(num(s.aqi.meanDaily, MEAN_INDEX_DECIMALS)) : '–', 'num'),
        td(s.aqi ? categoryDays(s.aqi.daysByCategory) : '–'),
        td(String(s.exceedanceDays.length), 'num'),
        td(String(s.alertsFired), 'num'),
        td(esc(pct(s.completeness)), 'num'),
      ]),
      ['Không có trạm', 'No station'],
    ),
  );
  parts.push(`<h2>2. ${bi('Vượt quy chuẩn kỹ thuật quốc gia (QCVN)', 'Exceedances of national technical regulations (QCVN)')}</h2>`);
  parts.push(
    table(
      [bi('Trạm', 'Station'), bi('Thông số', 'Parameter'), bi('Giới hạn', 'Limit'), bi('Trung bình', 'Averaging'), bi('Số ngày', 'Days'), bi('Ngày', 'Dates')],
      b.exceedances.map((e) => [
        td(esc(e.stationName)),
        td(esc(e.metric)),
        td(`${opSign(e.op)} ${esc(num(e.limit))} ${esc(e.unit)}`, 'num'),
        td(both(AVERAGING[e.averaging]!)),
        td(String(e.days.length), 'num'),
        td(e.days.map((d) => esc(localDay(d))).join(', ')),
      ]),
      ['Không có trạm nào vượt giới hạn', 'No station exceeded a limit'],
    ),
  );
  return parts.join('\n');
}

/** The bulletin as a complete HTML document; `decimals` gives each metric's resolution (bulletins/index.ts passes the profiles'). */
export function renderHtml(b: Bulletin, decimals: MetricDecimals = byUnit): string {
  if (b.kind === 'daily') {
    return document(
      { vi: `Bản tin quan trắc môi trường ngày ${localDay(b.period)}`, en: `Daily environmental monitoring bulletin, ${b.period}` },
      b,
      dailyBody(b, bulletinPrecision(b, decimals)),
    );
  }
  const [y, m] = b.period.split('-');
  return document({ vi: `Bản tin quan trắc môi trường tháng ${m}/${y}`, en: `Monthly environmental monitoring bulletin, ${b.period}` }, b, monthlyBody(b));
}
