/**
 * Vietnamese (default) and English labels, numbers in the chosen locale (vi-VN: comma decimal
 * separator), times always in Asia/Ho_Chi_Minh whatever the browser's zone.
 */
export type Lang = 'vi' | 'en';
export const TIME_ZONE = 'Asia/Ho_Chi_Minh';

const vi = {
  appTitle: 'Trung tâm điều hành quan trắc',
  signIn: 'Đăng nhập',
  signOut: 'Đăng xuất',
  username: 'Tên đăng nhập',
  password: 'Mật khẩu',
  badCredentials: 'Sai tên đăng nhập hoặc mật khẩu',
  tooManyLogins: 'Đăng nhập sai quá nhiều lần; vui lòng thử lại sau ít phút',
  overview: 'Tổng quan',
  alerts: 'Cảnh báo',
  language: 'English',
  stations: 'Trạm quan trắc',
  searchStations: 'Tìm trạm theo tên, mã, tỉnh…',
  stationsOnline: 'Trạm đang hoạt động',
  stationsOffline: 'Trạm mất kết nối',
  staleNote: 'không gửi dữ liệu',
  firingAlerts: 'Cảnh báo đang kích hoạt',
  completeness: 'Độ đầy đủ dữ liệu hôm nay',
  readingsPerSecond: 'Bản ghi mỗi giây',
  liveFeed: 'Cảnh báo đang mở',
  noAlerts: 'Không có cảnh báo đang mở',
  newCritical: 'Cảnh báo NGHIÊM TRỌNG mới',
  dismiss: 'Đã xem',
  state_online: 'Hoạt động',
  state_stale: 'Không có dữ liệu',
  state_offline: 'Mất kết nối',
  sev_critical: 'Nghiêm trọng',
  sev_warning: 'Cảnh báo',
  sev_info: 'Thông tin',
  st_pending: 'Chờ xác nhận',
  st_firing: 'Đang kích hoạt',
  st_acknowledged: 'Đã tiếp nhận',
  st_resolved: 'Đã xử lý',
  st_open: 'Đang mở',
  all: 'Tất cả',
  state: 'Trạng thái',
  severity: 'Mức độ',
  province: 'Tỉnh/thành',
  stationType: 'Loại trạm',
  station: 'Trạm',
  rule: 'Quy tắc',
  openedAt: 'Bắt đầu',
  value: 'Giá trị',
  message: 'Nội dung',
  history: 'Lịch sử',
  evidence: 'Số liệu kích hoạt',
  acknowledge: 'Tiếp nhận',
  resolve: 'Kết thúc',
  comment: 'Ghi chú',
  reason: 'Lý do',
  selectAlert: 'Chọn một cảnh báo để xem chi tiết',
  silences: 'Tạm dừng thông báo',
  newSilence: 'Tạm dừng thông báo mới',
  hours: 'Số giờ',
  create: 'Tạo',
  until: 'Đến',
  by: 'Bởi',
  latest: 'Giá trị mới nhất',
  metric: 'Thông số',
  unit: 'Đơn vị',
  quality: 'Chất lượng',
  limit: 'Giới hạn',
  time: 'Thời điểm',
  charts24h: 'Diễn biến 24 giờ',
  aqiHourly: 'VN_AQI giờ',
  aqiDaily: 'VN_AQI ngày',
  stationAlerts: 'Cảnh báo của trạm',
  noData: 'Chưa có dữ liệu',
  q_valid: 'Hợp lệ',
  q_calibrating: 'Hiệu chuẩn',
  q_fault: 'Lỗi thiết bị',
  q_out_of_range: 'Ngoài dải đo',
  q_maintenance: 'Bảo trì',
  openStation: 'Xem trạm',
  aqi: 'AQI',
  noAqi: 'chưa có AQI',
  lastReading: 'Số liệu gần nhất',
  legend: 'Chú giải',
  manage: 'Quản lý trạm',
  name: 'Tên',
  enabled: 'Đang sử dụng',
  save: 'Lưu',
  saved: 'Đã lưu',
  addStation: 'Thêm trạm',
  stationId: 'Mã trạm',
  lat: 'Vĩ độ',
  lon: 'Kinh độ',
  secretOnce: 'Khóa bí mật của trạm (chỉ hiển thị một lần):',
  reconnecting: 'Mất kết nối trực tuyến, đang kết nối lại…',
  error: 'Lỗi',
  mean: 'TB',
  close: 'Đóng',
  bulletins: 'Bản tin',
  bulletinDaily: 'Ngày',
  bulletinMonthly: 'Tháng',
  bulletinKind: 'Loại bản tin',
  period: 'Kỳ',
  scope: 'Phạm vi',
  wholeSystem: 'Toàn hệ thống',
  exceedances: 'Trạm / lần vượt QCVN',
  alertsFired: 'Cảnh báo kích hoạt',
  completenessShort: 'Độ đầy đủ',
  generatedAt: 'Thời điểm lập',
  downloads: 'Tải về',
  generateBulletin: 'Lập bản tin',
  generateNow: 'Lập ngay',
  generating: 'Đang lập…',
  generated: 'Đã lập',
  noBulletins: 'Chưa có bản tin',
  openData: 'Dữ liệu mở',
  openPublicPage: 'Xem trang công khai ↗',
  openPublished: 'Công bố',
  openMetrics: 'Thông số công bố',
  openValidatedThrough: 'Đã kiểm định đến (giờ VN)',
  openPublishedThrough: 'Công bố đến',
  openDefault: 'Mặc định',
  openPublic: 'Công khai',
  openNotPublic: 'Không công khai',
  openIsPublic: 'Đang công khai',
  openIsHidden: 'Không công khai',
  openLicence: 'Giấy phép',
  openEmbargo: 'Công bố chậm',
  openValidatedOnly: 'Chỉ số liệu đã kiểm định',
  openRaw: 'Số liệu phút',
  yes: 'có',
  no: 'không',
  noStations: 'Không có trạm',
};
type Key = keyof typeof vi;

