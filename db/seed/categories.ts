/**
 * Default problem categories (事项) for the demo, as data.
 *
 * National codes (2-digit group + 3-digit item) follow a public transcription of
 * GB/T 47678.5-2026; they are data, not logic. Items without a
 * national code live in a local namespace `L` + 2-digit group + 3-digit item (e.g. `L01001`) and
 * carry `local: true`, so they can never collide with a future national code.
 *
 * Deadlines are local practice, picked from the standard's example limits and meant to be
 * edited by the admin: `clock` says how `limit_value` is counted —
 * `continuous_hours` (紧急工作时, round the clock), `working_hours` (工作时, 08:00–12:00 and
 * 14:00–18:00 on working days), `working_days` (工作日, skips weekends and holidays, counts 调休
 * make-up days), `natural_days` (自然日).
 *
 * `legacy_code` (GB/T 30428.2-2013) is left null: no reliable public mapping was available, and a
 * wrong legacy code is worse than none.
 */

import type { CategoryInput } from '../queries/categories.js';

export type { ClockType } from '../../domain/deadline.js';
import type { ClockType } from '../../domain/deadline.js';
export type CampaignTag = '创文' | '创卫';

/** A category as the seed writes it: the database's input shape with the campaign tags typed. */
export interface SeedCategory extends CategoryInput {
  clock: ClockType;
  tags: CampaignTag[];
}

export interface SeedCategoryGroup {
  code: string;
  name: string;
  local: boolean;
}

/** Category groups (大类), national first, then the local extensions. */
export const CATEGORY_GROUPS: readonly SeedCategoryGroup[] = [
  { code: '03', name: '设施', local: false },
  { code: '06', name: '市容环境', local: false },
  { code: '07', name: '宣传广告', local: false },
  { code: '08', name: '施工管理', local: false },
  { code: '09', name: '街面秩序', local: false },
  { code: 'L01', name: '病媒生物', local: true },
  { code: 'L02', name: '农贸市场卫生', local: true },
  { code: 'L03', name: '不文明行为', local: true },
];

const BOTH: CampaignTag[] = ['创文', '创卫'];
const WEN: CampaignTag[] = ['创文'];
const WEI: CampaignTag[] = ['创卫'];

// Departments, after the standard's examples.
const CG = '城管局'; // 市容, 街面秩序, 广告
const ZJ = '住建局'; // 施工, roads
const WJ = '卫健局'; // 公厕, 控烟
const AW = '爱卫办'; // 病媒生物
const SJ = '市场监管局'; // 农贸市场, 无证餐饮
const JJ = '交警'; // 乱停车
const HB = '生态环境局'; // 油烟, 噪声

type Row = [code: string, name: string, department: string, limit: number, clock: ClockType, tags?: CampaignTag[]];

const h = 'working_hours' as const;
const d = 'working_days' as const;
const c = 'continuous_hours' as const;
const n = 'natural_days' as const;

