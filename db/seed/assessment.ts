/**
 * Assessment seed data: the point types (实地考察点位) and a starting checklist (测评标准) per type,
 * from the shared reference `assessment.md` (public explainers and local handbooks, not the official
 * 操作手册). Data, not logic: the admin edits both, and an edit of a checklist is a new version.
 *
 * Each item names the problem category (事项) a failure creates, a weight (its share of the
 * point's 达标率) and whether the inspector must attach a photo of a failure.
 */
import type { Kysely } from 'kysely';
import type { DB } from '../types.js';
import { seedStandards, upsertPointTypes } from '../queries/standards.js';

export interface SeedPointType {
  code: string;
  name: string;
  name_en: string;
}

/** Point types, in the reference's order (sort = position). */
export const POINT_TYPES: readonly SeedPointType[] = [
  { code: 'MAIN_ROAD', name: '主次干道', name_en: 'Main road' },
  { code: 'COMMERCIAL_STREET', name: '商业大街/步行街', name_en: 'Commercial street' },
  { code: 'BACK_ALLEY', name: '背街小巷', name_en: 'Back alley' },
  { code: 'INTERSECTION', name: '交通路口', name_en: 'Intersection' },
  { code: 'RESIDENTIAL', name: '居民小区', name_en: 'Residential compound' },
  { code: 'OLD_COMMUNITY', name: '老旧小区/开放式小区', name_en: 'Old / open community' },
  { code: 'URBAN_VILLAGE', name: '城中村/城乡结合部', name_en: 'Urban village' },
  { code: 'FARMERS_MARKET', name: '农贸(集贸)市场', name_en: "Farmers' market" },
  { code: 'SMALL_CATERING', name: '三小(小餐饮/小作坊/小食杂)', name_en: 'Small eatery / workshop / shop' },
  { code: 'PUBLIC_TOILET', name: '公共厕所', name_en: 'Public toilet' },
  { code: 'WASTE_STATION', name: '垃圾转运站', name_en: 'Waste transfer station' },
  { code: 'CONSTRUCTION_SITE', name: '建筑工地(含待建/拆迁)', name_en: 'Construction site' },
  { code: 'BUS_STOP', name: '公交站点', name_en: 'Bus stop' },
  { code: 'TRANSPORT_HUB', name: '火车站/汽车站', name_en: 'Station' },
  { code: 'SQUARE_PARK', name: '广场/公园/景区', name_en: 'Square / park' },
  { code: 'SCHOOL_AREA', name: '学校及校园周边', name_en: 'School and surroundings' },
  { code: 'HOSPITAL', name: '医院/社区卫生服务中心/药店', name_en: 'Hospital / clinic / pharmacy' },
  { code: 'SERVICE_HALL', name: '政务大厅/窗口单位', name_en: 'Service hall' },
  { code: 'MALL_HOTEL', name: '商场超市/宾馆饭店', name_en: 'Mall / hotel' },
  { code: 'PUBLIC_VENUE', name: '网吧/KTV/美发/浴室', name_en: 'Internet café / KTV / salon' },
  { code: 'CULTURE_VENUE', name: '文化场馆/新时代文明实践站', name_en: 'Cultural venue' },
  { code: 'COMMUNITY_OFFICE', name: '街道办/社区居委会', name_en: 'Street / community office' },
  { code: 'WATERWAY', name: '河道/水体沿岸', name_en: 'Riverbank' },
  { code: 'OTHER', name: '其他', name_en: 'Other' },
];

export interface SeedStandardItem {
  code: string;
  text: string;
  category_code: string;
  weight: number;
  photo_required: boolean;
}

type Lib = Record<string, [text: string, category: string, weight: number, photo?: boolean]>;