const en: Record<Key, string> = {
  appTitle: 'Monitoring operations center',
  signIn: 'Sign in',
  signOut: 'Sign out',
  username: 'Username',
  password: 'Password',
  badCredentials: 'Wrong username or password',
  tooManyLogins: 'Too many failed sign-ins; try again in a few minutes',
  overview: 'Overview',
  alerts: 'Alerts',
  language: 'Tiếng Việt',
  stations: 'Stations',
  searchStations: 'Search stations by name, id, province…',
  stationsOnline: 'Stations online',
  stationsOffline: 'Stations offline',
  staleNote: 'silent',
  firingAlerts: 'Firing alerts',
  completeness: "Today's data completeness",
  readingsPerSecond: 'Readings per second',
  liveFeed: 'Open alerts',
  noAlerts: 'No open alerts',
  newCritical: 'New CRITICAL alert',
  dismiss: 'Seen',
  state_online: 'Online',
  state_stale: 'Stale',
  state_offline: 'Offline',
  sev_critical: 'Critical',
  sev_warning: 'Warning',
  sev_info: 'Info',
  st_pending: 'Pending',
  st_firing: 'Firing',
  st_acknowledged: 'Acknowledged',
  st_resolved: 'Resolved',
  st_open: 'Open',
  all: 'All',
  state: 'State',
  severity: 'Severity',
  province: 'Province',
  stationType: 'Station type',
  station: 'Station',
  rule: 'Rule',
  openedAt: 'Opened',
  value: 'Value',
  message: 'Message',
  history: 'History',
  evidence: 'Triggering readings',
  acknowledge: 'Acknowledge',
  resolve: 'Resolve',
  comment: 'Comment',
  reason: 'Reason',
  selectAlert: 'Select an alert to see its details',
  silences: 'Silences',
  newSilence: 'New silence',
  hours: 'Hours',
  create: 'Create',
  until: 'Until',
  by: 'By',
  latest: 'Latest values',
  metric: 'Metric',
  unit: 'Unit',
  quality: 'Quality',
  limit: 'Limit',
  time: 'Time',
  charts24h: 'Last 24 hours',
  aqiHourly: 'Hourly VN_AQI',
  aqiDaily: 'Daily VN_AQI',
  stationAlerts: "Station's alerts",
  noData: 'No data yet',
  q_valid: 'Valid',
  q_calibrating: 'Calibrating',
  q_fault: 'Fault',
  q_out_of_range: 'Out of range',
  q_maintenance: 'Maintenance',
  openStation: 'Open station',
  aqi: 'AQI',
  noAqi: 'no AQI yet',
  lastReading: 'Last reading',
  legend: 'Legend',
  manage: 'Manage station',
  name: 'Name',
  enabled: 'In service',
  save: 'Save',
  saved: 'Saved',
  addStation: 'Add station',
  stationId: 'Station id',
  lat: 'Latitude',
  lon: 'Longitude',
  secretOnce: "The station's secret (shown only once):",
  reconnecting: 'Live connection lost, reconnecting…',
  error: 'Error',
  mean: 'mean',
  close: 'Close',
  bulletins: 'Bulletins',
  bulletinDaily: 'Daily',
  bulletinMonthly: 'Monthly',
  bulletinKind: 'Kind',
  period: 'Period',
  scope: 'Scope',
  wholeSystem: 'Whole system',
  exceedances: 'Stations / QCVN exceedances',
  alertsFired: 'Alerts fired',
  completenessShort: 'Completeness',
  generatedAt: 'Generated',
  downloads: 'Downloads',
  generateBulletin: 'Generate a bulletin',
  generateNow: 'Generate now',
  generating: 'Generating…',
  generated: 'Generated',
  noBulletins: 'No bulletin yet',
  openData: 'Open data',
  openPublicPage: 'See the public page ↗',
  openPublished: 'Published',
  openMetrics: 'Published metrics',
  openValidatedThrough: 'Validated through (Vietnam time)',
  openPublishedThrough: 'Published through',
  openDefault: 'Default',
  openPublic: 'Public',
  openNotPublic: 'Not public',
  openIsPublic: 'Public now',
  openIsHidden: 'Not public',
  openLicence: 'Licence',
  openEmbargo: 'Embargo',
  openValidatedOnly: 'Validated data only',
  openRaw: 'Minute data',
  yes: 'yes',
  no: 'no',
  noStations: 'No station',
};

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
  return new Intl.DateTimeFormat(locale(), { timeZone: TIME_ZONE, day: '2-digit', month: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false }).format(new Date(at));
}
export function fmtTime(at: string | number): string {
  return new Intl.DateTimeFormat(locale(), { timeZone: TIME_ZONE, hour: '2-digit', minute: '2-digit', hour12: false }).format(new Date(at));
}
export function fmtDay(day: string): string {
  return new Intl.DateTimeFormat(locale(), { timeZone: TIME_ZONE, day: '2-digit', month: '2-digit', year: 'numeric' }).format(new Date(`${day}T00:00:00+07:00`));
}
