// Who may do what, mirrored from the Python domain so that the app never offers an action the API would refuse.
// The API stays the judge (it checks every request); these tables only decide which buttons and screens to show.
// tests/unit/test_web_permissions_mirror.py reads the JSON between the markers and compares it with
// cts.domain.permissions.PERMISSIONS and cts.domain.case_workflow.ROLES / FROM: change both sides together.

// BEGIN PERMISSIONS (action -> roles; cts.domain.permissions.PERMISSIONS)
export const PERMISSIONS = {
  "view_consignments": ["administrator", "auditor", "examination_officer", "risk_manager", "supervisor", "targeting_analyst"],
  "view_alerts": ["administrator", "auditor", "examination_officer", "risk_manager", "supervisor", "targeting_analyst"],
  "ack_alert": ["examination_officer", "supervisor", "targeting_analyst"],
  "view_receipts_all": ["administrator", "auditor", "risk_manager", "supervisor", "targeting_analyst"],
  "view_own_receipts": ["carrier"],
  "upload_manifest": ["administrator", "carrier"],
  "manage_rules": ["administrator", "risk_manager"],
  "approve_rules": ["risk_manager"],
  "manage_users": ["administrator"],
  "view_audit": ["administrator", "auditor", "supervisor"],
  "view_cases": ["administrator", "auditor", "examination_officer", "risk_manager", "supervisor", "targeting_analyst"],
  "work_cases": ["examination_officer", "supervisor", "targeting_analyst"],
  "supervise_cases": ["supervisor"],
  "manage_own_subscriptions": ["administrator", "auditor", "examination_officer", "risk_manager", "supervisor", "targeting_analyst"],
  "view_reports": ["administrator", "auditor", "risk_manager", "supervisor"]
};
// END PERMISSIONS

// BEGIN CASE_ROLES (case action -> roles; cts.domain.case_workflow.ROLES)
export const CASE_ROLES = {
  "claim": ["examination_officer", "supervisor", "targeting_analyst"],
  "assign": ["supervisor"],
  "decide": ["examination_officer", "supervisor", "targeting_analyst"],
  "override": ["supervisor"],
  "record_examination": ["examination_officer", "supervisor"],
  "close": ["examination_officer", "supervisor", "targeting_analyst"],
  "note": ["examination_officer", "supervisor", "targeting_analyst"],
  "report_blocked": ["examination_officer", "supervisor", "targeting_analyst"]
};
// END CASE_ROLES

// BEGIN CASE_FROM (case action -> statuses it may start from; cts.domain.case_workflow.FROM)
export const CASE_FROM = {
  "claim": ["new"],
  "assign": ["decided", "new", "triaged"],
  "decide": ["triaged"],
  "override": ["decided"],
  "record_examination": ["decided"],
  "close": ["decided", "examined"],
  "note": ["closed", "decided", "examined", "new", "triaged"],
  "report_blocked": ["decided", "new", "triaged"]
};
// END CASE_FROM

const OWNER_ONLY = new Set(["decide", "record_examination", "close"]);
const EXAMINATIONS = new Set(["document_check", "physical_examination", "non_intrusive_scan"]);

/** Whether any of `roles` holds the permission `action` (docs/roles.md). */
export function allowed(roles, action) {
  const holders = PERMISSIONS[action] || [];
  return roles.some((role) => holders.includes(role));
}

/**
 * The case actions a user could take on a case now: the same rule as cts.domain.case_workflow.allowed_actions
 * (roles, status, owner, decision). Used where the API's own `allowed_actions` is not at hand (the case board).
 */
export function caseActions(caseRecord, user) {
  const roles = user.roles || [];
  const supervisor = roles.includes("supervisor");
  const status = caseRecord.status === "triage" ? "new" : caseRecord.status;
  return Object.keys(CASE_ROLES).filter((action) => {
    if (!roles.some((role) => CASE_ROLES[action].includes(role))) return false;
    if (!CASE_FROM[action].includes(status)) return false;
    if (OWNER_ONLY.has(action) && !supervisor && caseRecord.assignee !== user.username) return false;
    if (action === "record_examination" && !EXAMINATIONS.has(caseRecord.decision)) return false;
    if (action === "close" && status === "decided" && EXAMINATIONS.has(caseRecord.decision)) return false;
    return true;
  });
}

/**
 * The lifecycle buttons a risk manager sees for a profile version (cts.domain.rule_lifecycle.TRANSITIONS): submit a
 * draft; approve a submitted version unless one wrote or submitted it (four eyes); reject a submitted or approved
 * version; activate an approved one; retire an active one.
 */
export function profileActions(record, user) {
  if (!allowed(user.roles || [], "manage_rules")) return [];
  const profile = record.profile || record;
  const history = record.history || [];
  const submitter = [...history].reverse().find((t) => t.step === "submit");
  const mine = profile.author === user.username || (submitter && submitter.by === user.username);
  switch (profile.status) {
    case "draft":
      return ["submit"];
    case "submitted":
      return mine ? ["reject"] : ["approve", "reject"];
    case "approved":
      return ["activate", "reject"];
    case "active":
      return ["retire"];
    default:
      return [];
  }
}

/** Steps that need a reason (cts.domain.rule_lifecycle.NEEDS_REASON). */
export const NEEDS_REASON = new Set(["reject", "retire"]);
