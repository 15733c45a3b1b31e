import iconv from 'iconv-lite';
import { mapHeader, parseCount, parseDate, parseHour, parseMatchType, parseMoneyFen } from './report-import';
import { detectEncoding } from './stats-import.service';

describe('report import parsing', () => {
  it('reads UTF-8 whatever byte a chunk of it ends on, and GB18030 as GB18030', () => {
    const text = '日期,小时,计划名称,单元名称,关键词\n2026-06-18,20,核心词计划,连衣裙,碎花连衣裙 夏季\n';
    const utf8 = Buffer.from(text, 'utf8');
    for (let cut = 1; cut <= utf8.length; cut++) expect([cut, detectEncoding(utf8.subarray(0, cut))]).toEqual([cut, 'utf8']);
    const gb = iconv.encode(text, 'gb18030');
    expect(detectEncoding(gb)).toBe('gb18030');
    expect(detectEncoding(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8]))).toBe('utf8');
    expect(detectEncoding(gb, 'utf8')).toBe('utf8');
  });

  it.each([
    ['1,234', 1234],
    [' 56 ', 56],
    ['-', 0],
    ['', 0],
    ['1.5', undefined],
    ['-3', undefined],
    ['abc', undefined],
  ])('count %p -> %p', (raw, want) => expect(parseCount(raw)).toBe(want));

  it.each([
    ['1,078.50', 107850],
    ['¥12.3', 1230],
    ['99元', 9900],
    ['-', 0],
    ['1.005', undefined],
    ['-1', undefined],
    ['1e3', undefined],
  ])('money %p -> %p fen', (raw, want) => expect(parseMoneyFen(raw)).toBe(want));

  it.each([
    ['2026-06-18', '2026-06-18'],
    ['20260618', '2026-06-18'],
    ['2026/6/8', '2026-06-08'],
    ['2026-02-30', undefined],
    ['18/06/2026', undefined],
  ])('date %p -> %p', (raw, want) => expect(parseDate(raw)).toBe(want));

  it.each([
    ['7', 7],
    ['07:00', 7],
    ['23时', 23],
    ['07:00-08:00', 7],
    ['24', undefined],
    ['x', undefined],
  ])('hour %p -> %p', (raw, want) => expect(parseHour(raw)).toBe(want));

  it('maps match types in Chinese and English', () => {
    expect(['精确', '短语匹配', '切词', '广泛', 'Exact'].map(parseMatchType)).toEqual(['exact', 'phrase', 'broad', 'broad', 'exact']);
    expect(parseMatchType('模糊')).toBeUndefined();
  });

  it('maps Chinese and English headers and names every missing column', () => {
    expect(mapHeader(['日期', '小时', '计划名称', '单元名称', '关键词', '展现数', '点击数', '总花费', '总订单行', '总订单金额']).missing).toEqual([]);
    expect(mapHeader(['date', 'hour', 'campaignName', 'adGroupName', 'keywordName', 'impressions', 'clicks', 'cost', 'totalOrderCnt', 'totalOrderSum']).missing).toEqual([]);
    const { missing } = mapHeader(['日期', '计划名称', '单元名称', '关键词', '展现数', '点击数', '总花费', '直接订单行', '总订单金额']);
    expect(missing).toEqual([expect.stringMatching(/小时/), expect.stringMatching(/总订单行.*间接订单行/)]);
  });
});
