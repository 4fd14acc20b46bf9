/**
 * The list of conformance checks, in the order they run (faults last).
 * Adding a check is adding its module beside this file and one line here.
 *
 * @module
 */

import type { CheckModule } from "../_check_module.ts";
import { activeDeniedCheck } from "./active_denied.ts";
import { auditSinkCheck } from "./audit_sink.ts";
import { breakerCheck } from "./breaker.ts";
import { caseVariantsCheck } from "./case_variants.ts";
import { concurrentCheck } from "./concurrent.ts";
import { dropCheck } from "./drop.ts";
import { hostileCheck } from "./hostile.ts";
import { idempotentCheck } from "./idempotent.ts";
import { notOwnServerCheck } from "./not_own_server.ts";
import { nothingChangedCheck } from "./nothing_changed.ts";
import { oddTokensCheck } from "./odd_tokens.ts";
import { pausedServerCheck } from "./paused_server.ts";
import { quarantineRestorePurgeCheck } from "./quarantine_restore_purge.ts";
import { restoreRacesPurgeCheck } from "./restore_races_purge.ts";
import { restoreTakenCheck } from "./restore_taken.ts";
import { sameTenantCheck } from "./same_tenant.ts";
import { stoppedServerCheck } from "./stopped_server.ts";

/** Every check, in order. */
export const CHECKS: readonly CheckModule[] = Object.freeze([
  dropCheck,
  idempotentCheck,
  hostileCheck,
  oddTokensCheck,
  caseVariantsCheck,
  nothingChangedCheck,
  concurrentCheck,
  sameTenantCheck,
  notOwnServerCheck,
  activeDeniedCheck,
  auditSinkCheck,
  quarantineRestorePurgeCheck,
  restoreTakenCheck,
  restoreRacesPurgeCheck,
  stoppedServerCheck,
  breakerCheck,
  pausedServerCheck,
]);
