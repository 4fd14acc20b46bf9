// Internal: steps 3 and 4 of the contract, the deletion-intent policy and
// the drop budget. Both fail closed: only `true` or `{ allowed: true }`
// within the bound lets the drop run; a no, a rejection, a timeout or an
// answer of any other shape stops it, with a reason.

import { DeniedError } from "./denied_error.ts";
import type { DropAuthorizer, DropBudget } from "./drop_policy.ts";
import type { DropRequest } from "./drop_request.ts";
import { RateLimitedError } from "./rate_limited_error.ts";
import { isDeadlineError, withDeadline } from "./_deadline.ts";
import { readVerdict } from "./_read_verdict.ts";
import { scrubError } from "./scrub_error.ts";
import { scrubbedMessage } from "./scrub_credentials.ts";

/**
 * Asks the policy.
 *
 * @returns The policy's warning, when it allowed with one.
 * @throws {DeniedError} Unless it allowed within `timeoutMs`.
 */
export async function askPolicy(
  authorize: DropAuthorizer,
  timeoutMs: number,
  request: DropRequest,
): Promise<string | undefined> {
  let answer: unknown;
  try {
    answer = await withDeadline("the policy", timeoutMs, (signal) => authorize(request, signal));
  } catch (err) {
    if (isDeadlineError(err)) {
      throw new DeniedError(`Cannot drop as the deletion-intent policy did not answer within ${err.ms} ms`, {
        reason: err.message,
      });
    }
    const message = scrubbedMessage(err);
    throw new DeniedError(`Cannot drop as the deletion-intent policy failed: ${message}`, {
      cause: scrubError(err),
      reason: `the policy failed: ${message}`,
    });
  }
  const verdict = readVerdict(answer, "the policy");
  if (!verdict.allowed) {
    throw new DeniedError(`Cannot drop as the deletion-intent policy denied it: ${verdict.reason}`, {
      reason: verdict.reason,
    });
  }
  return verdict.warning;
}

/**
 * Takes one drop from the budget.
 *
 * @returns The budget's warning, when it allowed with one.
 * @throws {RateLimitedError} Unless it allowed within `timeoutMs`.
 */
export async function takeBudget(
  budget: DropBudget,
  timeoutMs: number,
  request: DropRequest,
): Promise<string | undefined> {
  let answer: unknown;
  try {
    answer = await withDeadline("the budget", timeoutMs, (signal) => budget.take(request, signal));
  } catch (err) {
    const deadline = isDeadlineError(err);
    const reason = deadline ? err.message : `the budget failed: ${scrubbedMessage(err)}`;
    throw new RateLimitedError(`Cannot drop as the drop budget could not be taken: ${reason}`, {
      ...(!deadline && { cause: scrubError(err) }),
      reason,
    });
  }
  const verdict = readVerdict(answer, "the budget");
  if (!verdict.allowed) {
    throw new RateLimitedError(`Cannot drop as the drop budget said no: ${verdict.reason}`, {
      reason: verdict.reason,
      ...(verdict.retryAfterMs !== undefined && { retryAfterMs: verdict.retryAfterMs }),
    });
  }
  return verdict.warning;
}
