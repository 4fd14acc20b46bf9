// The tests' name for the harness's audit recorder: a guardedDrop wired to a
// real pino file and a real prom-client registry.

export {
  type AuditLine,
  type AuditRecorder as AuditFixture,
  type CountLabels,
  createAuditRecorder as createAuditFixture,
} from "../../harness/audit_recorder.ts";
