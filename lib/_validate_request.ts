// Internal: step 2 of the contract, request validation. A missing or
// malformed field means `refused`, with a message that names the field.

import type { Backend, DropRequest } from "./drop_request.ts";
import { checkTenantToken, type NameRules } from "./name_rules.ts";
import { isDropAction } from "./drop_action.ts";
import { RefusedError } from "./refused_error.ts";
import type { GivenRequest } from "./_drop_record.ts";
import { describeValue } from "./_describe_value.ts";
import { isOwnError } from "./_own_errors.ts";
import { readProperty } from "./_read_property.ts";
import { scrubError } from "./scrub_error.ts";
import { scrubbedMessage } from "./scrub_credentials.ts";

/**
 * Whitespace, control and format characters (zero-width space and joiner,
 * BOM, bidi marks): "postgres " or "postgres\u200b" would look like
 * "postgres" in a log, yet get a breaker and a counter series of its own.
 */
const INVISIBLE_OR_SPACE = /[\s\p{Cc}\p{Cf}]/u;
/** The common case, checked first because it is cheaper: printable ASCII holds none of those. */
const PRINTABLE_ASCII = /^[\x21-\x7e]*$/;

/**
 * Checks the request as given, and the drop callback.
 *
 * @returns The request as validated, frozen: the policy and the budget see
 * what was recorded, never the caller's object again, whose getters could
 * answer otherwise.
 * @throws {RefusedError} On the first field that is missing or malformed,
 * or a token the name rules refuse.
 */
export function validateRequest(given: GivenRequest, drop: unknown, nameRules: NameRules): DropRequest {
  if (given.unreadable !== undefined) {
    const { error } = given.unreadable;
    throw new RefusedError(`Cannot drop as the request could not be read: ${scrubbedMessage(error)}`, {
      cause: scrubError(error),
    });
  }
  if (typeof drop !== "function") {
    throw new RefusedError(`Cannot drop as 'drop' must be a function: current value is ${describeValue(drop)}`);
  }
  const token = nonEmptyString("token", given.token);
  const resourceType = nonEmptyString("resourceType", given.resourceType);
  if (!PRINTABLE_ASCII.test(resourceType) && INVISIBLE_OR_SPACE.test(resourceType)) {
    throw new RefusedError(
      `Cannot drop as 'resourceType' must hold no whitespace, control or invisible character: current value is ${
        describeValue(resourceType)
      }`,
    );
  }
  const requestId = nonEmptyString("requestId", given.requestId);
  if (given.backend !== "shared" && given.backend !== "dedicated") {
    throw new RefusedError(
      `Cannot drop as 'backend' must be "shared" or "dedicated": current value is ${describeValue(given.backend)}`,
    );
  }
  const backend: Backend = given.backend;
  const providerResourceId = optionalString("providerResourceId", given.providerResourceId);
  const caller = optionalString("caller", given.caller);
  const intent = optionalString("intent", given.intent);
  if (given.action !== undefined && !isDropAction(given.action)) {
    throw new RefusedError(
      `Cannot drop as 'action' must be "destroy", "quarantine" or "restore": current value is ${
        describeValue(given.action)
      }`,
    );
  }
  const action = given.action;
  try {
    // The token and its case, decided here once for every backend: custom
    // rules that declare no case policy refuse upper-case letters too.
    checkTenantToken(nameRules, token);
  } catch (err) {
    const cause = scrubError(err);
    if (readProperty(err, "code") === "GD_REFUSED") {
      // Our own clean refusal (the built-in rules) as it is. Any other, from
      // custom rules or another copy, is made again by this copy, with its
      // message scrubbed: custom rules may quote what they were given.
      if (isOwnError(err) && cause === err) throw err;
      throw new RefusedError(scrubbedMessage(err), { cause });
    }
    throw new RefusedError(`Cannot drop as the token check failed: ${scrubbedMessage(err)}`, { cause });
  }
  return Object.freeze({
    token,
    resourceType,
    backend,
    requestId,
    ...(providerResourceId !== undefined && { providerResourceId }),
    ...(caller !== undefined && { caller }),
    ...(intent !== undefined && { intent }),
    ...(action !== undefined && { action }),
  });
}

function nonEmptyString(field: string, value: unknown): string {
  if (typeof value === "string" && value.length > 0) return value;
  throw new RefusedError(
    `Cannot drop as '${field}' must be a non-empty string: current value is ${describeValue(value)}`,
  );
}

function optionalString(field: string, value: unknown): string | undefined {
  if (value === undefined || typeof value === "string") return value;
  throw new RefusedError(
    `Cannot drop as '${field}' must be a string when given: current value is ${describeValue(value)}`,
  );
}
