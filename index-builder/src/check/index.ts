/** Public API of check mode (BUILD-6). */
export { checkChange, type CheckOptions } from './check.js';
export type { CheckReport, CheckFinding, CheckedCommit } from './report.js';
export { renderMarkdown, renderJson, renderText, REPORT_MARKER } from './render.js';
export { CHECK_CODES, type CheckCode } from './codes.js';
export { classifyChanges, locatePath, CHANGE_LABELS, type Change, type ChangeKind, type PathChange } from './classify.js';
export { authorize, authorityFrom, requirementFor, type Authority } from './authorize.js';