const ROWS: Record<string, Row[]> = {
  '03': [
    ['03001', '公共厕所异常', WJ, 4, h, BOTH],
    ['03002', '公厕指示牌异常', WJ, 3, d, BOTH],
    ['03005', '垃圾箱异常', CG, 1, d, BOTH],
  ],
  '06': [
    ['06001', '私搭乱建', CG, 15, d, BOTH],
    ['06004', '建筑物外立面污损', CG, 5, d, WEN],
    ['06007', '沿街晾挂', CG, 2, h, BOTH],
    ['06010', '暴露垃圾', CG, 4, h, BOTH],
    ['06011', '积存垃圾渣土', CG, 3, d, BOTH],
    ['06012', '道路不洁', CG, 3, h, BOTH],
    ['06013', '道路破损', ZJ, 5, d, WEN],
    ['06017', '绿地脏乱', CG, 1, d, BOTH],
    ['06020', '焚烧垃圾、树叶', CG, 2, c, BOTH],
    ['06025', '水域不洁', CG, 2, d, BOTH],
    ['06027', '油烟污染', HB, 5, d, BOTH],
    ['06028', '噪声扰民', HB, 4, h, WEN],
    ['06029', '露天烧烤', CG, 2, h, BOTH],
    ['06030', '乱倒乱排污水废水', CG, 4, h, BOTH],
    ['06034', '废弃车辆', CG, 7, n, WEN],
    ['06035', '废弃家具设备', CG, 1, d, BOTH],
    ['06036', '乱堆杂物', CG, 1, d, BOTH],
    ['06037', '动物尸体', CG, 2, c, BOTH],
    ['06041', '垃圾未分类', CG, 1, d, BOTH],
    ['06042', '垃圾站（箱）满溢', CG, 4, h, BOTH],
    ['06051', '盲道缺损', ZJ, 5, d, WEN],
  ],
  '07': [
    ['07001', '非法小广告', CG, 1, d, BOTH],
    ['07002', '街头散发广告', CG, 2, h, WEN],
    ['07003', '违规户外广告', CG, 10, d, WEN],
    ['07006', '违规牌匾标识', CG, 10, d, WEN],
    ['07008', '公益性宣传品缺损', CG, 3, d, WEN],
  ],
  '08': [
    ['08002', '施工占道', ZJ, 2, d, BOTH],
    ['08004', '工地扬尘', ZJ, 4, h, BOTH],
    ['08005', '施工废弃料', ZJ, 2, d, BOTH],
    ['08006', '施工物料乱堆放', ZJ, 2, d, BOTH],
    ['08007', '施工工地围挡问题', ZJ, 3, d, BOTH],
    ['08011', '渣土运输车辆未密闭', ZJ, 2, h, BOTH],
    ['08012', '施工工地车轮夹带', ZJ, 4, h, BOTH],
  ],
  '09': [
    ['09001', '无照经营游商', CG, 2, h, BOTH],
    ['09002', '早（夜）市管理问题', CG, 1, d, BOTH],
    ['09005', '店外经营', CG, 4, h, BOTH],
    ['09006', '占道经营', CG, 4, h, BOTH],
    ['09009', '机动车乱停放', JJ, 2, h, WEN],
    ['09010', '非机动车乱停放', JJ, 2, h, WEN],
    ['09011', '共享单车乱象', CG, 4, h, WEN],
    ['09012', '占用消防通道', JJ, 2, c, WEN],
    ['09015', '无证餐饮', SJ, 5, d, BOTH],
    ['09020', '农贸市场秩序问题', SJ, 1, d, BOTH],
  ],
  L01: [
    ['L01001', '鼠迹/鼠洞', AW, 2, d, WEI],
    ['L01002', '蚊蝇孳生积水', AW, 2, d, WEI],
    ['L01003', '蟑迹', AW, 2, d, WEI],
    ['L01004', '防鼠设施缺失', AW, 2, d, WEI],
  ],
  L02: [
    ['L02001', '五公示缺失', SJ, 3, d, WEI],
    ['L02002', '防蝇防鼠设施缺失', SJ, 3, d, WEI],
    ['L02003', '活禽违规', SJ, 1, d, WEI],
    ['L02004', '未亮证经营', SJ, 3, d, WEI],
  ],
  L03: [
    ['L03001', '随地吐痰', CG, 1, d, WEN],
    ['L03002', '乱扔杂物', CG, 1, d, WEN],
    ['L03003', '不牵绳遛狗', CG, 1, d, WEN],
    ['L03004', '禁烟场所吸烟', WJ, 1, d, BOTH],
    ['L03005', '公益广告数量不足', CG, 5, d, WEN],
  ],
};

/** The default categories, grouped in {@link CATEGORY_GROUPS} order and by code within a group. */
export const DEFAULT_CATEGORIES: readonly SeedCategory[] = CATEGORY_GROUPS.flatMap((g) =>
  ROWS[g.code].map(([code, name, department, limit_value, clock, tags]) => ({
    code,
    name,
    group_code: g.code,
    group_name: g.name,
    department,
    limit_value,
    clock,
    tags: tags ?? BOTH,
    local: g.local,
    legacy_code: null,
  })),
);
