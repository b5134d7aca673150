"""A messy existing ledger, as offices keep them in Excel, for the migration tests: a title row
merged across, a two-row header (整改情况 over 整改进展 / 完成情况), two measures under one
problem with its 序号 / 问题来源 / 问题描述 cells merged, Chinese state words, a unit name with a
near miss (乙省民政局 for 乙省民政厅), a bad date and a word the ledger does not know."""

import csv
import datetime as dt
import io

import xlsxwriter

HEADERS = ["序号", "问题来源", "问题描述", "整改措施", "责任单位", "配合单位", "责任人", "整改时限"]
TAIL = ["整改进展", "完成情况", "备注"]
# 序号, 来源, 问题, 措施, 责任单位, 配合单位, 责任人, 时限, 进展, 完成情况, 备注
ROWS = [
    ["1", "巡视反馈", "基层考核事项多、频次高，基层负担重", "全面清理面向基层的考核事项",
     "甲省民政厅", "乙省民政厅、办公厅(室)", "张三", "2026年6月底", "已清理考核事项12项",
     "已整改到位", ""],
    ["1", "巡视反馈", "基层考核事项多、频次高，基层负担重", "建立考核事项准入制度",
     "甲省 民政厅", "", "李四", "2026.9.30", "制度草案已起草", "整改中", "待党组会审议"],
    ["2", "自查", "救助审批时限过长", "压缩审批时限至15个工作日",
     "乙省民政局", "", "王五", "长期坚持", "持续开展", "长期坚持", ""],
    ["3", "审计发现", "专项资金拨付不及时", "建立资金拨付台账",
     "办公厅（室）", "", "", "下个月", "", "未启动", ""],
    ["4", "基层反映", "政策解读不到位", "编印政策问答手册",
     "甲省民政厅", "", "", dt.date(2026, 12, 31), "", "搁置", ""],
    ["5", "书面征求意见", "信息系统重复填报", "打通数据接口",
     "甲省民政厅", "", "", "2026年6月", "需上级系统改造", "暂不具备整改条件", ""],
    ["6", "调研", "社会组织年检材料繁杂", "精简年检材料清单",
     "乙省民政厅", "", "", "长期", "已精简材料8项", "阶段性完成", ""],
]  # fmt: skip


def messy_xlsx(path):
    """The ledger as an .xlsx: title row, two-row merged header, merged problem cells."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("台账")
    merge = book.add_format({"align": "center", "valign": "vcenter", "text_wrap": True})
    date = book.add_format({"num_format": "yyyy-mm-dd"})
    width = len(HEADERS) + len(TAIL)
    sheet.merge_range(0, 0, 0, width - 1, "某部主题教育检视问题整改台账", merge)
    for c, h in enumerate(HEADERS):
        sheet.merge_range(1, c, 2, c, h, merge)
    n = len(HEADERS)
    sheet.merge_range(1, n, 1, n + 1, "整改情况", merge)
    sheet.write(2, n, "整改进展")
    sheet.write(2, n + 1, "完成情况")
    sheet.merge_range(1, n + 2, 2, n + 2, "备注", merge)
    r = 3
    for i, row in enumerate(ROWS):
        for c, value in enumerate(row):
            if i == 1 and c in (0, 1, 2):
                continue  # under the merge above
            if i == 0 and c in (0, 1, 2):
                sheet.merge_range(r, c, r + 1, c, value, merge)
            elif isinstance(value, dt.date):
                sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date)
            else:
                sheet.write(r, c, value)
        r += 1
    book.close()


def messy_csv(encoding="gbk", bom=False) -> bytes:
    """The same ledger as a CSV saved by Excel in GBK: one header row, the merged cells blank
    below their first row."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["某部主题教育检视问题整改台账"])
    writer.writerow(HEADERS + TAIL)
    for i, row in enumerate(ROWS):
        row = [v.isoformat() if isinstance(v, dt.date) else v for v in row]
        if i == 1:
            row[0] = row[1] = row[2] = ""
        writer.writerow(row)
    data = out.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data
