"""Page strings in Simplified Chinese (the default) and English, in one place.

Pages take `?lang=en` to switch; every other value means Chinese. Strings the
browser scripts need are handed to them as JSON (`js_strings`), so the screen
and the parents' checker speak the same words as the server-rendered pages.
"""

from __future__ import annotations

from typing import Literal

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
    # parents' page
    "check_title": ("查询录取结果", "Look up a result"),
    "reg": ("报名号", "Registration number"),
    "reg_hint": ("报名时获得的号码（数字或大写字母）", "The number given at registration"),
    "id_last4": ("身份证号后4位", "Last 4 characters of the ID number"),
    "id_last4_hint": ("学生身份证号的最后4位（可含X）",
                      "The child's ID number, last 4 (may end in X)"),
    "lookup": ("查询", "Look up"),
    "looking": ("查询中……", "Looking up…"),
    "outcome.admitted": ("录取", "Admitted"),
    "outcome.waiting": ("候补第{n}位", "Waiting list position {n}"),
    "outcome.not_drawn": ("未摇中", "Not drawn"),
    "outcome.none": ("不参加摇号（公办学校学生）", "Not in the lottery (public-school pupil)"),
    "forfeited": ("未在缴费期内缴费，名额已放弃", "Not paid in the window: the place was given up"),
    "promoted": ("第{n}轮递补录取", "Admitted from the waiting order in round {n}"),
    "lottery_number": ("摇号编号", "Lottery number"),
    "rank": ("排序", "Rank"),
    "cutoff": ("录取线（最后录取的编号）", "Cut-off (number of the last admitted)"),
    "not_found": ("报名号或身份证后4位不正确。", "Registration number or ID digits do not match."),
    "too_many": ("尝试次数过多，请稍后再试。", "Too many attempts; please try again later."),
    "error": ("出错了：", "Something went wrong: "),
    "verify": ("在本浏览器中验证", "Verify in this browser"),
    "verifying": ("验证中……", "Verifying…"),
    "verified": ("全部验证通过：此结果已写入公开日志，且未被改动。",
                 "All checks passed: this result is in the public log, unchanged."),
    "failed": ("验证失败：", "Verification failed: "),
    "inconsistent": ("警告：新的日志与本浏览器以前见过的日志不一致！请截图并联系监督小组。",
                     "Warning: the new log is not consistent with the one this browser saw "
                     "before! Take a screenshot and contact the supervision group."),
    "why_verify": ("验证在您的手机上完成，不需要相信本网站："
                   "检查签名、日志收录证明和摇号编号的计算。",
                   "The check runs on your phone, without trusting this site: it checks the "
                   "signature, the log inclusion proofs and how your lottery number was computed."),
    "step.input": ("证明格式正确", "The proof is well formed"),
    "step.signature": ("检查点由日志密钥签名", "The checkpoint is signed by the log key"),
    "step.consistency": ("与本浏览器以前见过的日志一致",
                         "Consistent with the log this browser saw before"),
    "step.inclusion": ("相关条目都在公开日志中", "The entries are in the public log"),
    "step.roster": ("报名记录在冻结的报名名单中", "The registration is in the frozen roster"),
    "step.number": ("摇号编号由公开种子重新算出", "The lottery number is recomputed from the seed"),
    "step.outcome": ("录取结果与录取线相符", "The outcome agrees with the cut-off"),
    "step.ok": ("通过", "passed"),
    "step.bad": ("未通过", "failed"),
    "step.skipped": ("未检查", "not checked"),
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
    "w.old_missing": ("服务器不再提供本浏览器记住的条目数 {old} 检查点，未联署：",
                      "The server no longer serves the checkpoint of size {old} this browser "
                      "remembered; not cosigned: "),
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
    "escrow_key": ("公证处托管公钥", "Escrow holder's key"),
    "commit_button": ("生成秘密并提交承诺", "Make my secret and commit"),
    "reveal_button": ("揭示", "Reveal"),
    "secret_file": ("秘密文件（可选；不选则使用本浏览器保存的秘密）",
                    "Secret file (optional; otherwise the secret kept in this browser)"),
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
}

# Keys the browser scripts use (ceremony screen, parents' page, operator console).
JS_KEYS: tuple[str, ...] = (
    "waiting_for_log", "committed", "revealed", "escrow_opened", "void", "seed_inputs",
    "stage.direct", "stage.community", "stage.district", "stage.city", "seats", "applicants",
    "admitted_n", "drawn", "yes", "no", "admitted_list", "waiting_list", "class", "teacher",
    "pupils", "school", "ceremony_lottery", "ceremony_grouping", "ceremony_teachers",
    "reconnecting", "outcome.admitted", "outcome.waiting", "outcome.not_drawn", "outcome.none",
    "forfeited", "promoted", "lottery_number", "rank", "cutoff", "not_found", "too_many",
    "error", "verifying", "verified", "failed", "inconsistent", "looking", "done",
    "import_errors", "row", "field", "reason", "participant", "role", "commitment", "status",
    "dice", "witness", "seed", "stage", "quota", "verify", "lookup", "step.input",
    "step.signature", "step.consistency", "step.inclusion", "step.roster", "step.number",
    "step.outcome", "step.ok", "step.bad", "step.skipped", "class", "roster_root",
    # ceremony participant's page
    "cstep.not_opened", "cstep.committing", "cstep.revealing", "cstep.entropy", "cstep.beacon",
    "cstep.seeded", "p.loading", "p.committing", "p.committed", "p.revealed",
    "p.not_participant", "p.not_committing", "p.already_committed", "p.not_revealing",
    "p.already_settled", "p.no_commitment", "p.no_secret", "p.bad_secret", "p.mismatch",
    "p.need_fields",
    # supervisor dashboard (cosign)
    "w.need_fields", "w.cosigning", "w.bad_key", "w.not_registered", "w.other_key",
    "w.signature_ok", "w.signature_bad", "w.first_seen", "w.same", "w.grew",
    "w.older", "w.fork", "w.old_missing", "w.missing", "w.done",
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