/** The item library: an item keeps its code in every checklist that uses it (chronic points match by code). */
const ITEMS: Lib = {
  PSA: ['公益广告数量充足、内容规范，无褪色、破损、污损或被小广告覆盖', '07008', 2],
  GARBAGE: ['无暴露垃圾、积存垃圾和卫生死角', '06010', 3, true],
  POSTERS: ['无乱张贴、乱涂写、乱刻画', '07001', 2, true],
  VENDING: ['无占道经营、店外经营', '09006', 2, true],
  PARK_MOTOR: ['机动车停放有序，无占用绿地、人行道乱停车', '09009', 2, true],
  PARK_BIKE: ['非机动车、共享单车停放有序，不占盲道', '09010', 2, true],
  BUILD: ['无乱搭乱建', '06001', 2, true],
  SIGNBOARD: ['广告招牌设置规范、完好', '07006', 1],
  BLIND: ['无障碍设施、盲道完好畅通', '06051', 1],
  FIRE_LANE: ['消防通道畅通，无飞线充电', '09012', 2, true],
  ROAD_CLEAN: ['路面干净，无垃圾、污渍', '06012', 2],
  ROAD_SURFACE: ['路面硬化、平整无破损', '06013', 1],
  DRAIN: ['排水通畅，无污水横流', '06030', 1],
  RODENT: ['无鼠迹、鼠洞、鼠粪；毒饵站、防鼠设施到位', 'L01001', 2],
  WATER_LARVAE: ['无蚊蝇孳生的小型积水', 'L01002', 1],
  COCKROACH: ['无蟑迹', 'L01003', 1],
  RODENT_PROOF: ['挡鼠板、下水道网眼（< 1 cm）等防鼠设施完好', 'L01004', 1],
  SPIT: ['无随地吐痰、乱扔杂物等不文明行为', 'L03002', 1],
  SMOKING: ['禁烟标识醒目，无人吸烟', 'L03004', 2],
  DOGS: ['无不牵绳遛狗，宠物粪便及时清理', 'L03003', 1],
  GREEN: ['绿地整洁，无垃圾、杂物', '06017', 1],
  HANGING: ['无沿街晾挂', '06007', 1],
  CLUTTER: ['楼道、公共区域无乱堆杂物', '06036', 2],
  SORTING: ['垃圾分类投放设施齐全、分类到位', '06041', 2],
  BIN: ['垃圾桶（箱）完好、无满溢', '03005', 1],
  // 农贸市场
  FIVE_NOTICES: [
    '五公示齐全（卫生管理制度、功能分区图、健康教育宣传栏按月更新、农残检测每日公示、禁烟标识）',
    'L02001',
    3,
    true,
  ],
  FAIR_SCALE: ['设公平秤和投诉点，划行归市、秩序良好', '09020', 2],
  LICENCE: ['亮证经营，从业人员持健康证', 'L02004', 2],
  POULTRY: ['无活禽违规宰杀、销售', 'L02003', 2, true],
  FLY_PROOF: ['熟食三防设施齐全，防蝇防鼠设施完好', 'L02002', 2, true],
  // 公厕
  TOILET_CLEAN: ['厕内清洁、无异味，洗手液、纸巾齐全，设无障碍厕位', '03001', 3, true],
  TOILET_SIGN: ['开放时间、指示牌规范醒目', '03002', 1],
  // 垃圾站
  STATION_FULL: ['转运站无满溢，作业后及时冲洗', '06042', 3, true],
  // 工地
  HOARDING: ['围挡规范连续，围挡上有公益广告', '08007', 2, true],
  DUST: ['无扬尘，裸土覆盖，夜间无噪声施工', '08004', 2, true],
  MUCK_TRUCK: ['渣土运输车辆密闭', '08011', 2],
  WHEEL_WASH: ['出入口设车辆冲洗设施，无车轮带泥上路', '08012', 2],
  MATERIALS: ['施工物料堆放整齐', '08006', 1],
  // 餐饮
  FUMES: ['油烟净化设施正常使用', '06027', 2],
  FOOD_LICENCE: ['证照齐全，无无证餐饮', '09015', 2],
  SHOP_FRONT: ['无店外经营', '09005', 2, true],
  // 路口、站点
  STOP_CLEAN: ['站台整洁，线路时刻表张贴规范', '06012', 2],
  HAWKERS: ['无流动摊贩、游商', '09001', 2],
  // 水体
  WATER_CLEAN: ['水面、岸边无漂浮物和垃圾', '06025', 3, true],
};

const OUTDOOR = ['PSA', 'GARBAGE', 'POSTERS', 'VENDING', 'PARK_BIKE', 'BUILD'];
const INDOOR = ['PSA', 'GARBAGE', 'SMOKING', 'COCKROACH', 'FIRE_LANE'];

