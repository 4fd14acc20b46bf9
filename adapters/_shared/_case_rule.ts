// Internal: an adapter's own `mixedCaseTokens` option, which follows the
// case policy of its name rules (DESIGN §4). The policy is decided once, in
// the name rules that guardedDrop and every adapter of a tenant share; an
// adapter option may only say how this backend reads a token the policy
// accepts, never refuse what the other backends drop, nor drop what they
// refuse.

import type { NameRules } from "../../lib/mod.ts";
import { describe } from "./_resolve_options.ts";

/**
 * The adapter's case rule: `given`, checked against `modes` and the name
 * rules' policy, or the policy itself when `given` is undefined.
 *
 * - Rules that refuse upper-case tokens (the default, or custom rules that
 *   declare no policy) allow only `"refuse"`: such a token never reaches the
 *   adapter, so any other value would be a promise the adapter cannot keep.
 * - Rules with `mixedCaseTokens: "exact"` allow every mode but `"refuse"`,
 *   which would refuse a tenant that Redis and RabbitMQ drop.
 *
 * @throws {TypeError} If `given` is not one of `modes`, or disagrees with the policy.
 */
export function adapterCaseRule<Mode extends string>(
  adapter: string,
  nameRules: NameRules,
  given: unknown,
  modes: readonly Mode[],
): Mode {
  const policy = nameRules.mixedCaseTokens === "exact" ? "exact" : "refuse";
  if (given === undefined) return policy as Mode;
  if (!modes.includes(given as Mode)) {
    throw new TypeError(
      `Cannot create ${adapter} as 'mixedCaseTokens' must be ${
        modes.map((mode) => JSON.stringify(mode)).join(", ").replace(/, ([^,]*)$/, " or $1")
      }: ` +
        `current value is ${describe(given)}`,
    );
  }
  if ((policy === "refuse") !== (given === "refuse")) {
    throw new TypeError(
      `Cannot create ${adapter} as 'mixedCaseTokens' must agree with the case policy of its name rules, ${
        JSON.stringify(policy)
      }, ` +
        `so that every backend of a tenant refuses or drops it alike: current value is ${JSON.stringify(given)}. ` +
        (policy === "refuse"
          ? `To accept tokens with upper-case letters, give guardedDrop and every adapter name rules made with createNameRules({ mixedCaseTokens: "exact" })`
          : `Leave it out, or give guardedDrop and every adapter the default name rules, which refuse such tokens`),
    );
  }
  return given as Mode;
}
