"""Page strings in Simplified Chinese (the default) and English, in one place.

Pages take `?lang=en` to switch; every other value means Chinese. Strings the
browser scripts need are handed to them as JSON (`js_strings`), so the screen
and the parents' checker speak the same words as the server-rendered pages.
"""

from __future__ import annotations

from typing import Literal

from .operate_strings import operate_strings

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")

# key → (中文, English). Placeholders use str.format names.
STRINGS: dict[str, tuple[str, str]] = {
    "site": ("阳光招生 · 公开摇号与阳光分班", "Sunshine Draw · public lottery and class grouping"),
    "switch": ("English", "中文"),
    "switch_label": ("Switch to English", "切换到中文"),
    "skip": ("跳到正文", "Skip to content"),
    "events": ("招生活动", "Events"),
    "no_events": ("还没有招生活动。", "No events yet."),
    "event": ("活动", "Event"),
    "phase": ("当前阶段", "Phase"),
    "log_size": ("日志条目", "Log entries"),
    "open": ("打开", "Open"),
    "pages": ("页面", "Pages"),
    "ceremony": ("摇号现场大屏", "Ceremony screen"),
    "check": ("家长查询与验证", "Parents: look up and verify"),
    "dashboard": ("监督看板", "Supervisor dashboard"),
    "operate": ("操作员控制台", "Operator console"),
    "bundle": ("下载审计包", "Download the audit bundle"),
    "api_docs": ("接口文档", "API documentation"),
    "api_docs_why": ("本服务的全部接口（OpenAPI 文档，界面为英文）；页面资源都由本服务器提供。",
                     "Every endpoint of this service (OpenAPI); every asset comes from this "
                     "server."),
    # phases (core.season.Phase)
    "phase.setup": ("准备", "setup"),
    "phase.registration": ("报名", "registration"),
    "phase.lottery_ceremony": ("摇号仪式", "lottery ceremony"),
    "phase.drawn": ("缴费确认", "payment window"),
    "phase.confirmed": ("录取确认", "admissions confirmed"),
    "phase.grouping_ceremony": ("分班仪式", "grouping ceremony"),
    "phase.grouped": ("已分班", "grouped"),
    "phase.teacher_ceremony": ("班主任匹配仪式", "head-teacher ceremony"),
    "phase.matched": ("已匹配班主任", "head teachers matched"),
    "phase.notified": ("已通知", "notified"),
    "phase.published": ("已公布", "published"),
    # rules summary on the ceremony screen (RULES.md)
    "rules": ("规则", "Rules"),
    "rule.P4": ("报名人数不超过计划：全部直接录取，不摇号。",
                "Applicants ≤ places: all admitted, no draw."),
    "rule.P5": ("报名人数超过计划：电脑随机派位。",
                "Applicants > places: computer random draw."),
    "rule.P7": ("中签者在缴费期内缴费确认；逾期视为放弃，空位按候补顺序递补。",
                "Winners pay within the window; unpaid places go to the waiting order."),
    "rule.P7_off": ("中签者在缴费期内缴费确认；逾期视为放弃，空位交回教育局。",
                    "Winners pay within the window; unpaid places return to the bureau."),
    "rule.P9": ("本区考生优先；市级审批学校未满再面向全市。",
                "Own-district applicants first; city-approved schools then draw city-wide."),
    "rule.P10": ("九年一贯制学校本校小学毕业生直升，名额不足时在直升生中摇号。",
                 "Own primary pupils move up first; a draw among them if places are short."),
    "rule.P11": ("小区配套名额在配套名单内摇号，剩余名额交回教育局，不再重摇。",
                 "Community places are drawn among listed residents; leftovers go back, "
                 "never re-drawn."),
    "roster": ("报名名单", "Roster"),
    "roster_root": ("名单根哈希", "Roster root"),
    "school": ("学校", "School"),
    "applicants": ("报名人数", "Applicants"),
    "quota": ("招生计划", "Places"),
    "participants": ("参与方承诺", "Participants' commitments"),
    "participant": ("参与方", "Participant"),
    "role": ("身份", "Role"),
    "commitment": ("承诺", "Commitment"),
    "status": ("状态", "Status"),
    "waiting_for_log": ("等待日志……", "Waiting for the log…"),
    "committed": ("已承诺", "committed"),
    "revealed": ("已揭示", "revealed"),
    "escrow_opened": ("公证处代开", "opened from escrow"),
    "void": ("作废", "void"),
    "dice": ("骰子", "Dice"),
    "witness": ("见证人", "Witness"),
    "seed": ("随机种子", "Seed"),
    "seed_inputs": ("种子由以下输入计算", "The seed is computed from"),
    "results": ("结果", "Results"),
    "grouping_results": ("分班结果", "Class grouping"),
    "matching_results": ("班主任匹配", "Head teachers"),
    "stage": ("阶段", "Stage"),
    "stage.direct": ("直升", "direct"),
    "stage.community": ("小区配套", "community"),
    "stage.district": ("本区", "district"),
    "stage.city": ("全市", "city-wide"),
    "seats": ("名额", "Seats"),
    "admitted_n": ("录取", "Admitted"),
    "drawn": ("摇号", "Drawn"),
    "yes": ("是", "yes"),
    "no": ("否", "no"),
    "admitted_list": ("录取名单", "Admitted"),
    "waiting_list": ("候补顺序", "Waiting order"),
    "class": ("班级", "Class"),
    "teacher": ("班主任", "Head teacher"),
    "pupils": ("学生数", "Pupils"),
    "scan": ("手机扫码查询结果并验证", "Scan to look up and verify a result"),
    "ceremony_lottery": ("民办学校摇号", "Private-school lottery"),
    "ceremony_grouping": ("阳光分班", "Sunshine class grouping"),
    "ceremony_teachers": ("班主任匹配", "Head-teacher matching"),
    "live": ("实时", "live"),
    "reconnecting": ("连接中断，正在重连……", "Connection lost, reconnecting…"),
    # ceremony screen, presenter mode (templates/static/ceremony.js; docs/CEREMONY_SCREEN.md)
    "h.rehearsal": ("演练", "REHEARSAL"),
    "h.step.waiting": ("等待日志……", "Waiting for the log…"),
    "h.step.scheduled": ("仪式尚未开始", "The ceremony has not started"),
    "h.step.scheduled_at": ("仪式定于{date} {clock}开始", "The ceremony starts {date} at {clock}"),
    "h.step.input": ("正在进行：登记并封存名单（已登记 {done} 条）",
                     "Now: recording and sealing the list ({done} records)"),
    "h.step.committing": ("正在进行：承诺阶段（{done}/{total} 已提交）",
                          "Now: commitments ({done} of {total} made)"),
    "h.step.revealing": ("正在进行：揭示阶段（{done}/{total} 已揭示）",
                         "Now: reveals ({done} of {total} revealed)"),
    "h.step.dice": ("正在进行：掷骰子（{total} 颗）", "Now: throwing the dice ({total})"),
    "h.step.dice_by": ("正在进行：掷骰子（{total} 颗，{date} {clock}前录入）",
                       "Now: throwing the dice ({total}, by {date} {clock})"),
    "h.step.beacon": ("正在等待信标：第 {round} 轮（{date} {clock}公布）",
                      "Waiting for the beacon: round {round} (due {date} {clock})"),
    "h.step.seeding": ("正在计算随机种子", "Computing the seed"),
    "h.step.seeded": ("随机种子已产生，正在计算结果", "The seed is made; computing the results"),
    "h.step.results": ("正在公布结果（{done}/{total} 所学校）",
                       "Publishing the results ({done} of {total} schools)"),
    "h.step.drawn": ("摇号已完成：{done} 所学校的结果已公布",
                     "The draw is complete: results of {done} schools published"),
    "h.step.payment": ("缴费确认：第 {round} 轮已结束", "Payment: round {round} is closed"),
    "h.step.payments_closed": ("缴费确认已结束（共 {round} 轮）",
                               "Payment is over ({round} rounds)"),
    "h.step.grouped": ("分班已完成：{done} 所学校", "Class grouping complete: {done} schools"),
    "h.step.matched": ("班主任匹配已完成：{done} 个班级",
                       "Head teachers matched: {done} classes"),
    "h.role.notary": ("公证员", "Notary"),
    "h.role.supervisor": ("监督员", "Supervisor"),
    "h.role.parent-rep": ("家长代表", "Parent representative"),
    "h.role.bureau": ("教育局", "Education bureau"),
    "h.participant": ("参与方", "Participant"),
    "h.commitment": ("承诺", "Commitment"),
    "h.reveal": ("揭示", "Reveal"),
    "h.dice": ("骰子", "Dice"),
    "h.beacon": ("信标", "Beacon"),
    "h.seed": ("种子", "Seed"),
    "h.seed_title": ("{ceremony} · 随机种子的产生", "{ceremony} · how the seed is made"),
    "h.status.committed": ("等待揭示", "awaiting the reveal"),
    "h.status.revealed": ("已揭示", "revealed"),
    "h.status.escrow_opened": ("公证处代为开启", "opened from escrow"),
    "h.status.void": ("作废", "void"),
    "h.status.waiting": ("等待中", "waiting"),
    "h.void_reason": ("作废（{reason}）", "void ({reason})"),
    "h.void.no-commitment": ("未提交承诺", "no commitment"),
    "h.void.escrow-invalid": ("托管无法开启", "escrow does not open"),
    "h.void.escrow-holder-absent": ("托管方缺席", "escrow holder absent"),
    "h.witness": ("见证人：{who}", "Witness: {who}"),
    "h.no_beacon": ("本活动不使用信标", "This event uses no beacon"),
    "h.beacon_due": ("第 {round} 轮，{date} {clock}公布", "round {round}, due {date} {clock}"),
    "h.not_yet": ("尚未产生", "not yet"),
    "h.postponed.physical-entropy-late": ("信标延期：骰子未能按时录入，改用第 {round} 轮",
                                          "Beacon postponed: dice late; now round {round}"),
    "h.postponed.round-not-published": ("信标延期：第 {old} 轮未公布，改用第 {round} 轮",
                                        "Beacon postponed: round {old} not published; now "
                                        "round {round}"),
    "h.input": ("名单", "Input"),
    "h.input_sealed": ("已封存 {size} 条", "{size} records sealed"),
    "h.input_open": ("已登记 {records} 条，尚未封存", "{records} records, not sealed yet"),
    "h.withdrawn": ("名单曾撤回重新登记：{reason}", "The list was withdrawn and redone: {reason}"),
    "h.root": ("根哈希", "Root hash"),
    "h.rules_hash": ("规则哈希", "Rules hash"),
    "h.participants_hash": ("参与方哈希", "Participants hash"),
    "h.rejections": ("资格审核未通过 {n} 人（原因只告知本人）",
                     "{n} applications not eligible (reasons told to each family only)"),
    "h.key_released": ("托管私钥已公开", "Escrow key released"),
    "h.rules": ("摇号规则", "Rules of the draw"),
    "h.roster": ("参加摇号的学校", "Schools in the draw"),
    "h.school": ("学校", "School"),
    "h.applicants": ("报名", "Applied"),
    "h.quota": ("计划", "Places"),
    "h.admitted": ("录取", "Admitted"),
    "h.outcome": ("结果", "Result"),
    "h.all_admitted": ("全部录取，未摇号", "All admitted, no draw"),
    "h.nobody": ("无人报名", "No applicants"),
    "h.others": ("其他学校：报名人数未超过计划", "Other schools: no more applicants than places"),
    "h.admitted_list": ("录取名单", "Admitted"),
    "h.waiting_list": ("候补名单", "Waiting list"),
    "h.range": ("第 {from}–{to} 位，共 {total} 人", "{from}–{to} of {total}"),
    "h.drawn": ("摇号", "drawn"),
    "h.returned": ("交回教育局 {n} 个名额", "{n} places returned to the bureau"),
    "h.forfeited": ("已放弃 {n} 人", "{n} places given up"),
    "h.promoted": ("递补 {n} 人", "{n} promoted from the waiting list"),
    "h.mark.forfeited": ("放弃", "gave up"),
    "h.mark.promoted": ("递补", "promoted"),
    "h.mark.locked": ("他校", "elsewhere"),
    "h.marks": ("“放弃”“递补”“他校”：缴费确认阶段的变化（他校：已在其他学校录取）",
                "“gave up”, “promoted”, “elsewhere”: changes in the payment window "
                "(elsewhere: admitted at another school)"),
    "h.correction": ("更正（针对日志第 {refers_to} 条）：{reason}",
                     "Correction (of log entry {refers_to}): {reason}"),
    "h.unreadable": ("日志中有 {n} 条无法按第 2 版格式读取（第一条为第 {first} 条），"
                     "本屏未显示其内容。",
                     "{n} log entries are not in the version-2 format (first: entry {first}); "
                     "this screen does not show them."),
    "h.classes": ("{school} · 分班结果", "{school} · classes"),
    "h.class": ("班级", "Class"),
    "h.pupils": ("人数", "Pupils"),
    "h.girls": ("女", "Girls"),
    "h.boys": ("男", "Boys"),
    "h.head_teacher": ("班主任", "Head teacher"),
    "h.pupils_total": ("学生 {n} 人", "{n} pupils"),
    "h.page": ("第 {page}/{pages} 页", "Page {page} of {pages}"),
    "h.stage_line": ("名额 {seats} · 报名 {applicants} · 录取 {admitted} · {drawn}",
                     "{seats} places · {applicants} applied · {admitted} admitted · {drawn}"),
    "h.no_draw": ("未摇号", "no draw"),
    "h.school_n": ("学校 {n}/{of}", "School {n} of {of}"),
    "h.loading": ("读取中……", "Loading…"),
    "h.scan": ("手机扫码查询并核对结果", "Scan to look up and check a result"),
    "h.no_public_url": ("未配置公开网址（SUNSHINE_PUBLIC_BASE_URL），不显示查询二维码。",
                        "No public address is configured (SUNSHINE_PUBLIC_BASE_URL): no QR "
                        "code."),
    "h.no_publication_url": ("未配置发布网址（SUNSHINE_PUBLICATION_URL），不显示查询二维码。",
                             "No publication address is configured (SUNSHINE_PUBLICATION_URL): "
                             "no QR code for the results page."),
    "h.live": ("● 实时", "● live"),
    "h.reconnecting": ("连接中断，正在重连……", "Connection lost, reconnecting…"),
    "h.published": ("● 公开发布 · 每 {n} 秒更新", "● published · updated every {n} s"),
    "h.auto": ("每 {n} 秒自动翻页", "Next page every {n} s"),
    "error": ("出错了：", "Error: "),
    # parents' page: only what this browser verified is shown (§14; static/check-view.js)
    "check_title": ("查询录取结果", "Look up a result"),
    "reg": ("报名号", "Registration number"),
    "reg_hint": ("报名时获得的号码（数字或大写字母）", "The number given at registration"),
    "id_last4": ("身份证号后4位", "Last 4 characters of the ID number"),
    "id_last4_hint": ("学生身份证号的最后4位（可含X）",
                      "The child's ID number, last 4 (may end in X)"),
    "lookup": ("查询并核对", "Look up and check"),
    "why_verify": ("结果在您的手机上自动核对，不需要相信本网站：检查公开日志的签名、"
                   "记录是否收录在日志中、报名记录和随机号的计算。只有核对通过的结果才会显示。",
                   "The result is checked on your phone, without trusting this site: the "
                   "public log's signature, that the records are in the log, the registration "
                   "record and how the lottery number was computed. Only a result that passes "
                   "is shown."),
    "not_found": ("报名号或身份证后4位不正确。", "Registration number or ID digits do not match."),
    "too_many": ("尝试次数过多，请稍后再试。", "Too many attempts; please try again later."),
    "c.too_many_wait": ("尝试次数过多，请在约 {minutes} 分钟后再试。",
                        "Too many attempts; please try again in about {minutes} minutes."),
    "c.bad_input": ("请填写报名号（4–32位数字或大写字母）和身份证号后4位（最后一位可以是X）。",
                    "Enter the registration number (4–32 digits or capital letters) and the "
                    "last 4 characters of the ID number (the last may be X)."),
    "c.network": ("无法连接网站，请检查网络后再试。",
                  "Cannot reach the site; check the connection and try again."),
    "c.not_yet_result": ("报名号和身份证后四位正确，但签名日志中还没有这名学生的结果；"
                         "请在公布结果后再查询。",
                         "The details are right, but the signed log holds no result for this "
                         "child yet; please look again once results are published."),
    "c.server": ("网站暂时出错（{status}），请稍后再试。",
                 "The site had an error ({status}); please try again later."),
    "c.checking": ("正在您的手机上核对结果……核对通过前不显示结果。",
                   "Checking the result on your phone… nothing is shown until it passes."),
    "c.verified": ("✓ 核对通过：这个结果来自本活动签名的公开日志，没有被改动。",
                   "✓ Checked: this result comes from the event's signed public log, unchanged."),
    "c.badge": ("已在本手机上核对", "Checked on this phone"),
    "c.announce": ("核对通过。结果：{outcome}", "Checked. Result: {outcome}"),
    "c.not_yet_verified": ("这是活动的公开安排，不是核对过的结果。",
                           "This is the event's public schedule, not a checked result."),
    "c.tel": ("电话 {phone}", "tel. {phone}"),
    "c.contact_line": ("有疑问请联系：{who}。", "Questions: {who}."),
    "c.fail.title": ("无法确认这个结果，所以不显示。", "This result could not be confirmed, so it "
                     "is not shown."),
    "c.fail.format": ("收到的录取凭证格式不对，或不是您输入的报名号的，无法核对。",
                      "The receipt is malformed, or not for the number you entered."),
    "c.fail.checkpoint": ("凭证没有本活动公开日志的有效签名，可能不是官方发布的数据。",
                          "The receipt has no valid signature of the event's public log; it may "
                          "not be the official data."),
    "c.fail.consistency": ("凭证与本手机以前核对过的公开日志对不上。",
                           "The receipt does not agree with the log this phone checked before."),
    "c.fail.inclusion": ("凭证中的记录与签名的公开日志对不上，结果可能被改动过。",
                         "The records do not match the signed public log; the result may have "
                         "been altered."),
    "c.beacon_ok": ("公共随机信标（第 {rounds} 轮）的签名已在本机核验。",
                    "The random beacon (drand round {rounds}) was verified on this phone."),
    "c.beacon_pending": ("本活动使用公共随机信标，尚无派位取用信标轮次。",
                         "The event uses a drand beacon; no draw has taken a round yet."),
    "c.beacon_not_checked.offline": ("离线核对：随机信标未在本机核验。",
                                     "Checked offline: the random beacon was not verified here."),
    "c.beacon_not_checked.unreachable": ("未能取得活动背景，随机信标未在本机核验。",
                                         "The event context could not be fetched: the beacon "
                                         "was not verified here."),
    "c.beacon_not_checked.unproved": ("活动背景的检查点无法与凭证对应，随机信标未在本机核验。",
                                      "The event context's checkpoint could not be tied to the "
                                      "receipt's: the beacon was not verified here."),
    "c.fail.context_format": ("活动背景文件格式不对，无法核验随机信标，结果不能视为已核验。",
                              "The event context is malformed: the beacon cannot be verified, "
                              "so the result is not shown as verified."),
    "c.fail.context_checkpoint": ("活动背景与凭证的日志检查点不一致，可能有人篡改，"
                                   "结果不能视为已核验。",
                                  "The event context contradicts the receipt's checkpoint: the "
                                  "result is not shown as verified."),
    "c.fail.context_inclusion": ("活动背景中的记录不在签名的公开日志中，结果不能视为已核验。",
                                 "The event context's entries are not in the signed log: the "
                                 "result is not shown as verified."),
    "c.fail.context_beacon": ("公共随机信标的签名或轮次核验未通过，派位的随机数"
                               "可能被改动，结果不能视为已核验。",
                              "The drand beacon's signature or round did not verify: the result "
                              "is not shown as verified."),
    "c.fail.records": ("孩子的报名记录不在摇号前封存的名单里，或被改动过。",
                       "The child's record is not in the list sealed before the draw, or was "
                       "altered."),
    "c.fail.number": ("孩子的随机号与录取结果不相符，结果可能被改动过。",
                      "The child's lottery number does not agree with the outcome."),
    "c.fail.policy": ("本页收到的见证政策文件有误，无法核对。",
                      "The witness policy this page was given is broken; nothing can be checked."),
    "c.fail.unexpected": ("核对时出现意外错误。", "The check failed unexpectedly."),
    "c.fail.rollback": ("警告：网站现在给出的公开日志比本手机以前看到的还短，记录可能被删除或"
                        "回退了！",
                        "Warning: the public log the site serves now is shorter than the one "
                        "this phone saw before; records may have been removed or rolled back!"),
    "c.fail.fork": ("警告：网站现在给出的公开日志与本手机以前看到的互相矛盾，记录可能被改写了！",
                    "Warning: the public log the site serves now contradicts the one this "
                    "phone saw before; records may have been rewritten!"),
    "c.fail.key_changed": ("警告：本活动公开日志的签名密钥与本手机以前记住的不同！",
                           "Warning: the event's log signing key differs from the one this "
                           "phone remembered!"),
    "c.contact": ("请截图保存本页，并联系区教育局招生办。",
                  "Take a screenshot of this page and contact the district admissions office."),
    "c.contact_warning": ("请截图保存本页，并同时告知监督小组。",
                          "Take a screenshot of this page and tell the supervision group too."),
    "c.technical": ("技术细节", "Technical details"),
    "c.steps": ("在您手机上核对的步骤", "What was checked on your phone"),
    # status cards (static/check-view.js statusCard; §14 status codes)
    "c.s.before_draw": ("摇号还没有进行", "The draw has not taken place yet"),
    "c.s.before_draw_date": ("摇号结果将于 {date} 公布，届时请再来本页查询。",
                             "Results will be published on {date}; please come back then."),
    "c.s.before_draw_soon": ("摇号结果公布后，请再来本页查询。",
                             "Please come back once the results are published."),
    "c.s.before_draw_note": ("结果公布后，本页会在您的手机上逐项核对，核对通过才显示。",
                             "Once published, the result is checked on your phone before it is "
                             "shown."),
    "c.s.rejected": ("未通过报名资格审核", "The application did not pass the eligibility check"),
    "c.s.rejected_rule": ("原因：不符合“{rule}”。", "Reason: it does not meet “{rule}”."),
    "c.s.rejected_note": ("这条原因只向您本人显示，公开日志里只有被拒绝的人数。",
                          "Only you see this reason; the public log holds only how many were "
                          "refused."),
    "rule.P1-residence": ("须有本市户籍或监护人的本市居住证", "a household registration or a "
                          "guardian's residence permit in this city"),
    "rule.P1-age": ("一年级新生须在入学当年8月31日前年满6周岁",
                    "grade 1: six years old by 31 August of the admission year"),
    "rule.P1-graduation": ("初一新生须为本年度小学毕业生",
                           "grade 7: leaving primary school this year"),
    "rule.P2-second-application": ("每名学生只能报名一所民办学校",
                                   "each pupil may apply to one private school only"),
    "rule.P2-district": ("区级审批的民办学校只招收本区学生",
                         "a district-approved private school takes pupils of its district only"),
    "rule.P3-defaulter": ("报读收费较高的民办学校，监护人须符合信用要求",
                          "a guardian's credit requirement for high-fee private schools"),
    "rule.P8-locked": ("已被其他学校录取的学生不再参加摇号",
                       "a pupil already admitted elsewhere takes no part in the draw"),
    "rule.P10-not-approved": ("直升须在学校报经教育局批准的名单内",
                              "direct promotion needs the school's approved list"),
    "c.s.admitted": ("已录取，请按时缴费确认", "Admitted: please pay to confirm the place"),
    "c.s.admitted_stage": ("在“{stage}”阶段录取。", "Admitted in the “{stage}” stage."),
    "c.s.pay_by": ("请在 {deadline} 前缴费。", "Please pay before {deadline}."),
    "c.s.pay_by_school": ("请按学校通知的期限缴费。", "Please pay by the school's deadline."),
    "c.s.pay_where": ("缴费方式：{where}", "Where to pay: {where}"),
    "c.s.pay_amount": ("缴费金额：{amount}", "Amount: {amount}"),
    "c.s.pay_or_lose": ("逾期未缴费视为放弃，名额按候补顺序递补给其他学生。",
                        "Not paying in time gives the place up to the waiting list."),
    "c.s.confirmed": ("已录取（已缴费确认）", "Admitted (paid and confirmed)"),
    "c.s.confirmed_line": ("缴费期已过且没有放弃记录，名额已确认。",
                           "The payment round passed with no forfeit: the place is confirmed."),
    "c.s.promoted": ("递补录取，第{n}轮", "Admitted from the waiting list, round {n}"),
    "c.s.promoted_confirmed": ("递补录取，第{n}轮（已缴费确认）",
                               "Admitted from the waiting list, round {n} (confirmed)"),
    "c.s.promoted_line": ("抽签后候补第{w}位，第{n}轮有人放弃名额，按候补顺序递补录取。",
                          "Waiting position {w} after the draw; promoted in round {n} when "
                          "places were given up."),
    "c.s.forfeited_unpaid": ("逾期未缴费，已放弃", "Not paid in time: place given up"),
    "c.s.forfeited_line": ("第{n}轮缴费期内没有缴费，名额已按规则递补给候补的学生。",
                           "Not paid in round {n}; the place went to the waiting list."),
    "c.s.forfeited_declined": ("已主动放弃", "Place given up by the family"),
    "c.s.declined_line": ("第{n}轮家长主动放弃了名额，名额已按规则递补给候补的学生。",
                          "Given up in round {n}; the place went to the waiting list."),
    "c.s.waiting": ("候补第{n}位", "Waiting list position {n}"),
    "c.s.waiting_draw": ("抽签时排在候补第{n}位。有人放弃名额时，按候补顺序依次递补。",
                         "Position {n} on the waiting list after the draw; places given up are "
                         "filled in this order."),
    "c.s.waiting_no_round": ("缴费期还没有结算过，候补位置暂时没有变化。",
                             "No payment round has been settled yet; the position has not moved."),
    "c.s.waiting_round": ("第{n}轮结算：全部学校共{forfeits}个名额被放弃，{locks}名候补学生已被"
                          "其他学校录取、不再候补。",
                          "Round {n}: {forfeits} places given up across all schools, {locks} "
                          "waiting pupils admitted elsewhere and no longer waiting."),
    "c.s.waiting_not_yet": ("您的孩子目前还没有递补到。前面还有几位，本凭证不能证明，"
                            "以后续公告为准。",
                            "Your child has not been promoted yet; how many are still ahead is "
                            "not in this receipt."),
    "c.s.not_admitted": ("未录取", "Not admitted"),
    "c.s.closed_line": ("抽签时候补第{n}位，缴费期结束时没有递补到。",
                        "Waiting position {n}; the payment window closed before a promotion."),
    "c.s.no_waiting_line": ("本次摇号没有录取，也没有候补位置。",
                            "Not admitted in the draw, and no waiting position."),
    "c.s.locked_line": ("第{n}轮已确认被其他学校录取，按规定不再参加本校候补。",
                        "Locked to another admission in round {n}: no longer on this waiting "
                        "list."),
    "c.s.next_step": ("后续安排：{step}", "Next step: {step}"),
    "c.s.next_step_default": ("后续安排请关注区教育局招生办的通知。",
                              "Watch for the district admissions office's notice."),
    "c.s.grouped": ("已分班", "Placed in a class"),
    "c.s.class_teacher": ("分在{class}班，班主任{teacher}。",
                          "Class {class}, head teacher {teacher}."),
    "c.s.class_only": ("分在{class}班，班主任还没有确定。",
                       "Class {class}; the head teacher is not assigned yet."),
    "c.s.unknown": ("结果已核对", "Checked"),
    "c.name": ("学生（姓名部分隐藏）", "Pupil (name partly hidden)"),
    "c.reg": ("报名号", "Registration number"),
    "c.school": ("学校", "School"),
    "c.stage": ("阶段", "Stage"),
    "c.rank": ("本阶段摇号顺序", "Place in this stage's draw order"),
    "c.nth": ("第{n}位", "No. {n}"),
    "c.waiting": ("抽签时的候补位置", "Waiting position after the draw"),
    "c.class": ("班级", "Class"),
    "c.teacher": ("班主任", "Head teacher"),
    "c.number": ("随机号", "Lottery number"),
    "c.cutoff": ("本阶段最后一名录取者的随机号",
                 "Lottery number of the last admitted in this stage"),
    "c.number_note": ("随机号由摇号仪式上公开产生的随机种子和报名号算出，任何人都能自己重算；同一"
                      "阶段里随机号越小越靠前。它不是分数。",
                      "The lottery number is computed from the seed made in public at the "
                      "ceremony and the registration number, so anyone can recompute it; "
                      "within a stage smaller numbers come first. It is not a score."),
    "c.w.count": ("{n} 个独立见证方已联署", "{n} independent witnesses cosigned"),
    "c.w.none": ("没有独立见证方联署", "No independent witness cosigned"),
    "c.w.quorum_met": ("（达到本活动要求的见证数）", "(the event's witness quorum is met)"),
    "c.w.quorum_not_met": ("（未达到本活动要求的见证数）",
                           "(the event's witness quorum is NOT met)"),
    "c.receipt_title": ("保存录取凭证", "Keep the receipt"),
    "c.receipt_hint": ("凭证文件可以离线核对，不需要本网站：以后在本页选择这个文件即可再次核对。",
                       "The receipt file can be checked offline, without this site: pick it on "
                       "this page later."),
    "c.receipt_download": ("下载凭证文件", "Download the receipt file"),
    "c.receipt_qr_hint": ("扫描二维码可在手机上打开本页并填好报名号（二维码里没有身份证号）。",
                          "The QR code opens this page with the registration number filled in "
                          "(it holds no ID digits)."),
    "c.file_title": ("已保存凭证文件？", "Saved a receipt file?"),
    "c.file_hint": ("先在上面填写报名号，再选择或拖入凭证文件：在本手机上核对，不联网。",
                    "Fill in the registration number above, then pick or drop the file: it is "
                    "checked on this phone, offline."),
    "c.file_pick": ("选择凭证文件", "Choose a receipt file"),
    "c.file_policy": ("选择见证政策文件（可选）", "Choose a witness policy file (optional)"),
    "c.file_policy_loaded": ("已使用见证政策文件：{name}", "Using the witness policy {name}"),
    "c.file_need_reg": ("请先填写孩子的报名号，再选择凭证文件。",
                        "Enter the child's registration number first, then pick the file."),
    "step.format": ("凭证格式正确，是您孩子的", "The receipt is well formed and your child's"),
    "step.checkpoint": ("来自本活动签名的公开日志", "It comes from the event's signed public log"),
    "step.consistency": ("与本手机以前看到的日志一致",
                         "Consistent with the log this phone saw before"),
    "step.inclusion": ("相关记录都在公开日志中", "The records are in the public log"),
    "step.records": ("报名记录在摇号前封存的名单中", "The record is in the list sealed before "
                     "the draw"),
    "step.number": ("随机号由公开的随机种子算出，与录取结果相符",
                    "The lottery number comes from the public seed and fits the outcome"),
    "step.ok": ("通过", "passed"),
    "step.bad": ("未通过", "failed"),
    "step.skipped": ("未检查", "not checked"),
    "c.why.first": ("本手机第一次查看本活动，没有以前的记录可比较。",
                    "This phone has not seen this event before: nothing to compare."),
    "c.why.same": ("与本手机上次看到的日志相同。", "The same log this phone saw last time."),
    "c.why.extends": ("日志比上次长，且包含上次看到的全部内容。",
                      "The log grew and still holds everything seen last time."),
    "c.why.unproven": ("日志比上次长，但没有拿到比较所需的证明，这一步没有检查。",
                       "The log grew, but no proof to compare was available: not checked."),
    "c.why.rollback": ("日志比本手机上次看到的短。", "The log is shorter than last time."),
    "c.why.fork": ("日志与本手机上次看到的矛盾。", "The log contradicts the one seen last time."),
    "c.why.key_changed": ("签名密钥与本手机上次记住的不同。",
                          "The signing key differs from the one remembered."),
    "c.why.published": ("本手机第一次查看本活动；凭证与网站现在公布的日志一致。",
                        "This phone has not seen this event before; the receipt agrees with "
                        "the log the site publishes now."),
    "c.why.no_number": ("这个结果不涉及随机号。", "This result involves no lottery number."),
    # dashboard
    "per_school": ("各校情况", "Per school"),
    "chart_seats": ("各阶段报名人数与名额", "Applicants and seats per stage"),
    "by_district": ("按区县录取", "Admissions by district"),
    "district": ("区县", "District"),
    "bias": ("偏差审计", "Bias audit"),
    "bias_note": ("p 值低于 0.001 时标记；标记表示需要查看，不表示重摇。",
                  "Flagged when p < 0.001; a flag asks for a look, not a re-draw."),
    "dimension": ("维度", "Dimension"),
    "p_value": ("p 值", "p-value"),
    "flag": ("标记", "Flag"),
    "flagged": ("⚠ 已标记", "⚠ flagged"),
    "ok": ("正常", "ok"),
    "not_yet": ("尚未产生。", "Not yet available."),
    "checkpoints": ("签名检查点", "Signed checkpoints"),
    "size": ("条目数", "Size"),
    "root": ("根哈希", "Root"),
    "cosignatures": ("联署", "Cosignatures"),
    "cosign_help": ("联署表示“我核对过这个检查点”。监督方先用验证器核对审计包，再联署。",
                    "A cosignature says “I checked this checkpoint”. Supervisors verify the "
                    "bundle first, then cosign."),
    # supervisors' page: fairness in sentences (§8), stages, districts, what to cosign
    "fair.h": ("摇号公平性检验", "Is the draw fair?"),
    "fair.intro": ("对每个报名人数超过名额的摇号池，比较各组（区县、性别、报名日期）的中签人数"
                   "与纯随机抽签的预期。p 值越小，结果越不像纯随机；低于 0.001 才提示需要关注，"
                   "提示只表示请监督组查看，不表示重新摇号。",
                   "For every over-subscribed pool, the winners of each group (district, "
                   "gender, registration day) are compared with what a purely random draw "
                   "would give. The smaller p, the less random it looks; only p < 0.001 asks "
                   "for a closer look, never for a re-draw."),
    "fair.h_overall": ("全部摇号池合计", "All pools together"),
    "fair.h_pools": ("各摇号池", "Pool by pool"),
    "fair.pool": ("{school}（{stage}）：{members} 人参加摇号，{winners} 人中签",
                  "{school} ({stage}): {members} in the draw, {winners} won"),
    "fair.no_pools": ("没有报名人数超过名额的阶段，没有摇号，无需检验。",
                      "No stage was over-subscribed: nothing was drawn, nothing to test."),
    "fair.passed": ("通过", "Passed"),
    "fair.flagged": ("需关注", "Look closer"),
    "fair.na": ("不适用", "Not applicable"),
    "fair.not_public": ("不适用", "Not applicable"),
    "fair.say.passed": ("未发现偏差：按{dim}分组，中签人数与随机抽签的预期一致（p = {p}）。",
                        "No bias found by {dim}: the winners match a random draw (p = {p})."),
    "fair.say.flagged": ("需要关注：按{dim}分组，中签人数与预期差异明显（p {p}）。请监督组用验证器"
                         "核对，这不表示要重新摇号。",
                         "Look closer: by {dim} the winners differ clearly from a random draw "
                         "(p {p}). Supervisors check with the verifier; this is no re-draw."),
    "fair.say.na": ("不适用：按{dim}分组只有一组、没有人中签或没有摇号，无法检验。",
                    "Not applicable: by {dim} there is one group only, nobody won or nothing "
                    "was drawn, so the test cannot run."),
    "fair.say.not_public": ("不适用：性别不公开（§17），由监督组凭开启文件用验证器核对。",
                            "Not applicable: gender is not public (§17); the supervision group "
                            "checks it with the openings file."),
    "fair.pools_note": ("每个摇号池单独检验一次。“无法检验”：这个池只有一组（如本区阶段的摇号池都"
                        "来自同一个区县）或没有人中签，无从比较；性别不公开，由监督组凭开启文件"
                        "核对（§17）。",
                        "Each pool is tested on its own. \"Cannot test\": the pool has one group "
                        "only (a district stage's pool is all one district) or nobody won, so "
                        "there is nothing to compare; gender is not public and is checked by the "
                        "supervision group (§17)."),
    "fair.pool_h": ("摇号池（学校、阶段）", "Pool (school, stage)"),
    "fair.members": ("参加摇号", "In the draw"),
    "fair.cell.passed": ("通过（p = {p}）", "Passed (p = {p})"),
    "fair.cell.flagged": ("⚠ 需关注（p {p}）", "⚠ Look closer (p {p})"),
    "fair.cell.na": ("不适用：无法检验", "Not applicable: cannot test"),
    "fair.cell.not_public": ("不适用：不公开", "Not applicable: not public"),
    "fair.value": ("组别", "Group"),
    "fair.winners": ("中签", "Won"),
    "fair.expected": ("随机预期中签", "Expected if random"),
    "dim.district": ("区县", "district"),
    "dim.gender": ("性别", "gender"),
    "dim.reg_day": ("报名日期", "registration day"),
    "stages_h": ("各阶段", "Stages"),
    "returned_n": ("退回教育局", "Returned to bureau"),
    "dist.h": ("各区县录取率", "Admission rate by district"),
    "dist.note": ("条形长度是录取率（录取人数 ÷ 报名人数），按报名学生的户籍区县统计；放弃或逾期"
                  "未缴费的不计入录取。",
                  "Bar length is the admission rate (admitted ÷ applicants) by home district; "
                  "forfeited places are not counted."),
    "dist.bar": ("{name}：报名 {applicants} 人，录取 {admitted} 人（{rate}%）",
                 "{name}: {applicants} applied, {admitted} admitted ({rate}%)"),
    "cosign.next": ("下一步请联署检查点 {size}（最新的签名检查点，包含此前全部 {size} 条记录）；"
                    "已有 {n}/{w} 位监督方联署。",
                    "Cosign checkpoint {size} next (the latest; it covers all {size} entries "
                    "before it); {n} of {w} supervisors have cosigned it."),
    "cosign.done": ("最新检查点 {size} 已由全部 {w} 位监督方联署。日志再增长时，请联署新的最新"
                    "检查点。",
                    "The latest checkpoint {size} carries all {w} supervisors' cosignatures. "
                    "When the log grows, cosign the new latest one."),
    "cosign.no_witness": ("还没有登记监督方的联署密钥；登记后请联署最新检查点 {size}。",
                          "No supervisor key is registered yet; once registered, cosign the "
                          "latest checkpoint {size}."),
    "cp_shown": ("最近 {shown} 个，共 {total} 个", "latest {shown} of {total}"),
    "register": ("学籍核对（S9）", "Class-register re-check (S9)"),
    "register_help": ("上传学校从学籍系统导出的班级名单（CSV，含“报名号/学籍号”和“班级”两列）。",
                      "Upload the school's class register from the student registry (CSV with "
                      "reg and class columns)."),
    "register_file": ("班级名单文件（CSV）", "Class register file (CSV)"),
    "compare": ("核对", "Compare"),
    "moved": ("班级与分班结果不同", "Moved to another class"),
    "missing": ("分班结果中有、名单中没有", "Grouped but missing from the register"),
    "extra": ("名单中有、未参加分班", "In the register but never grouped"),
    "logged_class": ("分班结果", "Logged class"),
    "register_class": ("学籍名单", "Register class"),
    "clean": ("与分班结果完全一致。", "Matches the logged grouping exactly."),
    "register_bad": ("无法读取名单：", "Cannot read the register: "),
    "no_grouping": ("尚无分班结果。", "No grouping has been logged yet."),
    # supervisor dashboard: cosign in the browser (§12)
    "cosign": ("联署最新检查点", "Cosign the latest checkpoint"),
    "cosign_page_help": ("在本浏览器中联署：页面先用日志公钥验证最新检查点的签名，并与本浏览器"
                         "以前记住的检查点比较，再用您的见证私钥签名。私钥文件只在本浏览器中读取，"
                         "不会上传。",
                         "Cosign in this browser: the page first checks the log's signature on "
                         "the latest checkpoint and compares it with the checkpoint this browser "
                         "remembered, then signs it with your witness key. The key file is read "
                         "in this browser only and never uploaded."),
    "s_token": ("监督方令牌", "Supervisor token"),
    "witness_key_file": ("见证私钥文件（sunshine witness keygen 生成）",
                         "Witness private key file (made by sunshine witness keygen)"),
    "witness_key_help": ("私钥只在本浏览器中使用，不会发送到服务器。",
                         "The key is used in this browser only; it is never sent to the server."),
    "cosign_button": ("验证并联署", "Verify and cosign"),
    "cosign_cli": ("也可以在命令行联署：", "Or cosign from the command line:"),
    "w.need_fields": ("请填写监督方令牌并选择见证私钥文件。",
                      "Enter the supervisor token and choose the witness key file."),
    "w.cosigning": ("正在验证并联署……", "Checking and cosigning…"),
    "w.bad_key": ("无法读取私钥文件：", "Cannot read the key file: "),
    "w.not_registered": ("此见证密钥未在本活动登记，未联署：",
                         "This witness key is not registered for this event; not cosigned: "),
    "w.other_key": ("本活动以此名称登记的见证密钥与此私钥不符，未联署。已登记的是：",
                    "The witness registered under this name has another key; not cosigned. "
                    "Registered: "),
    "w.signature_ok": ("最新检查点（条目数 {size}）的日志签名有效",
                       "The log's signature on the latest checkpoint (size {size}) is valid"),
    "w.signature_bad": ("最新检查点的日志签名无效，未联署：",
                        "The log's signature on the latest checkpoint is not valid; "
                        "not cosigned: "),
    "w.first_seen": ("本浏览器没有记住本活动以前的检查点：没有可比较的，一致性未检查。",
                     "This browser remembers no earlier checkpoint of this event: nothing to "
                     "compare, consistency not checked."),
    "w.same": ("与本浏览器以前记住的检查点相同（条目数与根哈希一致）。",
               "The same checkpoint this browser remembered (same size and root)."),
    "w.grew": ("条目数从本浏览器记住的 {old} 增长到 {new}：一致性证明表明新日志包含旧日志"
               "（RFC 9162）。",
               "The size grew from {old} (remembered by this browser) to {new}: the consistency "
               "proof shows the new log extends the old one (RFC 9162)."),
    "w.older": ("最新检查点（条目数 {new}）比本浏览器以前见过的（条目数 {old}）还小：日志不会缩短，"
                "未联署。",
                "The latest checkpoint (size {new}) is smaller than one this browser saw before "
                "(size {old}): a log never shrinks; not cosigned."),
    "w.fork": ("警告：条目数 {size} 有两个不同的根哈希（分叉）！未联署。请截图并联系监督小组。",
               "Warning: two different roots for size {size} (a fork)! Not cosigned. Take a "
               "screenshot and contact the supervision group."),
    "w.key_changed": ("警告：本浏览器以前记住的本活动检查点是用另一个日志密钥签名的！未联署。"
                      "请截图并联系监督小组。",
                      "Warning: the checkpoint this browser remembered for this event was "
                      "signed with another log key! Not cosigned. Take a screenshot and "
                      "contact the supervision group."),
    "w.missing": ("服务器返回的检查点中没有这条联署。",
                  "The checkpoint the server returned does not hold this cosignature."),
    "w.done": ("✓ 已联署条目数为 {size} 的检查点，现有联署 {count} 个。",
               "✓ Cosigned the checkpoint of size {size}. Cosignatures now: {count}."),
    # operator
    "token": ("管理员令牌", "Admin token"),
    "token_help": ("令牌只保存在本标签页（sessionStorage），关闭即清除。",
                   "The token stays in this tab only (sessionStorage)."),
    "save": ("保存", "Save"),
    "steps": ("流程步骤", "Lifecycle steps"),
    "run": ("执行", "Run"),
    "imports": ("数据导入", "Imports"),
    "file": ("文件", "File"),
    "upload": ("上传", "Upload"),
    "import_errors": ("导入被拒绝，未保存任何数据。错误：",
                      "Import rejected; nothing was stored. Errors:"),
    "row": ("行", "Row"),
    "field": ("字段", "Field"),
    "reason": ("原因", "Reason"),
    "done": ("完成", "Done"),
    "ceremony_select": ("仪式", "Ceremony"),
    "entropy": ("物理随机数（骰子）", "Physical entropy (dice)"),
    "dice_values": ("骰子点数（空格分隔，{n}个 1–6）", "Dice values (space-separated, {n} of 1–6)"),
    "kind": ("类型", "Kind"),
    # ceremony participant's page (§5.3, §5.4)
    "participate": ("仪式参与方：承诺与揭示", "Ceremony participant: commit and reveal"),
    "participate_why": ("秘密在本浏览器中生成（WebCrypto），只有承诺和加密托管发送到服务器；"
                        "秘密本身由您保存，到揭示阶段再公开。",
                        "Your secret is made in this browser (WebCrypto); only the commitment "
                        "and the sealed escrow are sent. You keep the secret until the reveal."),
    "p_token": ("参与方令牌", "Participant token"),
    "p_token_help": ("令牌只保存在本标签页（sessionStorage）。",
                     "The token stays in this tab only (sessionStorage)."),
    "participant_id": ("参与方编号", "Participant id"),
    "participant_id_hint": ("例如 notary-1（以身份编号，不用姓名）",
                            "e.g. notary-1 (a role id, never a name)"),
    "ceremony_step": ("仪式进度", "Ceremony step"),
    "escrow_key": ("本仪式的托管公钥（公证处）", "This ceremony's escrow key (notary office)"),
    "commit_button": ("生成秘密并提交承诺", "Make my secret and commit"),
    "reveal_button": ("揭示", "Reveal"),
    "secret_file": ("选择秘密文件", "Choose the secret file"),
    "your_secret": ("您的秘密（请妥善保存，揭示前不要告诉任何人）",
                    "Your secret (keep it; tell nobody before the reveal)"),
    "download_secret": ("下载秘密文件", "Download the secret file"),
    "your_commitment": ("您的承诺", "Your commitment"),
    "cstep.not_opened": ("尚未开始", "not opened"),
    "cstep.committing": ("接受承诺", "taking commitments"),
    "cstep.revealing": ("揭示阶段", "revealing"),
    "cstep.entropy": ("等待骰子", "waiting for the dice"),
    "cstep.beacon": ("等待信标", "waiting for the beacon"),
    "cstep.seeded": ("已产生种子", "seeded"),
    "p.loading": ("读取中……", "Loading…"),
    "p.committing": ("正在生成秘密并提交……", "Making the secret and committing…"),
    "p.committed": ("承诺已写入日志。请下载并保存秘密文件。",
                    "The commitment is in the log. Download and keep the secret file."),
    "p.revealed": ("秘密已揭示并写入日志。", "The secret is revealed and in the log."),
    "p.not_participant": ("此编号不是本仪式的参与方：",
                          "This id is not a participant of this ceremony: "),
    "p.not_committing": ("本仪式当前不接受承诺。", "This ceremony is not taking commitments."),
    "p.already_committed": ("您已提交过承诺，不能再次提交。",
                            "You have already committed; a second commitment is refused."),
    "p.not_revealing": ("承诺尚未截止或揭示已结束，现在不能揭示。",
                        "Commitments are not closed yet, or the reveal is over."),
    "p.already_settled": ("您的贡献已经记录：", "Your contribution is already settled: "),
    "p.no_commitment": ("日志中没有您的承诺。", "The log has no commitment of yours."),
    "p.no_secret": ("本浏览器中没有保存秘密，请选择秘密文件。",
                    "No secret is kept in this browser; choose the secret file."),
    "p.bad_secret": ("秘密文件格式不对（应为64位小写十六进制）。",
                     "The secret file is not 64 lowercase hex digits."),
    "p.mismatch": ("此秘密与日志中的承诺不符，未发送。",
                   "This secret does not match your logged commitment; nothing was sent."),
    "p.need_fields": ("请填写令牌和参与方编号。", "Enter the token and the participant id."),
    "p.your_role": ("您的身份", "Your role"),
    "p.commit_how": ("秘密在本浏览器中生成，不在屏幕上显示。提交后请立即下载秘密文件，"
                     "存到您自己的U盘；揭示时选择这个文件即可，不需要显示秘密。",
                     "The secret is made in this browser and not shown on screen. After "
                     "committing, download the secret file at once and keep it on your own USB "
                     "stick; at the reveal, choose that file: the secret never needs to be shown."),
    "p.secret_kept": ("秘密已生成并保存在本浏览器中，屏幕上不显示。",
                      "Your secret is made and kept in this browser; it is not shown."),
    "p.camera_warning": ("会场摄像机和旁人可能拍到这块屏幕。",
                         "Hall cameras and people nearby can film this screen."),
    "p.show_only_if": ("只有确认无人能看到屏幕时才显示秘密；揭示时不需要显示。",
                       "Show the secret only when nobody can see the screen; the reveal does not "
                       "need it shown."),
    "p.show_secret": ("显示秘密", "Show the secret"),
    "p.hide_secret": ("隐藏秘密", "Hide the secret"),
    "p.reveal_how": ("选择提交时下载的秘密文件（不选则使用本浏览器保存的秘密）。"
                     "页面先与日志中的承诺核对，相符才发送；秘密不在屏幕上显示。",
                     "Choose the secret file you downloaded at the commit (or use the secret kept "
                     "in this browser). The page checks it against your logged commitment before "
                     "sending it; the secret is not shown on screen."),
    "p.no_file": ("未选择文件（将使用本浏览器保存的秘密）",
                  "No file chosen (the secret kept in this browser will be used)"),
    # every file input (page.js filePicker): the browser's own "Choose File" is hidden
    "file_pick": ("选择文件", "Choose a file"),
    "file_none": ("未选择文件", "No file chosen"),
    "file_chosen": ("已选择：", "Chosen: "),
    "p.people": ("本仪式的参与方", "Participants of this ceremony"),
    "p.not_committed": ("未承诺", "not committed"),
    "p.escrow_key_reused": ("本仪式的托管公钥与另一个仪式的相同（每个仪式必须有自己的密钥），"
                            "未提交承诺；请联系公证处。",
                            "This ceremony's escrow key is another ceremony's too (each ceremony "
                            "must have its own key); nothing was sent. Contact the notary office."),
    # §5.2 participant roles
    "role.notary": ("公证员", "Notary"),
    "role.supervisor": ("监督员", "Supervisor"),
    "role.parent-rep": ("家长代表", "Parent representative"),
    "role.bureau": ("教育局", "Education bureau"),
    # giving a place up on the parents' page (static/decline.js; service.declines)
    "c.decline.title": ("放弃录取学位", "Give up the place"),
    "c.decline.hint": ("如果您不需要这个学位，可以在缴费截止前在这里放弃，候补的家庭将依次递补。"
                       "放弃后不能撤销。",
                       "If you do not need this place, give it up here before the payment "
                       "deadline; the next family on the waiting list moves up. This cannot "
                       "be undone."),
    "c.decline.open": ("我要放弃这个学位", "I want to give up this place"),
    "c.decline.warning": ("放弃后，该学位将在下一轮缴费结算时让给候补的家庭，不能撤销。",
                          "The place goes to the waiting list at the next payment round; "
                          "this cannot be undone."),
    "c.decline.type": ("请输入“放弃”两个字以确认", "Type 放弃 to confirm"),
    "c.decline.submit": ("确认放弃", "Give it up"),
    "c.decline.cancel": ("不放弃，返回", "Keep the place"),
    "c.decline.sending": ("正在提交……", "Sending…"),
    "c.decline.done": ("已登记放弃该学位，将在下一轮缴费结算时生效。登记时间：{at}",
                       "Given up; it takes effect at the next payment round. Recorded: {at}"),
    "c.decline.already": ("此前已登记放弃该学位，将在下一轮缴费结算时生效。",
                          "Already given up; it takes effect at the next payment round."),
    "c.decline.until_round": ("上方的结果来自公开日志，在下一轮缴费结算记入日志之前仍显示为录取；"
                              "结算后将显示为“已放弃”。无需再缴费。",
                              "The result above comes from the public log and shows the offer "
                              "until the next payment round is logged; then it shows the place "
                              "as given up. There is nothing to pay."),
    # supervisors' read-only page in the static publication (static/supervise.js, §18)
    "v.title": ("监督公示（只读）", "Supervision view (read-only)"),
    "v.intro": ("本页从公开发布的文件读取数据，在您的浏览器中对照签名检查点逐条核验后才显示，"
                "不需要招生系统的服务器。联署检查点、核对学籍名单请用监督看板。",
                "This page reads the published files and shows a figure only after this "
                "browser has checked it against the signed checkpoint; it needs no admission "
                "server. To cosign or re-check a class register, use the supervisor dashboard."),
    "v.loading": ("正在加载……", "Loading…"),
    "v.checking": ("正在核验……", "Checking…"),
    "v.h.checks": ("核验情况", "What was checked"),
    "v.h.checkpoint": ("签名检查点", "Signed checkpoint"),
    "v.h.seeds": ("随机种子", "Seeds"),
    "v.h.payments": ("缴费与递补", "Payment rounds and promotions"),
    "v.h.grouping": ("阳光分班与班主任匹配", "Class grouping and head teachers"),
    "v.h.corrections": ("更正记录", "Corrections"),
    "v.h.not_here": ("本页不包含的内容", "Not on this page"),
    "v.not_here": ("各摇号池的逐池检验、各区县录取率和重新计算摇号结果需要全部报名记录，"
                   "本页不做；请用完整核验程序核验整个核验包。",
                   "Pool-by-pool tests, admission rates by district and recomputing the draw "
                   "need every application record, so this page does not do them; run the "
                   "full verifier on the whole bundle."),
    "v.full_check": ("完整核验：从教育局或招生系统取得核验包（bundle.zip，也在本目录的 "
                     "bundle/ 下），用 Python 运行：",
                     "Full check: get the bundle (bundle.zip from the bureau or the admission "
                     "server; also under bundle/ here) and run, with Python:"),
    "v.key_from_bureau": ("从教育局取得的日志公钥文件", "the log key file from the bureau"),
    "v.step.signature": ("检查点由本活动的日志密钥签名",
                         "The checkpoint is signed by the event's log key"),
    "v.step.witnesses": ("见证人联署达到规定人数", "Enough witnesses cosigned it"),
    "v.step.consistency": ("与本浏览器以前看到的日志一致",
                           "It agrees with the log this browser saw before"),
    "v.step.entries": ("下列每条记录都在签名日志中", "Every record below is in the signed log"),
    "v.step.complete": ("记录清单是否列全", "Whether the list of records is complete"),
    "v.signature_ok": ("日志签名有效，日志共 {size} 条记录。",
                       "The log signature is valid; the log has {size} entries."),
    "v.signature_bad": ("检查点无法验证，本页不显示任何数据：{why}",
                        "The checkpoint does not verify; nothing is shown: {why}"),
    "v.quorum_ok": ("{n}/{w} 位见证人联署，达到规定人数。",
                    "{n} of {w} witnesses cosigned: the quorum is met."),
    "v.quorum_short": ("只有 {n}/{w} 位见证人联署，未达到规定人数。"
                       "以下数据来自日志签名，请联系监督组。",
                       "Only {n} of {w} witnesses cosigned: the quorum is not met. The figures "
                       "below carry the log's signature only; contact the supervision group."),
    "v.tiles_bad": ("发布目录中的日志文件与签名检查点不符（可能被篡改或缺失），"
                    "本页不显示数据：{why}",
                    "The published log files do not match the signed checkpoint (tampered or "
                    "missing); nothing is shown: {why}"),
    "v.key_changed": ("警告：本浏览器以前看到的本活动日志是用另一个密钥签名的！"
                      "请截图并联系监督组。",
                      "Warning: this browser saw this event's log signed with another key "
                      "before! Take a screenshot and contact the supervision group."),
    "v.rollback": ("警告：现在发布的日志（{new} 条）比本浏览器以前看到的（{old} 条）还短，"
                   "日志不会缩短！请截图并联系监督组。",
                   "Warning: the published log ({new} entries) is shorter than the one this "
                   "browser saw ({old}); a log never shrinks! Take a screenshot and contact "
                   "the supervision group."),
    "v.fork": ("警告：日志前 {size} 条与本浏览器以前看到的不同（分叉）！请截图并联系监督组。",
               "Warning: the first {size} entries differ from what this browser saw (a "
               "fork)! Take a screenshot and contact the supervision group."),
    "v.first": ("本浏览器第一次查看本活动，没有以前的日志可比较。",
                "This browser has not seen this event before: nothing to compare."),
    "v.same": ("与本浏览器以前看到的检查点相同。", "The same checkpoint this browser saw before."),
    "v.grew": ("日志从本浏览器以前看到的 {old} 条增长到 {new} 条，前 {old} 条完全不变。",
               "The log grew from {old} entries, as this browser saw it, to {new}; the first "
               "{old} are unchanged."),
    "v.entries_ok": ("{n} 条记录逐条与签名检查点（{size} 条）核对一致。",
                     "{n} entries each match the signed checkpoint ({size} entries)."),
    "v.entries_bad": ("记录与签名检查点不符（可能被篡改），本页不显示数据：{why}",
                      "An entry does not match the signed checkpoint (tampered?); nothing is "
                      "shown: {why}"),
    "v.complete_not_run": ("本页只核对列出的记录；是否有记录未列出，"
                           "由完整核验程序检查（见本页末尾）。",
                           "This page checks the listed entries only; whether any is missing "
                           "is for the full verifier (see the end of the page)."),
    "v.not_run": ("前一项未通过，未检查。", "Not checked: the step before failed."),
    "v.status_ok": ("✓ 以下 {n} 条记录已在本浏览器中核验（日志 {size} 条）。",
                    "✓ The {n} entries below were checked in this browser (log of {size})."),
    "v.status_failed": ("✗ 核验未通过，本页不显示数据。请稍后刷新；仍不通过请联系监督组。",
                        "✗ The check failed; nothing is shown. Reload later; if it still "
                        "fails, contact the supervision group."),
    "v.status_evidence": ("✗ 警告：发现日志被回滚、分叉或换了密钥的证据！请截图并立即联系监督组。",
                          "✗ Warning: evidence that the log was rolled back, forked or re-keyed! "
                          "Take a screenshot and contact the supervision group now."),
    "v.cosigned_quorum": ("{n}/{w}，达到规定人数：{names}", "{n} of {w}, quorum met: {names}"),
    "v.cosigned_short": ("{n}/{w}，未达到规定人数：{names}", "{n} of {w}, quorum not met: {names}"),
    "v.stage_line": ("{stage}：名额 {seats}，报名 {applicants}，录取 {admitted}（{drawn}）",
                     "{stage}: {seats} seats, {applicants} applied, {admitted} admitted ({drawn})"),
    "v.drawn": ("摇号", "drawn"),
    "v.sep": ("；", "; "),
    "v.list_sep": ("、", ", "),
    "v.witness_at": ("{name}（{time} UTC）", "{name} ({time} UTC)"),
    "v.not_drawn": ("未摇号", "not drawn"),
    "v.round": ("缴费轮次", "Round"),
    "v.round_n": ("第 {n} 轮", "Round {n}"),
    "v.forfeits": ("放弃或逾期未缴", "Forfeited"),
    "v.locks": ("锁定", "Locked"),
    "v.promoted": ("递补录取", "Promoted"),
    "v.payments_open": ("缴费尚未结束。", "Payments are not closed yet."),
    "v.payments_closed": ("缴费已结束，共 {n} 轮。", "Payments closed after {n} rounds."),
    "v.classes": ("班级数", "Classes"),
    "v.exchanges": ("平衡交换次数", "Balancing exchanges"),
    "v.teachers": ("已匹配班主任", "Head teachers matched"),
    "v.ceremony": ("环节", "Ceremony"),
    "v.records": ("封存名单记录数", "Records in the sealed list"),
    "v.published": ("结果已公布", "Results published"),
    "v.no_corrections": ("没有更正记录。", "No corrections."),
    "v.correction": ("第 {seq} 条更正了第 {refers_to} 条：{reason}",
                     "Entry {seq} corrects entry {refers_to}: {reason}"),
    "v.female": ("女", "female"),
    "v.male": ("男", "male"),
}

