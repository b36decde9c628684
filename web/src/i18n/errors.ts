/**
 * Server errors in the user's language: every code of server/errors.ts, every `params.reason` a
 * code may carry, and every import-row reason (domain/problem-import.ts ROW_REASONS), in zh-CN
 * and English. The server's `message` (English) is never shown in the zh-CN page.
 * test/web/error-messages.test.ts holds these tables complete.
 */
import type { ErrorCode } from '../../../server/errors.js';
import type { RowReason } from '../../../domain/problem-import.js';
import { actionLabel, getLang, type Lang } from './index.js';

type Text = { 'zh-CN': string; en: string };

export const ERROR_TEXT: Record<ErrorCode, Text> = {
  BAD_REQUEST: { 'zh-CN': '请求有误', en: 'Bad request' },
  VALIDATION_FAILED: { 'zh-CN': '填写的内容有误：{fields}', en: 'Some fields are invalid: {fields}' },
  UNAUTHORIZED: { 'zh-CN': '请先登录', en: 'Please sign in' },
  FORBIDDEN: { 'zh-CN': '没有权限进行此操作', en: 'You may not do this' },
  NOT_FOUND: { 'zh-CN': '未找到（不存在或不在您的辖区）', en: 'Not found (missing or outside your area)' },
  CONFLICT: { 'zh-CN': '与已有数据冲突', en: 'Conflicts with existing data' },
  VERSION_CONFLICT: {
    'zh-CN': '问题已被他人更新（现为第 {version} 版），请刷新后重试',
    en: 'The problem changed (now version {version}): reload and try again',
  },
  ILLEGAL_TRANSITION: {
    'zh-CN': '当前状态下不能“{action}”',
    en: '“{action}” is not possible in the current status',
  },
  PAYLOAD_TOO_LARGE: { 'zh-CN': '文件过大（上限 {limit_mb} MB）', en: 'File too large (limit {limit_mb} MB)' },
  UNSUPPORTED_MEDIA_TYPE: { 'zh-CN': '不支持的文件类型', en: 'Unsupported file type' },
  OUTSIDE_COVERAGE: { 'zh-CN': '该位置不在任何网格内', en: 'This point is outside every block' },
  INVALID_GEOMETRY: { 'zh-CN': '几何图形无效', en: 'Invalid geometry' },
  IMPORT_REJECTED: { 'zh-CN': '导入被拒绝，未写入任何数据', en: 'Import refused; nothing was written' },
  UNPROCESSABLE: { 'zh-CN': '无法处理该请求', en: 'The request cannot be processed' },
  UNKNOWN_CATEGORY: { 'zh-CN': '未知或已停用的类别：{category}', en: 'Unknown or inactive category: {category}' },
  PHOTO_REQUIRED: {
    'zh-CN': '该类别处置完成须上传处置后照片',
    en: 'This category needs an after-photo to resolve',
  },
  PHOTO_UNUSABLE: { 'zh-CN': '照片 #{photo_id} 不能使用', en: 'Photo #{photo_id} cannot be used' },
  IDEMPOTENCY_KEY_REUSED: {
    'zh-CN': '重复提交标识已用于其他操作',
    en: 'This submission key was used for another request',
  },
  RATE_LIMITED: { 'zh-CN': '请求过于频繁，请稍后再试', en: 'Too many requests, try again later' },
  DB_UNAVAILABLE: { 'zh-CN': '数据库暂不可用，请稍后重试', en: 'Database unavailable, try again later' },
  INTERNAL: { 'zh-CN': '服务器内部错误', en: 'Internal server error' },
};

