/**
 * Labels of the public page, Vietnamese by default and English, kept apart from the operations
 * center's dictionary so the public bundle stays small. The language choice is shared with the
 * operations center (same localStorage key); `?lang=en` in the address also selects English.
 * Times are always shown in Asia/Ho_Chi_Minh.
 */
export type Lang = 'vi' | 'en';
export const TIME_ZONE = 'Asia/Ho_Chi_Minh';
const LANG_KEY = 'quantrac.lang';

const vi = {
  title: 'Chất lượng môi trường',
  subtitle: 'Dữ liệu quan trắc tự động, cập nhật hằng giờ',
  switchLang: 'English',
  stations: 'Trạm quan trắc',
  search: 'Tìm theo tên trạm, tỉnh/thành…',
  air: 'Không khí',
  water: 'Nước mặt',
  other: 'Khác',
  all: 'Tất cả',
  noIndex: 'Chưa có chỉ số',
  updated: 'Cập nhật',
  advice: 'Khuyến nghị sức khỏe',
  use: 'Mục đích sử dụng phù hợp',
  back: '← Tất cả các trạm',
  latest: 'Giá trị đo mới nhất',
  metric: 'Thông số',
  value: 'Giá trị',
  time: 'Thời điểm',
  last24h: '24 giờ qua (chỉ số giờ)',
  last30d: '30 ngày qua (chỉ số ngày)',
  last30dHourly: '30 ngày qua (chỉ số giờ)',
  noData: 'Chưa có dữ liệu công bố',
  notFound: 'Không tìm thấy trạm này',
  loadFailed: 'Không tải được dữ liệu. Vui lòng thử lại sau.',
  retry: 'Thử lại',
  legendAqi: 'VN_AQI (QĐ 1459/QĐ-TCMT)',
  legendWqi: 'VN_WQI (QĐ 1460/QĐ-TCMT)',
  licence: 'Giấy phép dữ liệu',
  source: 'Nguồn',
  api: 'API dữ liệu mở',
  adviceNote: 'Khuyến nghị được tóm tắt theo các mức của QĐ 1459/QĐ-TCMT, không phải nguyên văn.',
  map: 'Bản đồ các trạm',
  dominant: 'Thông số chi phối',
};
type Key = keyof typeof vi;

const en: Record<Key, string> = {
  title: 'Environmental quality',
  subtitle: 'Automatic monitoring data, updated hourly',
  switchLang: 'Tiếng Việt',
  stations: 'Monitoring stations',
  search: 'Search by station or province…',
  air: 'Air',
  water: 'Surface water',
  other: 'Other',
  all: 'All',
  noIndex: 'No index yet',
  updated: 'Updated',
  advice: 'Health advice',
  use: 'Suitable use',
  back: '← All stations',
  latest: 'Latest measured values',
  metric: 'Parameter',
  value: 'Value',
  time: 'Time',
  last24h: 'Last 24 hours (hourly index)',
  last30d: 'Last 30 days (daily index)',
  last30dHourly: 'Last 30 days (hourly index)',
  noData: 'No published data yet',
  notFound: 'This station was not found',
  loadFailed: 'The data could not be loaded. Please try again later.',
  retry: 'Retry',
  legendAqi: 'VN_AQI (Decision 1459/QĐ-TCMT)',
  legendWqi: 'VN_WQI (Decision 1460/QĐ-TCMT)',
  licence: 'Data licence',
  source: 'Source',
  api: 'Open data API',
  adviceNote: 'Advice summarised from the levels of Decision 1459/QĐ-TCMT, not its exact wording.',
  map: 'Map of the stations',
  dominant: 'Dominant pollutant',
};

function initialLang(): Lang {
  const fromUrl = new URLSearchParams(location.search).get('lang');
  if (fromUrl === 'en' || fromUrl === 'vi') return fromUrl;
  try {
    return localStorage.getItem(LANG_KEY) === 'en' ? 'en' : 'vi';
  } catch {
    return 'vi'; // storage blocked: Vietnamese
  }
}

let current: Lang = initialLang();

export function lang(): Lang {
  return current;
}
export function setLang(next: Lang): void {
  current = next;
  try {
    localStorage.setItem(LANG_KEY, next);
  } catch {
    // storage blocked: the choice lasts for this page only
  }
  document.documentElement.lang = next;
}
export function t(key: Key): string {
  return (current === 'vi' ? vi : en)[key];
}
/** Picks the current language from a { vi, en } text. */
export function loc(text: { vi: string; en: string } | null | undefined): string {
  return text ? text[current] || text.vi : '';
}
const locale = () => (current === 'vi' ? 'vi-VN' : 'en-GB');

export function fmtNum(value: number, decimals = 1): string {
  return new Intl.NumberFormat(locale(), { maximumFractionDigits: decimals }).format(value);
}
export function fmtDateTime(at: string): string {
  return new Intl.DateTimeFormat(locale(), { timeZone: TIME_ZONE, day: '2-digit', month: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false }).format(new Date(at));
}
export function fmtHour(at: string | number): string {
  return new Intl.DateTimeFormat(locale(), { timeZone: TIME_ZONE, hour: '2-digit', minute: '2-digit', hour12: false }).format(new Date(at));
}
export function fmtDay(day: string): string {
  return new Intl.DateTimeFormat(locale(), { timeZone: TIME_ZONE, day: '2-digit', month: '2-digit' }).format(new Date(`${day}T12:00:00+07:00`));
}