/** The starting checklist of each type, as item codes of {@link ITEMS}. */
const CHECKLISTS: Record<string, string[]> = {
  MAIN_ROAD: [...OUTDOOR, 'ROAD_CLEAN', 'SIGNBOARD', 'BLIND', 'PARK_MOTOR'],
  COMMERCIAL_STREET: [...OUTDOOR, 'SHOP_FRONT', 'SIGNBOARD', 'BLIND', 'PARK_MOTOR', 'SPIT'],
  BACK_ALLEY: [...OUTDOOR, 'ROAD_SURFACE', 'DRAIN', 'HANGING', 'FIRE_LANE', 'RODENT'],
  INTERSECTION: ['PSA', 'GARBAGE', 'POSTERS', 'PARK_BIKE', 'PARK_MOTOR', 'VENDING', 'BLIND'],
  RESIDENTIAL: ['PSA', 'GARBAGE', 'SORTING', 'CLUTTER', 'FIRE_LANE', 'PARK_MOTOR', 'RODENT', 'DOGS'],
  OLD_COMMUNITY: ['PSA', 'GARBAGE', 'SORTING', 'CLUTTER', 'BUILD', 'FIRE_LANE', 'HANGING', 'RODENT', 'WATER_LARVAE'],
  URBAN_VILLAGE: [...OUTDOOR, 'CLUTTER', 'DRAIN', 'RODENT', 'WATER_LARVAE', 'SORTING'],
  FARMERS_MARKET: [
    'FIVE_NOTICES',
    'FAIR_SCALE',
    'LICENCE',
    'POULTRY',
    'FLY_PROOF',
    'BIN',
    'GARBAGE',
    'RODENT_PROOF',
    'PSA',
  ],
  SMALL_CATERING: ['FOOD_LICENCE', 'FUMES', 'SHOP_FRONT', 'RODENT_PROOF', 'COCKROACH', 'GARBAGE', 'SMOKING'],
  PUBLIC_TOILET: ['TOILET_CLEAN', 'TOILET_SIGN', 'WATER_LARVAE', 'PSA'],
  WASTE_STATION: ['STATION_FULL', 'SORTING', 'DRAIN', 'RODENT', 'WATER_LARVAE'],
  CONSTRUCTION_SITE: ['HOARDING', 'DUST', 'MUCK_TRUCK', 'WHEEL_WASH', 'MATERIALS', 'WATER_LARVAE'],
  BUS_STOP: ['STOP_CLEAN', 'PSA', 'POSTERS', 'GARBAGE', 'PARK_BIKE'],
  TRANSPORT_HUB: [...OUTDOOR, 'HAWKERS', 'SMOKING', 'PARK_MOTOR', 'SPIT'],
  SQUARE_PARK: ['PSA', 'GARBAGE', 'GREEN', 'DOGS', 'VENDING', 'SPIT', 'BIN'],
  SCHOOL_AREA: ['PSA', 'GARBAGE', 'HAWKERS', 'PARK_MOTOR', 'PARK_BIKE', 'POSTERS'],
  HOSPITAL: [...INDOOR, 'PARK_MOTOR', 'HAWKERS'],
  SERVICE_HALL: [...INDOOR],
  MALL_HOTEL: [...INDOOR, 'SHOP_FRONT'],
  PUBLIC_VENUE: [...INDOOR],
  CULTURE_VENUE: [...INDOOR],
  COMMUNITY_OFFICE: [...INDOOR, 'SORTING'],
  WATERWAY: ['WATER_CLEAN', 'GARBAGE', 'DRAIN', 'WATER_LARVAE', 'PSA'],
  OTHER: ['PSA', 'GARBAGE', 'POSTERS', 'VENDING'],
};

/** Version-1 checklist of every type. */
export const DEFAULT_STANDARDS: Readonly<Record<string, readonly SeedStandardItem[]>> = Object.fromEntries(
  POINT_TYPES.map((t) => [
    t.code,
    CHECKLISTS[t.code].map((code) => {
      const [text, category_code, weight, photo] = ITEMS[code];
      return { code, text, category_code, weight, photo_required: photo ?? false };
    }),
  ]),
);

/**
 * 国家卫生城市 minimum sample sites by urban population (reference `assessment.md`): the total,
 * and the fixed share of 主次干道. Bands are upper bounds (exclusive), the last one open.
 */
export const SAMPLE_SIZE_BANDS: readonly { maxPopulation: number; total: number; fixed: Record<string, number> }[] = [
  { maxPopulation: 500_000, total: 161, fixed: { MAIN_ROAD: 8 } },
  { maxPopulation: 2_000_000, total: 215, fixed: { MAIN_ROAD: 12 } },
  { maxPopulation: Infinity, total: 267, fixed: { MAIN_ROAD: 15 } },
];

/** 长沙县, the demo county: about 1.4 million residents (a 215-site county). */
export const DEMO_POPULATION = 1_400_000;

export function sampleBandFor(population: number) {
  return SAMPLE_SIZE_BANDS.find((b) => population < b.maxPopulation)!;
}

/** Loads the point types and version 1 of every type's standard (a re-run changes no standard). */
export async function seedAssessment(db: Kysely<DB>): Promise<void> {
  await upsertPointTypes(db, POINT_TYPES);
  await seedStandards(db, DEFAULT_STANDARDS);
}