STRINGS.update(operate_strings())  # the operator console's "o." keys (api/operate_strings.py)

# Keys the browser scripts use (ceremony screen, parents' page, operator console).
JS_KEYS: tuple[str, ...] = (
    "waiting_for_log", "committed", "revealed", "escrow_opened", "void", "seed_inputs",
    "stage.direct", "stage.community", "stage.district", "stage.city", "seats", "applicants",
    "admitted_n", "drawn", "yes", "no", "admitted_list", "waiting_list", "class", "teacher",
    "pupils", "school", "ceremony_lottery", "ceremony_grouping", "ceremony_teachers",
    "reconnecting", "error", "done", "file_pick", "file_none", "file_chosen",
    "import_errors", "row", "field", "reason", "participant", "role", "commitment", "status",
    "dice", "witness", "seed", "stage", "quota", "roster_root",
    # parents' page (every "c." key) and the three step states both checking pages show
    "not_found", "too_many", *(key for key in STRINGS if key.startswith(("c.", "step.", "rule.P"))),
    # ceremony screen (every "h." key)
    *(key for key in STRINGS if key.startswith("h.")),
    # ceremony participant's page
    "cstep.not_opened", "cstep.committing", "cstep.revealing", "cstep.entropy", "cstep.beacon",
    "cstep.seeded", "p.loading", "p.committing", "p.committed", "p.revealed",
    "p.not_participant", "p.not_committing", "p.already_committed", "p.not_revealing",
    "p.already_settled", "p.no_commitment", "p.no_secret", "p.bad_secret", "p.mismatch",
    "p.need_fields", "p.show_secret", "p.hide_secret", "p.no_file",
    "p.not_committed", "p.escrow_key_reused",
    "role.notary", "role.supervisor", "role.parent-rep", "role.bureau",
    # operator console (every "o." key)
    *(key for key in STRINGS if key.startswith(("o.", "phase."))),
    # supervisors' read-only page (every "v." key) and the fairness texts it shares
    *(key for key in STRINGS if key.startswith(("v.", "fair.", "dim."))),
    "size", "root", "cosignatures", "per_school", "returned_n", "stages_h", "not_yet",
    # supervisor dashboard (cosign)
    "w.need_fields", "w.cosigning", "w.bad_key", "w.not_registered", "w.other_key",
    "w.signature_ok", "w.signature_bad", "w.first_seen", "w.same", "w.grew",
    "w.older", "w.fork", "w.key_changed", "w.missing", "w.done",
)


def lang_of(value: str | None) -> Lang:
    """`?lang=en` selects English; anything else is Chinese (the default)."""
    return "en" if value == "en" else "zh"


def t(lang: Lang, key: str, **kw: object) -> str:
    """The string for `key` in `lang`; an unknown key shows itself (visible in review)."""
    pair = STRINGS.get(key)
    if pair is None:
        return key
    text = pair[0] if lang == "zh" else pair[1]
    return text.format(**kw) if kw else text


def js_strings(lang: Lang) -> dict[str, str]:
    return {key: t(lang, key) for key in JS_KEYS}


def html_lang(lang: Lang) -> str:
    """The `lang` attribute value (BCP 47)."""
    return "zh-Hans" if lang == "zh" else "en"