/** More precise texts by `params.reason`, where a code carries one (a reason that says no more than its code shares the code's text). */
export const REASON_TEXT: Record<string, Text> = {
  // workflow input (db/queries/workflow.ts InvalidReason)
  note_required: { 'zh-CN': '“{action}”须填写说明', en: '“{action}” needs a note' },
  due_at_required: { 'zh-CN': '延期须填写新的期限', en: 'Extending needs the new deadline' },
  due_at_not_later: { 'zh-CN': '新期限须晚于当前期限', en: 'The new deadline must be later than the current one' },
  due_at_in_past: { 'zh-CN': '新期限须在将来', en: 'The new deadline must be in the future' },
  due_at_not_allowed: { 'zh-CN': '只有延期可以填写期限', en: 'Only extend takes a deadline' },
  duplicate_of_required: { 'zh-CN': '标记重复须填写原案编号', en: 'Marking a duplicate needs the original’s id' },
  duplicate_of_not_allowed: { 'zh-CN': '只有标记重复可以填写原案', en: 'Only mark-duplicate takes an original' },
  duplicate_of_self: { 'zh-CN': '不能标记为自身的重复', en: 'A problem cannot duplicate itself' },
  duplicate_of_unknown: { 'zh-CN': '原案不存在或不可见', en: 'The original does not exist for you' },
  duplicate_of_other_category: { 'zh-CN': '原案须为同一类别', en: 'The original must have the same category' },
  duplicate_of_voided: { 'zh-CN': '原案已作废', en: 'The original is voided' },
  role_may_not: { 'zh-CN': '您的角色不能“{action}”', en: 'Your role may not “{action}”' },
  role_required: { 'zh-CN': '您的角色不能进行此操作', en: 'Your role may not do this' },
  photos_not_allowed: { 'zh-CN': '“{action}”不带照片', en: '“{action}” carries no photos' },
  // photos
  photo_too_large: { 'zh-CN': '照片过大（上限 {limit_mb} MB）', en: 'Photo too large (limit {limit_mb} MB)' },
  not_an_image: { 'zh-CN': '文件不是 JPEG、PNG 或 WebP 图片', en: 'The file is not a JPEG, PNG or WebP image' },
  not_multipart: { 'zh-CN': '照片须以表单方式上传', en: 'Send the photo as a form upload' },
  no_file: { 'zh-CN': '没有选择照片', en: 'No photo chosen' },
  bad_kind: { 'zh-CN': '照片用途有误', en: 'Bad photo kind' },
  bad_position: { 'zh-CN': '设备位置有误', en: 'Bad device position' },
  bad_accuracy: { 'zh-CN': '定位精度有误', en: 'Bad position accuracy' },
  after_photo_required: {
    'zh-CN': '类别 {category} 处置完成须上传处置后照片',
    en: 'Category {category} needs an after-photo to resolve',
  },
  unknown_photo: { 'zh-CN': '照片 #{photo_id} 不存在或不是您上传的', en: 'Photo #{photo_id} is not one you uploaded' },
  wrong_kind: { 'zh-CN': '照片 #{photo_id} 用途不符', en: 'Photo #{photo_id} is of another kind' },
  already_attached: { 'zh-CN': '照片 #{photo_id} 已被使用', en: 'Photo #{photo_id} is already used' },
  // create, idempotency, queues, auth
  point_outside_your_area: { 'zh-CN': '该位置不在您的辖区内', en: 'The point is outside your area' },
  category_not_your_department: {
    'zh-CN': '类别 {category} 不归您的部门处理',
    en: 'Category {category} is not handled by your department',
  },
  bad_idempotency_key: { 'zh-CN': '重复提交标识格式有误', en: 'Malformed submission key' },
  key_reused: ERROR_TEXT.IDEMPOTENCY_KEY_REUSED,
  nearest_needs_position: { 'zh-CN': '按距离排序需要当前位置', en: 'Sorting by distance needs your position' },
  login_required: ERROR_TEXT.UNAUTHORIZED,
  token_invalid: { 'zh-CN': '登录已过期，请重新登录', en: 'Your session expired: sign in again' },
  schema: ERROR_TEXT.VALIDATION_FAILED,
};

/** Import-row reasons (domain/problem-import.ts ROW_REASONS). */
export const ROW_REASON_TEXT: Record<RowReason, Text> = {
  coordinates_required: { 'zh-CN': '缺少经纬度', en: 'Longitude and latitude are required' },
  category_not_text: {
    'zh-CN': '类别须为文字（代码如 06010 或名称如 暴露垃圾）',
    en: 'The category must be text (a code such as 06010 or a name)',
  },
  text_invalid: { 'zh-CN': '{field} 须为文字且不含空字符', en: '{field} must be text without NUL characters' },
  ref_taken: { 'zh-CN': '编号 {ref} 已是点位 {id}', en: 'Ref {ref} is already point {id}' },
  point_type_required: { 'zh-CN': '缺少点位类型', en: 'The point type is required' },
  point_type_unknown: { 'zh-CN': '未知的点位类型“{value}”', en: 'Unknown point type "{value}"' },
  name_required: { 'zh-CN': '缺少名称', en: 'The name is required' },
  name_too_long: { 'zh-CN': '名称超过 {max} 个字符', en: 'The name is longer than {max} characters' },
  ref_repeated: { 'zh-CN': '编号 {ref} 与第 {first} 行重复', en: 'Ref {ref} repeats line {first}' },
  polygon_invalid: {
    'zh-CN': '多边形无效（环未闭合或点数不足）',
    en: 'Invalid polygon (unclosed ring or too few positions)',
  },
  polygon_too_large: {
    'zh-CN': '多边形范围超过 {max_deg}°：点位应是一个地点而非区域',
    en: 'The polygon spans more than {max_deg}°: a point is a place, not an area',
  },
  lon_not_number: { 'zh-CN': '经度“{value}”不是数字', en: 'Longitude “{value}” is not a number' },
  lat_not_number: { 'zh-CN': '纬度“{value}”不是数字', en: 'Latitude “{value}” is not a number' },
  coordinates_swapped: { 'zh-CN': '经纬度可能填反了（经度在前）', en: 'Longitude and latitude look swapped' },
  lon_out_of_range: { 'zh-CN': '经度 {lon} 超出 -180～180', en: 'Longitude {lon} is outside -180..180' },
  lat_out_of_range: { 'zh-CN': '纬度 {lat} 超出 -90～90', en: 'Latitude {lat} is outside -90..90' },
  category_required: { 'zh-CN': '缺少类别', en: 'Category is required' },
  category_unknown: {
    'zh-CN': '未知类别“{value}”（填写编码如 06010 或名称如 暴露垃圾）',
    en: 'Unknown category “{value}”',
  },
  reported_at_invalid: { 'zh-CN': '上报时间“{value}”不是日期', en: 'Reported time “{value}” is not a date' },
  reported_at_future: { 'zh-CN': '上报时间“{value}”在将来', en: 'Reported time “{value}” is in the future' },
  severity_invalid: { 'zh-CN': '紧急程度“{value}”须为 1、2 或 3', en: 'Severity “{value}” must be 1, 2 or 3' },
  source_invalid: { 'zh-CN': '来源“{value}”无效', en: 'Source “{value}” is not valid' },
  photo_not_url: { 'zh-CN': '照片“{value}”不是 http(s) 链接', en: 'Photo “{value}” is not an http(s) URL' },
  not_a_feature: { 'zh-CN': '不是 GeoJSON 要素', en: 'Not a GeoJSON Feature' },
  geometry_not_point: { 'zh-CN': '几何须为点（现为 {type}）', en: 'Geometry must be a Point (got {type})' },
  point_empty: { 'zh-CN': '点坐标为空', en: 'Empty Point' },
  outside_coverage: { 'zh-CN': '不在任何网格内', en: 'Outside every block' },
  file_unreadable: { 'zh-CN': '文件无法读取', en: 'The file cannot be read' },
};

function fill(template: string, params: Record<string, unknown>, lang: Lang): string {
  return template.replace(/\{(\w+)\}/g, (_, k: string) => {
    const v = params[k];
    if (k === 'action' && typeof v === 'string') return actionLabel(v, lang);
    if (Array.isArray(v)) return v.join(lang === 'en' ? ', ' : '、');
    return v === undefined || v === null ? '' : String(v);
  });
}

/** The text of an API error: by reason where known, else by code; never the server's English sentence in zh-CN. */
export function errorText(
  err: { code: string; params?: Record<string, unknown>; status?: number },
  lang: Lang = getLang(),
): string {
  const params = err.params ?? {};
  const reason = typeof params.reason === 'string' ? REASON_TEXT[params.reason] : undefined;
  const byCode = ERROR_TEXT[err.code as ErrorCode];
  const text = reason ?? byCode;
  if (!text) return lang === 'en' ? `Error ${err.status ?? err.code}` : `出错了（${err.status ?? err.code}）`;
  return fill(text[lang], params, lang);
}

/** The text of one import-row rejection. */
export function rowReasonText(
  r: { code?: string; params?: Record<string, unknown>; reason: string },
  lang: Lang = getLang(),
): string {
  const text = r.code ? ROW_REASON_TEXT[r.code as RowReason] : undefined;
  return text ? fill(text[lang], r.params ?? {}, lang) : lang === 'en' ? r.reason : '无法导入';
}

/** Any error a panel caught, in the user's language: an API answer by code, no answer at all as "no signal". */
export function describeError(err: unknown, lang: Lang = getLang()): string {
  const e = err as { code?: unknown; params?: Record<string, unknown>; status?: number };
  if (e && typeof e.code === 'string' && typeof e.status === 'number') return errorText(e as { code: string }, lang);
  return lang === 'en' ? 'No connection to the server' : '无法连接服务器（暂无网络）';
}
